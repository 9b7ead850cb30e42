/** The floor servers (bench/chain-floor-server.ts, bench/chain-floor-api.ts) as their own processes, for the floor benches. */
import { TEST_JWT_SECRET } from "@matchday/testkit/http";
import { startService } from "@matchday/testkit/processes";

export const BARE_FLOOR = "bench/chain-floor-server.ts";
export const API_FLOOR = "bench/chain-floor-api.ts";

/** One side of a floor (FLOOR_ROLE in `env`), verifying the tests' service tokens. */
function startFloorServer(env: Record<string, string>, entry: string) {
  return startService({ entry, portVar: "FLOOR_PORT", env: { JWT_SECRET: TEST_JWT_SECRET, ...env } });
}

/** A floor's wallet over the database at `databaseUrl`. */
export function startFloorWallet(databaseUrl: string, entry = BARE_FLOOR) {
  return startFloorServer({ FLOOR_ROLE: "wallet", FLOOR_DATABASE_URL: databaseUrl }, entry);
}

export interface FloorDiscountOptions {
  databaseUrl: string;
  /** The Redis its gate lives in: the bench readies each code's gate there (FLOOR_GENERATION). */
  redisUrl: string;
  walletUrl: string;
  /** The service token, for a wallet that checks one (the wallet service, the API floor's). */
  walletToken?: string;
  cap: number;
  entry?: string;
  /** More for the process's environment (a memory probe, say). */
  env?: Record<string, string>;
}

/** A floor's discount side, crediting the wallet at `walletUrl`. */
export function startFloorDiscount(options: FloorDiscountOptions) {
  const { databaseUrl, redisUrl, walletUrl, walletToken, cap, entry = BARE_FLOOR, env } = options;
  return startFloorServer(
    {
      FLOOR_ROLE: "discount",
      FLOOR_DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      WALLET_URL: walletUrl,
      FLOOR_CAP: String(cap),
      ...(walletToken ? { WALLET_TOKEN: walletToken } : {}),
      ...env,
    },
    entry,
  );
}
