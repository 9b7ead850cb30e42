import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dataOf, refusalOf } from "@matchday/testkit/client";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { testToken } from "@matchday/testkit/http";
import { type ServiceProcess, startWalletProcess } from "@matchday/testkit/processes";
import { createWalletClient, idempotencyKeyFor, type WalletClient } from "./wallet";

let database: TempDatabase;
let service: ServiceProcess;
let asService: WalletClient;
let asUser: WalletClient;
let anonymous: WalletClient;
const USER = "09121112233";

beforeAll(async () => {
  database = await makeTempDatabase();
  service = await startWalletProcess(database);
  asService = createWalletClient({ baseUrl: service.url, token: await testToken("service", "bff") });
  asUser = createWalletClient({ baseUrl: service.url, token: await testToken("user", USER) });
  anonymous = createWalletClient({ baseUrl: service.url });
});
afterAll(async () => {
  await service?.kill();
  database?.dispose();
});

describe("credit", () => {
  test("credits integer Tomans and answers 201 with the ledger entry", async () => {
    const result = await asService.credit(USER, { amount: 400_000, reference: "gift:T1" }, "client-credit-1");
    expect(result.ok && result.status).toBe(201);
    expect(dataOf(result)).toMatchObject({ phone: "+989121112233", kind: "credit", amount: 400_000 });
  });

  test("the same key and request again is a replay: the stored entry, flagged in the headers", async () => {
    const key = await idempotencyKeyFor("client-test", "order-42");
    const first = await asService.credit("09121112244", { amount: 1_000 }, key);
    const again = await asService.credit("09121112244", { amount: 1_000 }, key);
    expect(dataOf(again)).toEqual(dataOf(first));
    expect(again.ok && again.headers.get("idempotent-replayed")).toBe("true");
    expect(dataOf(await asService.balance("09121112244")).balance).toBe(1_000);
  });

  test("the same key with a different request is 409 IDEMPOTENCY_KEY_REUSED", async () => {
    await asService.credit(USER, { amount: 1 }, "client-reuse");
    const result = await asService.credit(USER, { amount: 2 }, "client-reuse");
    expect(refusalOf(result)).toEqual({ status: 409, code: "IDEMPOTENCY_KEY_REUSED" });
  });

  test("a key outside printable ASCII is 400 IDEMPOTENCY_KEY_INVALID", async () => {
    expect(refusalOf(await asService.credit(USER, { amount: 1 }, "has space"))).toEqual({
      status: 400,
      code: "IDEMPOTENCY_KEY_INVALID",
    });
  });

  test("a zero amount is 422 VALIDATION_FAILED naming the field", async () => {
    const result = await asService.credit(USER, { amount: 0 }, "client-zero");
    expect(refusalOf(result)).toEqual({ status: 422, code: "VALIDATION_FAILED" });
    expect(result.ok ? [] : result.error.errors?.map((e) => e.field)).toContain("body.amount");
  });

  test("a phone that is not an Iranian mobile is 422 INVALID_PHONE", async () => {
    expect(refusalOf(await asService.credit("12345", { amount: 1 }, "client-phone"))).toEqual({
      status: 422,
      code: "INVALID_PHONE",
    });
  });

  test("a user token may not credit (403 FORBIDDEN), and no token is 401 UNAUTHENTICATED", async () => {
    expect(refusalOf(await asUser.credit(USER, { amount: 1 }, "client-user"))).toEqual({
      status: 403,
      code: "FORBIDDEN",
    });
    expect(refusalOf(await anonymous.credit(USER, { amount: 1 }, "client-anon"))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
  });
});

describe("creditMany", () => {
  test("credits many wallets in one request, each item with its own result in order", async () => {
    await asService.credit("09121113300", { amount: 10 }, "client-many-earlier");
    const result = await asService.creditMany([
      { phone: "09121113301", amount: 25, idempotencyKey: "client-many-1", reference: "gift:MANY" },
      { phone: "09121113300", amount: 10, idempotencyKey: "client-many-earlier" },
      { phone: "09121113302", amount: 99, idempotencyKey: "client-many-earlier" },
    ]);
    const [fresh, replayed, reused] = dataOf(result).items;
    expect(fresh).toMatchObject({ status: 201, replayed: false, entry: { phone: "+989121113301", amount: 25 } });
    expect(replayed).toMatchObject({ status: 201, replayed: true, entry: { phone: "+989121113300", amount: 10 } });
    expect(reused).toMatchObject({ status: 409, code: "IDEMPOTENCY_KEY_REUSED" });
    expect(dataOf(await asService.balance("09121113300")).balance).toBe(10);
  });

  test("one bad item refuses the whole batch with 422 naming it; a user token is 403", async () => {
    const result = await asService.creditMany([
      { phone: "09121113303", amount: 1, idempotencyKey: "client-many-ok" },
      { phone: "09121113303", amount: 0, idempotencyKey: "client-many-zero" },
    ]);
    expect(refusalOf(result)).toEqual({ status: 422, code: "VALIDATION_FAILED" });
    expect(result.ok ? [] : result.error.errors?.map((e) => e.field)).toContain("body.items.1.amount");
    expect(dataOf(await asService.balance("09121113303")).balance).toBe(0);
    const items = [{ phone: USER, amount: 1, idempotencyKey: "client-many-user" }];
    expect(refusalOf(await asUser.creditMany(items))).toEqual({ status: 403, code: "FORBIDDEN" });
  });
});

describe("debit", () => {
  test("debits what the balance holds and refuses more with 409 INSUFFICIENT_FUNDS", async () => {
    const phone = "09121112255";
    await asService.credit(phone, { amount: 500 }, "client-debit-funds");
    expect(dataOf(await asService.debit(phone, { amount: 200 }, "client-debit-1")).balanceAfter).toBe(300);
    expect(refusalOf(await asService.debit(phone, { amount: 301 }, "client-debit-2"))).toEqual({
      status: 409,
      code: "INSUFFICIENT_FUNDS",
    });
  });
});

describe("balance and transactions", () => {
  test("a user reads their own balance, in any common form of their phone", async () => {
    const result = await asUser.balance("۰۹۱۲۱۱۱۲۲۳۳");
    expect(dataOf(result)).toMatchObject({ phone: "+989121112233", currency: "IRT" });
    expect(dataOf(result).balance).toBeGreaterThanOrEqual(400_000);
  });

  test("a phone never credited has balance 0", async () => {
    expect(dataOf(await asService.balance("09129998877")).balance).toBe(0);
  });

  test("a user may not read another's wallet (403 FORBIDDEN); an expired token is 401 TOKEN_EXPIRED", async () => {
    expect(refusalOf(await asUser.balance("09129998877"))).toEqual({ status: 403, code: "FORBIDDEN" });
    const expired = createWalletClient({ baseUrl: service.url, token: await testToken("service", "bff", -10) });
    expect(refusalOf(await expired.balance(USER))).toEqual({ status: 401, code: "TOKEN_EXPIRED" });
    const forged = createWalletClient({ baseUrl: service.url, token: "not.a.jwt" });
    expect(refusalOf(await forged.transactions(USER))).toEqual({ status: 401, code: "INVALID_TOKEN" });
  });

  test("transactions come newest first, by page, and a bad page size is 422 VALIDATION_FAILED", async () => {
    const phone = "09121112266";
    for (const n of [1, 2, 3]) await asService.credit(phone, { amount: n }, `client-page-${n}`);
    const first = dataOf(await asService.transactions(phone, { limit: "2" }));
    expect(first.items.map((e) => e.amount)).toEqual([3, 2]);
    const rest = dataOf(await asService.transactions(phone, { limit: "2", cursor: first.nextCursor ?? "" }));
    expect(rest).toMatchObject({ items: [{ amount: 1 }], nextCursor: null });
    expect(refusalOf(await asService.transactions(phone, { limit: "0" }))).toEqual({
      status: 422,
      code: "VALIDATION_FAILED",
    });
    expect(refusalOf(await asService.transactions("0912", {}))).toEqual({ status: 422, code: "INVALID_PHONE" });
  });
});
