import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Access, authCallers } from "@matchday/testkit/bad-input";
import { bearer } from "@matchday/testkit/http";
import { startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";

/**
 * Who may call what. Every route the wallet serves must appear here: the matrix is
 * built from the app's own route list, so a new route fails this test until its
 * access rule is written down.
 */
const POLICY: Record<string, Access> = {
  "GET /health": "public",
  "GET /ready": "public",
  "GET /metrics": "staff",
  "GET /docs": "public",
  "GET /docs/json": "public",
  "GET /docs/assets/scalar.js": "public",
  "GET /docs/assets/docs.js": "public",
  "GET /v1/wallets/:phone": "self-or-staff",
  "GET /v1/wallets/:phone/transactions": "self-or-staff",
  "POST /v1/wallets/:phone/credits": "staff",
  "POST /v1/wallets/:phone/debits": "staff",
  "POST /v1/credit-batches": "staff",
};

const OWNER = "09121111111";

let wallet: WalletUnderTest;
beforeAll(async () => {
  wallet = await startWalletInProcess();
});
afterAll(() => wallet.dispose());

test("every route the wallet serves has an access rule in the matrix", () => {
  expect(wallet.app.routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(POLICY).sort());
});

let keys = 0;
let funded = 0;
/** Debits need funds, so the owner's wallet gets some first (as admin, not under test). */
async function fundOwner() {
  await wallet.app.handle(
    new Request(`http://localhost/v1/wallets/${OWNER}/credits`, {
      method: "POST",
      headers: {
        ...(await bearer("admin")),
        "content-type": "application/json",
        "idempotency-key": `fund-${funded++}`,
      },
      body: JSON.stringify({ amount: 1 }),
    }),
  );
}

describe("auth matrix", async () => {
  const callers = await authCallers(OWNER);
  for (const [route, access] of Object.entries(POLICY)) {
    const [method, template] = route.split(" ") as [string, string];
    for (const caller of callers) {
      const allowed = access === "public" || caller.expect[access] === 200;
      const created = method === "POST" && route !== "POST /v1/credit-batches";
      const expected = allowed ? (created ? 201 : 200) : caller.expect[access as Exclude<Access, "public">];
      test(`${route} as ${caller.name} → ${expected}`, async () => {
        const headers: Record<string, string> = { "idempotency-key": `auth-matrix-${keys++}` };
        if (caller.authorization) headers.authorization = caller.authorization;
        const init: RequestInit = { method, headers };
        if (method === "POST") {
          headers["content-type"] = "application/json";
          // A batch carries the phone and the key in each item; the single entries in the path and header.
          const batched = template === "/v1/credit-batches";
          const item = { phone: OWNER, amount: 1, idempotencyKey: headers["idempotency-key"] as string };
          init.body = JSON.stringify(batched ? { items: [item] } : { amount: 1 });
        }
        if (route.endsWith("/debits") && allowed) await fundOwner();
        const res = await wallet.app.handle(new Request(`http://localhost${template.replace(":phone", OWNER)}`, init));
        expect(res.status).toBe(expected);
        if (!allowed) {
          expect(res.headers.get("content-type")).toContain("application/problem+json");
          const { code } = (await res.json()) as { code: string };
          expect(code).toBe(expected === 401 ? (caller.refusal as string) : "FORBIDDEN");
        }
      });
    }
  }
});
