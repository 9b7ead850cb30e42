/**
 * The stack k6 runs against when Bun starts it (the soak, CI's k6 runs): Redis, the wallet
 * and discount as real processes on free ports over temporary databases, with the
 * per-address limits raised as load/README.md asks (all of k6's traffic comes from one
 * address). Free ports and its own Redis, so it never meets a `bun start` or a Redis
 * already running on the machine.
 */
import { makeTempDatabase } from "@matchday/testkit/database";
import { type ServiceProcess, startDiscountProcess, startWalletProcess, waitFor } from "@matchday/testkit/processes";
import { startRedis } from "@matchday/testkit/redis";

export interface K6Stack {
  wallet: ServiceProcess;
  discount: ServiceProcess;
  /** Prints the end of both services' logs: what a failed k6 run needs next to its summary. */
  printLogTails(): void;
  /** Stops the services (gracefully, discount first), then Redis, and removes the databases. */
  stop(): Promise<void>;
}

/** Starts the stack and waits until both services answer /ready; `env` goes to both services. */
export async function startK6Stack(env: Record<string, string> = {}): Promise<K6Stack> {
  const redis = await startRedis();
  const walletDb = await makeTempDatabase();
  const discountDb = await makeTempDatabase();
  const wallet = await startWalletProcess(walletDb, env);
  const discount = await startDiscountProcess(
    discountDb,
    { redisUrl: redis.url, wallet },
    {
      ...env,
      RATE_LIMIT_IP_PER_MINUTE: "10000000",
      RATE_LIMIT_PHONE_PER_MINUTE: "1000",
      RATE_LIMIT_COUPON_IP_PER_MINUTE: "1000000",
    },
  );
  const stop = async () => {
    await discount.stop();
    await wallet.stop();
    await redis.dispose();
    walletDb.dispose();
    discountDb.dispose();
  };
  try {
    // /health answers as soon as a service listens; k6's smoke also expects /ready.
    for (const service of [wallet, discount]) {
      await waitFor(`${service.url}/ready`, async () => (await fetch(`${service.url}/ready`)).ok);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const printLogTails = () => {
    for (const [name, service] of Object.entries({ wallet, discount })) {
      console.log(`\n${name}'s log (tail):\n${service.output().slice(-4_000) || "(nothing)"}`);
    }
  };
  return { wallet, discount, printLogTails, stop };
}
