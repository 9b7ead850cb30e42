// Must NOT compile: each marked line breaks the contract the apps' schemas state.
// bun test (type-check.test.ts) asserts tsc reports exactly these errors, on exactly these lines.
import { createDiscountClient } from "../src/discount";
import { createWalletClient } from "../src/wallet";

const wallet = createWalletClient({ baseUrl: "http://127.0.0.1:3001", token: "service-token" });
const discount = createDiscountClient({ baseUrl: "http://127.0.0.1:3002", token: "user-token" });

export const amountAsText = wallet.credit("09121234567", { amount: "1000000" }, "order-1"); // expect TS2322
export const withoutKey = wallet.credit("09121234567", { amount: 1_000_000 }); // expect TS2554
export const codeAsNumber = discount.redeem({ code: 1234 }); // expect TS2322
export const unknownField = wallet.debit("09121234567", { amount: 5, note: "x" }, "order-2"); // expect TS2353
