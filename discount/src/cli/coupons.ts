/**
 * `bun run coupons --count N [--amount TOMANS] [--expires ISO] [--name NAME] [--out FILE]`:
 * generates a batch of single-use coupons into the discount database, writing each code
 * (to FILE, else stdout) as its chunk commits, with progress on stderr. Reads
 * DISCOUNT_DATABASE_URL and the COUPON_DEFAULT_* settings as the service does. Safe to
 * run beside the service and beside another batch: the database keeps every code unique.
 */
import { parseArgs } from "node:util";
import { readProgressSettings, startProgress } from "@matchday/shared/cli/progress";
import { ConfigError, envReader } from "@matchday/shared/config";
import type { DatabaseTarget } from "@matchday/shared/db";
import { openPrivateFile } from "@matchday/shared/private-file";
import { readCouponDefaults, readDiscountDatabase } from "../config";
import { AppError } from "../errors";
import { CLI_CHUNK, createCouponWriter, generateBatch } from "../modules/coupons/batches";
import { compilePattern } from "../modules/coupons/pattern";
import { expiryOf } from "../modules/coupons/service";
import { failWith, openExistingStore } from "./common";

const USAGE =
  "usage: bun run coupons --count N [--amount TOMANS] [--expires 2026-12-31T23:59:59Z] [--name NAME] [--out FILE]";
const MAX_COUNT = 10_000_000;
const fail: (message: string) => never = failWith("coupons");

let args: { count?: string; amount?: string; expires?: string; name?: string; out?: string; help?: boolean };
try {
  args = parseArgs({
    options: {
      count: { type: "string" },
      amount: { type: "string" },
      expires: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const wholeNumber = (raw: string | undefined, flag: string, max: number): number | undefined => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1 || value > max) fail(`${flag} must be a whole number from 1 to ${max}`);
  return value;
};
const count = wholeNumber(args.count, "--count", MAX_COUNT) ?? fail(`--count is required\n${USAGE}`);
const amountArg = wholeNumber(args.amount, "--amount", 1_000_000_000_000);

const read = envReader(process.env);
let database: DatabaseTarget = { url: "", authToken: undefined };
let defaults = { amount: 0, ttlDays: 0 };
const progressSettings = readProgressSettings(read);
try {
  database = readDiscountDatabase(read);
  defaults = readCouponDefaults(read);
  read.done();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
let expiresAt: number | null = null;
try {
  expiresAt = expiryOf(args.expires, defaults, Date.now());
} catch {
  fail("--expires must be an ISO date-time in the future");
}

const store = await openExistingStore(database, fail);
// The codes are redeemable: the file is owner-only, like backups.
const out = args.out ? Bun.file(openPrivateFile(args.out)).writer() : Bun.stdout.writer();
// Codes printed on the terminal itself would tear a redrawn bar: plain lines between them instead.
const codesOnScreen = !args.out && process.stdout.isTTY === true;
const progress = startProgress(
  { ...progressSettings, tty: progressSettings.tty && !codesOnScreen },
  { label: "coupons", unit: "codes", total: count },
);
const batch = await generateBatch(
  createCouponWriter(store),
  {
    name: args.name ?? `${count} coupons`,
    count,
    amount: amountArg ?? defaults.amount,
    expiresAt,
    code: compilePattern(),
  },
  Date.now,
  async (codes, made) => {
    out.write(`${codes.join("\n")}\n`);
    await out.flush();
    progress.update(made);
  },
  CLI_CHUNK,
);
await out.end();
await store.close();
progress.finish();
if (batch instanceof AppError) fail(batch.detail ?? batch.title);
console.error(`coupons: batch ${batch.id} "${batch.name}": ${count.toLocaleString("en")} codes`);
