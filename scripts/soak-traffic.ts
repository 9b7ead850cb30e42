/**
 * The soak's traffic mix: what a match night looks like to both services, at a
 * steady rate. Each operation returns the statuses it got; the caller counts them.
 */

export interface SoakTargets {
  walletUrl: string;
  discountUrl: string;
  admin: Record<string, string>;
  service: Record<string, string>;
  /** A campaign whose cap is never reached: every new phone wins. */
  openCampaign: string;
  /** A campaign already sold out: every redeem is the fast-path 409. */
  soldOutCampaign: string;
}

type Operation = (t: SoakTargets) => Promise<number[]>;

let sequence = 0;
/** Distinct mobiles, so redeems win and credits land on many wallets, as in a real match. */
const nextPhone = (prefix: string) => `${prefix}${String(sequence++ % 10_000_000).padStart(7, "0")}`;
/** A small set of wallets that are read over and over, as the app's balance screen does. */
const knownPhone = () => `0912${String(Math.floor(Math.random() * 1_000)).padStart(7, "0")}`;

async function send(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = {
    ...(rest.headers as Record<string, string>),
    ...(json === undefined ? {} : { "content-type": "application/json" }),
  };
  const res = await fetch(url, { ...rest, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  await res.arrayBuffer(); // drain, so the connection is reused and nothing is held
  return res;
}

const balanceRead: Operation = async (t) => [
  (await send(`${t.walletUrl}/v1/wallets/${knownPhone()}`, { headers: t.service })).status,
];

const credit: Operation = async (t) => {
  const headers = { ...t.service, "idempotency-key": `soak-${crypto.randomUUID()}` };
  const res = await send(`${t.walletUrl}/v1/wallets/${knownPhone()}/credits`, {
    method: "POST",
    headers,
    json: { amount: 1_000, reference: "soak" },
  });
  return [res.status];
};

const redeem =
  (which: "openCampaign" | "soldOutCampaign"): Operation =>
  async (t) => {
    const res = await send(`${t.discountUrl}/v1/redeem`, {
      method: "POST",
      headers: t.service,
      json: { code: t[which], phone: nextPhone("0935") },
    });
    return [res.status];
  };

const reportRead: Operation = async (t) => [
  (await send(`${t.discountUrl}/v1/campaigns/${t.openCampaign}/report?limit=100`, { headers: t.admin })).status,
];

const coupon: Operation = async (t) => {
  const generated = await fetch(`${t.discountUrl}/generate-coupon`, {
    method: "POST",
    headers: { ...t.admin, "content-type": "application/json" },
    body: "{}",
  });
  if (generated.status !== 201) {
    await generated.arrayBuffer();
    return [generated.status];
  }
  const { code } = (await generated.json()) as { code: string };
  const redeemed = await send(`${t.discountUrl}/redeem-coupon`, {
    method: "POST",
    headers: t.service,
    json: { code, phone: nextPhone("0936") },
  });
  return [generated.status, redeemed.status];
};

/** Weights in percent: reads dominate, as on a match night; every write path is kept busy. */
const MIX: [number, Operation][] = [
  [25, balanceRead],
  [20, credit],
  [20, redeem("openCampaign")],
  [10, redeem("soldOutCampaign")],
  [10, reportRead],
  [15, coupon],
];

/** One operation of the mix, chosen by weight. */
export function pickOperation(): Operation {
  let roll = Math.random() * 100;
  for (const [weight, op] of MIX) {
    roll -= weight;
    if (roll < 0) return op;
  }
  return balanceRead;
}
