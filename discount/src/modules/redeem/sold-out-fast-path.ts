import type { TokenVerifier } from "@matchday/shared/auth";
import { type HttpKernel, recordSocketAddress, unreadableBody } from "@matchday/shared/http";
import type { CounterSeries } from "@matchday/shared/metrics";
import type { Server } from "bun";
import type { CampaignRow } from "../../db/schema";
import { campaignLabel, type DiscountMetrics } from "../../metrics";
import { canonicalCode } from "../campaigns/code";
import type { CampaignCache } from "../campaigns/service";
import { provenPhone } from "../claims/caller";
import type { ClaimMemory } from "../claims/memory";
import { SOLD_OUT_OUTCOME } from "../claims/model";
import { giftRefusal } from "../claims/responses";
import { REDEEM_ROUTE, redeemBodyCheck } from "./model";

export interface FastPathDeps {
  campaigns: CampaignCache;
  memory: ClaimMemory;
  metrics: DiscountMetrics;
  kernel: Pick<HttpKernel, "directRefusal">;
  maxBodyBytes: number;
  redeemAnonymous: boolean;
  verifyToken: TokenVerifier;
  clock: () => number;
}

/** Hands a request to the app's own router: the original, or one rebuilt around a body already read. */
export type Forward = (request: Request) => Response | Promise<Response>;

/**
 * The answer most of a match burst gets, without the framework: once a campaign is
 * full, a non-winner's POST /v1/redeem is refused here from memory (DESIGN §3.5),
 * before Elysia's hooks, parsing and validation, which measured cost half the
 * throughput of a bare server. It answers only when the routed handler would give
 * the same answer: the kernel's body checks, the route's schema, the same campaign
 * cache and the claim pipeline's own memory, a caller the handler's verifier has
 * already proven (a cached token: no crypto here; any other caller goes to the route,
 * which verifies first, so nobody unproven learns who won), and the kernel's headers,
 * metrics and log line. Anything else goes to the router (`forward`) unchanged. It is
 * the listener's entry for the route (Bun's `serve.routes`), so requests through
 * app.handle or another runtime take the routed path, which answers identically.
 */
export function soldOutFastPath(deps: FastPathDeps, forward: Forward) {
  const refuse = deps.kernel.directRefusal(REDEEM_ROUTE, "POST", giftRefusal(SOLD_OUT_OUTCOME));
  // Keyed by the cached campaign row, so a campaign the cache forgets takes its entry along.
  const soldOutClaims = new WeakMap<CampaignRow, CounterSeries>();
  const countSoldOut = (campaign: CampaignRow) => {
    let series = soldOutClaims.get(campaign);
    if (!series) {
      series = deps.metrics.claims.series({ campaign: campaignLabel(campaign, deps.clock()), outcome: "sold-out" });
      soldOutClaims.set(campaign, series);
    }
    series.inc();
  };
  const answer = async (request: Request, socketIp: () => string | undefined): Promise<Response> => {
    // A request without a valid Host has a relative URL that cannot be rebuilt: the router refuses it.
    if (!deps.memory.hasGift() || !URL.canParse(request.url)) return forward(request);
    const authorization = request.headers.get("authorization");
    // Only a body of declared length is read here; a chunked one is the router's to count.
    const declared = Number(request.headers.get("content-length")) > 0;
    if (!declared || unreadableBody(request, deps.maxBodyBytes) || (!authorization && !deps.redeemAnonymous)) {
      return forward(request);
    }
    const text = await request.text();
    const campaign = soldOutFor(deps, text, authorization);
    if (campaign) {
      countSoldOut(campaign);
      return refuse(request);
    }
    const again = new Request(request.url, { method: request.method, headers: request.headers, body: text });
    const ip = socketIp();
    if (ip) recordSocketAddress(again, ip);
    return forward(again);
  };
  return {
    [REDEEM_ROUTE]: {
      POST: (request: Request, server: Server<unknown>) => answer(request, () => server.requestIP(request)?.address),
    },
  };
}

/** The full gift campaign this body asks for, when its phone is not among the winners. */
function soldOutFor(deps: FastPathDeps, text: string, authorization: string | null): CampaignRow | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  // The route's own schema: the fast path accepts exactly what the route accepts.
  if (!redeemBodyCheck.Check(body)) return undefined;
  const code = canonicalCode(body.code);
  const campaign = code ? deps.campaigns.peek(code) : undefined;
  if (campaign?.kind !== "gift") return undefined;
  const phone = provenPhone(deps.verifyToken, authorization, body.phone, deps.redeemAnonymous);
  return phone && deps.memory.answer(campaign.code, phone).kind === "sold-out" ? campaign : undefined;
}
