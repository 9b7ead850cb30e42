/** The floor servers (bench/chain-floor-server.ts, bench/chain-floor-api.ts) as their own processes, for the floor benches. */
import { TEST_JWT_SECRET } from "@matchday/testkit/http";
import { startService } from "@matchday/testkit/processes";

export const BARE_FLOOR = "bench/chain-floor-server.ts";
export const API_FLOOR = "bench/chain-floor-api.ts";

/** One side of a floor (FLOOR_ROLE in `env`), verifying the tests' service tokens. */
export function startFloorServer(env: Record<string, string>, entry = BARE_FLOOR) {
  return startService({ entry, portVar: "FLOOR_PORT", env: { JWT_SECRET: TEST_JWT_SECRET, ...env } });
}
