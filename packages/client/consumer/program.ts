/**
 * A small program as another project would write it against the installed package: an admin
 * opens a campaign, a back end redeems it for a user, and the prize shows in the user's wallet.
 * installed.test.ts type-checks it and runs it in a project outside this workspace; it prints
 * one JSON line of what it saw.
 */
import { type ApiResult, createDiscountClient, type ErrorCode } from "@matchday/client/discount";
import { createWalletClient, idempotencyKeyFor, type WalletView } from "@matchday/client/wallet";

// Bun's own types are not installed here: the package must not need them, so this names the one global used.
declare const process: { env: Record<string, string | undefined> };

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

/** The data of a success, or the refusal's code as the program's failure. */
function dataOf<T>(result: ApiResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.status} ${result.error.code}: ${result.error.detail}`);
  return result.data;
}

const phone = "09127770001";
const admin = createDiscountClient({ baseUrl: env("DISCOUNT_URL"), token: env("ADMIN_TOKEN") });
const backEnd = createDiscountClient({ baseUrl: env("DISCOUNT_URL"), token: () => env("SERVICE_TOKEN") });
const wallet = createWalletClient({ baseUrl: env("WALLET_URL"), token: env("SERVICE_TOKEN"), timeoutMs: 5_000 });

const campaign = dataOf(await admin.createCampaign({ name: "packed client", amount: 250_000, maxRedemptions: 1 }));
const won = dataOf(await backEnd.redeem({ code: campaign.code, phone }));
const late = await backEnd.redeem({ code: campaign.code, phone: "09127770002" });
const soldOut: ErrorCode | "none" = late.ok ? "none" : (late.error.code as ErrorCode);

// The redeem answers once the prize is recorded; the wallet may hear of it a moment later.
let balance = 0;
for (let tries = 0; tries < 50 && balance < won.amount; tries++) {
  const view: WalletView = dataOf(await wallet.balance(phone));
  balance = view.balance;
  if (balance < won.amount) await new Promise((resolve) => setTimeout(resolve, 100));
}
const key = await idempotencyKeyFor("packed-client", "order-1");
const debit = dataOf(await wallet.debit(phone, { amount: 50_000, reference: "order-1" }, key));

console.log(JSON.stringify({ rank: won.rank, amount: won.amount, soldOut, balance, after: debit.balanceAfter }));

/** Never called: proof that the installed types still check bodies (tsc fails on an unused @ts-expect-error). */
export function amountAsText() {
  // @ts-expect-error amounts are integer Tomans, not text
  return wallet.credit(phone, { amount: "250000" }, "order-2");
}
