// The twin of wrong-body.ts done right: it must compile, so that file fails for its marked reasons only.
import { createDiscountClient } from "../src/discount";
import { createWalletClient } from "../src/wallet";

const wallet = createWalletClient({ baseUrl: "http://127.0.0.1:3001", token: "service-token" });
const discount = createDiscountClient({ baseUrl: "http://127.0.0.1:3002", token: "user-token" });

export const amountAsText = wallet.credit("09121234567", { amount: 1_000_000 }, "order-1");
export const withoutKey = wallet.credit("09121234567", { amount: 1_000_000 }, "order-1");
export const codeAsNumber = discount.redeem({ code: "1234" });
export const unknownField = wallet.debit("09121234567", { amount: 5, description: "x" }, "order-2");
