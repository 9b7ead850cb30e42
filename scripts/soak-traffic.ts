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

/** What one request got; the body is kept for a 5xx only, to say what went wrong. */
export interface Answer {
  status: number;
  body?: string;
}

type Operation = (t: SoakTargets) => Promise<Answer[]>;

let sequence = 0;
/** Distinct mobiles, so redeems win and credits land on many wallets, as in a real match. */
const nextPhone = (prefix: string) => `${prefix}${String(sequence++ % 10_000_000).padStart(7, "0")}`;
/** A small set of wallets that are read over and over, as the app's balance screen does. */
const knownPhone = () => `0912${String(Math.floor(Math.random() * 1_000)).padStart(7, "0")}`;

/** One request, its body read whole (so the connection is reused and nothing is held). */
async function send(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; text: string }> {
  const { json, ...rest } = init;
  const headers = {
    ...(rest.headers as Record<string, string>),
    ...(json === undefined ? {} : { "content-type": "application/json" }),
  };
  const res = await fetch(url, { ...rest, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  return { status: res.status, text: await res.text() };
}

const answerOf = ({ status, text }: { status: number; text: string }): Answer =>
  status >= 500 ? { status, body: text.slice(0, 500) } : { status };

const balanceRead: Operation = async (t) => [
  answerOf(await send(`${t.walletUrl}/v1/wallets/${knownPhone()}`, { headers: t.service })),
];

const credit: Operation = async (t) => {
  const headers = { ...t.service, "idempotency-key": `soak-${crypto.randomUUID()}` };
  const res = await send(`${t.walletUrl}/v1/wallets/${knownPhone()}/credits`, {
    method: "POST",
    headers,
    json: { amount: 1_000, reference: "soak" },
  });
  return [answerOf(res)];
};

const redeem =
  (which: "openCampaign" | "soldOutCampaign"): Operation =>
  async (t) => {
    const res = await send(`${t.discountUrl}/v1/redeem`, {
      method: "POST",
      headers: t.service,
      json: { code: t[which], phone: nextPhone("0935") },
    });
    return [answerOf(res)];
  };

const reportRead: Operation = async (t) => [
  answerOf(await send(`${t.discountUrl}/v1/campaigns/${t.openCampaign}/report?limit=100`, { headers: t.admin })),
];

const coupon: Operation = async (t) => {
  const generated = await send(`${t.discountUrl}/generate-coupon`, { method: "POST", headers: t.admin, json: {} });
  if (generated.status !== 201) return [answerOf(generated)];
  const { code } = JSON.parse(generated.text) as { code: string };
  const redeemed = await send(`${t.discountUrl}/redeem-coupon`, {
    method: "POST",
    headers: t.service,
    json: { code, phone: nextPhone("0936") },
  });
  return [answerOf(generated), answerOf(redeemed)];
};

/** Weights in percent: reads dominate, as on a match night; every write path is kept busy. */
const MIX: [number, string, Operation][] = [
  [25, "balance read", balanceRead],
  [20, "credit", credit],
  [20, "redeem (open)", redeem("openCampaign")],
  [10, "redeem (sold out)", redeem("soldOutCampaign")],
  [10, "report read", reportRead],
  [15, "coupon (generate + redeem)", coupon],
];

/** One operation of the mix, chosen by weight, and its name for the failure list. */
export function pickOperation(): { name: string; run: Operation } {
  let roll = Math.random() * 100;
  for (const [weight, name, run] of MIX) {
    roll -= weight;
    if (roll < 0) return { name, run };
  }
  return { name: "balance read", run: balanceRead };
}
