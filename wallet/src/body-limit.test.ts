import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, startWalletProcess } from "@matchday/testkit/processes";

const MAX_BODY_BYTES = 2048;
const PHONE = "09125550001";

let database: TempDatabase;
let wallet: ServiceProcess;
let service: Record<string, string>;

beforeAll(async () => {
  database = await makeTempDatabase();
  wallet = await startWalletProcess(database, { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  service = await bearer("service");
});
afterAll(async () => {
  await wallet.kill();
  database.dispose();
});

const creditBody = (reference: string) => JSON.stringify({ amount: 1_000, reference });

/** The body in 512-byte pieces with no Content-Length: `Transfer-Encoding: chunked` on the wire. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.slice(i, i + 512));
      controller.close();
    },
  });
}

function credit(key: string, body: BodyInit) {
  return fetch(`${wallet.url}/v1/wallets/${PHONE}/credits`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json", "idempotency-key": key },
    body,
    duplex: "half",
  } as RequestInit);
}

async function ledger() {
  const res = await fetch(`${wallet.url}/v1/wallets/${PHONE}/transactions`, { headers: service });
  return ((await res.json()) as { items: unknown[] }).items;
}

test("a chunked body over MAX_BODY_BYTES is refused with 413 and moves no money; its key stays unused", async () => {
  const big = creditBody("x".repeat(MAX_BODY_BYTES * 4));
  expect(big.length).toBeGreaterThan(MAX_BODY_BYTES);
  const refused = await credit("big-chunked", chunked(big));
  expect(refused.status).toBe(413);
  expect(refused.headers.get("content-type")).toContain("application/problem+json");
  expect(((await refused.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
  expect(await ledger()).toEqual([]);

  // The key was never recorded: the same key with a body in bounds is a first credit, not a replay.
  const accepted = await credit("big-chunked", chunked(creditBody("gift:small")));
  expect(accepted.status).toBe(201);
  expect(accepted.headers.get("idempotent-replayed")).toBeNull();
  expect(await ledger()).toHaveLength(1);
});
