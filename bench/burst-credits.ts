/** When a cap-N burst's credits landed in a ledger: bench/http.ts's 1,000th credit, and its floor's. */
import { openDatabase } from "@matchday/shared/db";

/** The wallet service's ledger: a burst's credits' timestamps, oldest first, as `at`, by a LIKE on their keys. */
export const WALLET_LEDGER_SQL = "SELECT created_at AS at FROM ledger WHERE idempotency_key LIKE ? ORDER BY created_at";

/**
 * The timestamps of the gift credits for `code` in the ledger at `databaseUrl` (`sql` as
 * WALLET_LEDGER_SQL reads it), oldest first. While fewer than `cap` have landed it looks again
 * until `waitMs` has passed (the last may land after the burst's load ends); then it returns
 * what it found, for the caller to judge.
 */
export async function burstCreditTimes(
  databaseUrl: string,
  sql: string,
  code: string,
  cap: number,
  waitMs = 0,
): Promise<number[]> {
  const ledger = await openDatabase(databaseUrl);
  try {
    for (const deadline = Date.now() + waitMs; ; await Bun.sleep(50)) {
      const { rows } = await ledger.execute({ sql, args: [`gift:${code}:%`] });
      if (rows.length >= cap || Date.now() >= deadline) return rows.map((row) => Number(row.at));
    }
  } finally {
    ledger.close();
  }
}
