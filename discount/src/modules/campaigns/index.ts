import type { TokenVerifier } from "@matchday/shared/auth";
import type { Clock } from "@matchday/shared/clock";
import { authPlugin } from "@matchday/shared/http";
import { Elysia } from "elysia";
import type { CampaignRow } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { canonicalCode } from "./code";
import { requireStorableMetadata } from "./metadata";
import { Campaign, CampaignList, CampaignListQuery, CodeParams, CreateCampaign } from "./model";
import { type CampaignCache, createCampaign, listCampaigns, toCampaign } from "./service";

export interface CampaignRoutesDeps {
  store: DiscountStore;
  campaigns: CampaignCache;
  verifyToken: TokenVerifier;
  clock: Clock;
  /** Readies a new campaign's Redis gate before its creation is answered (never fails the creation). */
  prepareGate: (campaign: CampaignRow) => Promise<void>;
}

const admins = ["admin"] as const;
export const ADMIN_ONLY =
  "Admins only: 401 UNAUTHENTICATED, INVALID_TOKEN or TOKEN_EXPIRED without a valid token; 403 FORBIDDEN for " +
  "user and service tokens. Refusals are application/problem+json.";

/** A path code that cannot be any campaign's is answered like an unknown one. */
export function codeFromPath(raw: string): string {
  const code = canonicalCode(raw);
  if (!code) throw new AppError("CAMPAIGN_NOT_FOUND", "No campaign has this code");
  return code;
}

export function campaignRoutes({ store, campaigns, verifyToken, clock, prepareGate }: CampaignRoutesDeps) {
  return new Elysia({ name: "campaigns", prefix: "/v1/campaigns" })
    .use(authPlugin(verifyToken))
    .post(
      "/",
      async ({ body, set }) => {
        requireStorableMetadata(body.metadata);
        const row = await createCampaign(store, body, clock);
        campaigns.remember(row);
        await prepareGate(row);
        set.status = 201;
        return toCampaign(row);
      },
      {
        auth: admins,
        parse: "json",
        body: CreateCampaign,
        response: { 201: Campaign },
        detail: {
          summary: "Create a gift campaign (admin)",
          description:
            `${ADMIN_ONLY} 409 CAMPAIGN_CODE_TAKEN when another campaign uses the code; 422 VALIDATION_FAILED ` +
            "for a bad field, including endsAt not after startsAt, control characters in stored text, and metadata " +
            "nested too deep or too large.",
          tags: ["campaigns"],
        },
      },
    )
    .get(
      "/",
      ({ query }) => listCampaigns(store, { limit: Number(query.limit ?? 20), cursor: query.cursor, q: query.q }),
      {
        auth: admins,
        query: CampaignListQuery,
        response: { 200: CampaignList },
        detail: {
          summary: "Campaigns, newest first, by cursor, optionally searched by name or code (admin)",
          description: `${ADMIN_ONLY} 422 VALIDATION_FAILED for a bad limit, cursor or q.`,
          tags: ["campaigns"],
        },
      },
    )
    .get(
      "/:code",
      async ({ params }) => {
        const row = await campaigns.get(codeFromPath(params.code));
        if (!row) throw new AppError("CAMPAIGN_NOT_FOUND", `No campaign has code ${params.code}`);
        return toCampaign(row);
      },
      {
        auth: admins,
        params: CodeParams,
        response: { 200: Campaign },
        detail: {
          summary: "One campaign (admin)",
          description: `${ADMIN_ONLY} 404 CAMPAIGN_NOT_FOUND when no campaign has the code.`,
          tags: ["campaigns"],
        },
      },
    );
}
