import { makeTempDatabase, type TempDatabase } from "../database";
import { TEST_JWT_SECRET } from "../http/tokens";
import { type RedisHandle, startRedis } from "../redis";
import { entryPoint, type Runtime } from "./runtimes";
import { type ServedTls, type ServiceProcess, startService } from "./service-process";

/** The wallet as its own process on a free port, over the given (migrated or empty) database; HTTPS when given `tls`. */
export function startWalletProcess(
  database: Pick<TempDatabase, "url">,
  env: Record<string, string> = {},
  runtime: Runtime = "bun",
  tls?: ServedTls,
) {
  return startService({
    ...entryPoint("wallet", runtime),
    portVar: "WALLET_PORT",
    env: { JWT_SECRET: TEST_JWT_SECRET, WALLET_DATABASE_URL: database.url, ...env },
    tls,
  });
}

/** The Redis (a server's URL, or a topology's environment) and the wallet a discount process talks to. */
export type DiscountDeps = ({ redisUrl: string } | { redisEnv: Record<string, string> }) & {
  wallet: Pick<ServiceProcess, "url"> | string;
};

/** What a discount process is started with: the given database, Redis and wallet, test limits, then `env`. */
export function discountEnv(
  database: Pick<TempDatabase, "url">,
  deps: DiscountDeps,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    JWT_SECRET: TEST_JWT_SECRET,
    DISCOUNT_DATABASE_URL: database.url,
    ...("redisEnv" in deps ? deps.redisEnv : { REDIS_URL: deps.redisUrl }),
    WALLET_URL: typeof deps.wallet === "string" ? deps.wallet : deps.wallet.url,
    RATE_LIMIT_PHONE_PER_MINUTE: "1000",
    RATE_LIMIT_IP_PER_MINUTE: "10000000",
    RELAY_INTERVAL_MS: "100",
    ...env,
  };
}

/**
 * The discount service as its own process, talking to the given Redis and wallet; HTTPS when
 * given `tls`. Redis is a single server's URL, or a topology's environment (the `env` of
 * startRedisCluster or startRedisSentinel).
 */
export function startDiscountProcess(
  database: Pick<TempDatabase, "url">,
  deps: DiscountDeps,
  env: Record<string, string> = {},
  runtime: Runtime = "bun",
  tls?: ServedTls,
) {
  return startService({
    ...entryPoint("discount", runtime),
    tls,
    portVar: "DISCOUNT_PORT",
    env: discountEnv(database, deps, env),
  });
}

/**
 * `count` discount processes on one database file: the first alone, since it applies the
 * migrations, then the rest together. If one of the rest fails to start, the first is stopped.
 */
export async function startDiscountProcesses(
  database: Pick<TempDatabase, "url">,
  deps: Parameters<typeof startDiscountProcess>[1],
  count: number,
  env: Record<string, string> = {},
): Promise<ServiceProcess[]> {
  const first = await startDiscountProcess(database, deps, env);
  try {
    const rest = await Promise.all(Array.from({ length: count - 1 }, () => startDiscountProcess(database, deps, env)));
    return [first, ...rest];
  } catch (error) {
    await first.stop();
    throw error;
  }
}

export interface RedisAndWallet {
  redis: RedisHandle;
  walletDb: TempDatabase;
  wallet: ServiceProcess;
  /** Stops the wallet (SIGKILL when `hard`: faster when a test has already checked what it needs) and Redis. */
  dispose(options?: { hard?: boolean }): Promise<void>;
}

/** What every discount test stands on: its own Redis and the real wallet as a process on a fresh database. */
export async function startRedisAndWallet(): Promise<RedisAndWallet> {
  const redis = await startRedis();
  const walletDb = await makeTempDatabase();
  const wallet = await startWalletProcess(walletDb);
  return {
    redis,
    walletDb,
    wallet,
    async dispose(options = {}) {
      await (options.hard ? wallet.kill() : wallet.stop());
      walletDb.dispose();
      await redis.dispose();
    },
  };
}
