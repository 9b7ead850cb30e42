import type { TokenVerifier } from "@matchday/shared/auth";
import { authPlugin } from "@matchday/shared/http";
import { Elysia } from "elysia";
import type { DiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { codeFromPath } from "../campaigns";
import { CodeParams } from "../campaigns/model";
import type { CampaignCache } from "../campaigns/service";
import { EventsQuery, Report, ReportQuery } from "./model";
import { campaignReport } from "./service";
import { winnerEvents, winnersCsv } from "./streams";

export interface ReportRoutesDeps {
  store: DiscountStore;
  campaigns: CampaignCache;
  verifyToken: TokenVerifier;
  /** How often the event stream looks for new winners. */
  eventPollMs?: number;
  keepAliveMs?: number;
}

const admins = ["admin"] as const;
const RANK_ID = /^(0|[1-9][0-9]{0,8})$/;

/** Admin views of a campaign: the report (JSON page or CSV) and a live event stream. */
export function reportRoutes({
  store,
  campaigns,
  verifyToken,
  eventPollMs = 500,
  keepAliveMs = 15_000,
}: ReportRoutesDeps) {
  const campaignOf = async (raw: string) => {
    const row = await campaigns.get(codeFromPath(raw));
    if (!row) throw new AppError("CAMPAIGN_NOT_FOUND", `No campaign has code ${raw}`);
    return row;
  };

  return new Elysia({ name: "report", prefix: "/v1/campaigns" })
    .use(authPlugin(verifyToken))
    .get(
      "/:code/report",
      async ({ params, query }) => {
        const campaign = await campaignOf(params.code);
        if (query.format === "csv") {
          const csv = new Response(winnersCsv(store, campaign), {
            headers: {
              "content-type": "text/csv; charset=utf-8",
              "content-disposition": `attachment; filename="${campaign.code}-winners.csv"`,
            },
          });
          // Elysia sends a Response as it is, unvalidated; the schema describes the JSON form only.
          return csv as unknown as Report;
        }
        return campaignReport(store, campaign, {
          cursor: Number(query.cursor ?? 0),
          limit: Number(query.limit ?? 100),
        });
      },
      {
        auth: admins,
        params: CodeParams,
        query: ReportQuery,
        response: { 200: Report },
        detail: {
          summary: "A campaign's numbers and winners by rank (admin)",
          description:
            "Winners after `cursor`, in rank order; poll with the last `nextCursor` to fetch only new winners. " +
            "`?format=csv` streams every winner as CSV instead.",
          tags: ["report"],
        },
      },
    )
    .get(
      "/:code/events",
      async ({ params, query, request, server }) => {
        const campaign = await campaignOf(params.code);
        const lastEventId = request.headers.get("last-event-id");
        const after = lastEventId && RANK_ID.test(lastEventId) ? lastEventId : (query.cursor ?? "0");
        // A stream may be quiet for longer than the server's idle timeout between winners.
        server?.timeout(request, 0);
        return new Response(winnerEvents(store, campaign, { after: Number(after), pollMs: eventPollMs, keepAliveMs }), {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
            "x-accel-buffering": "no",
          },
        });
      },
      {
        auth: admins,
        params: CodeParams,
        query: EventsQuery,
        detail: {
          summary: "Live winners as Server-Sent Events (admin)",
          description:
            "Events: `winner` (id = rank; reconnect with Last-Event-ID to resume), `summary` when the numbers " +
            "change, `sold-out` once. Send the admin token in the Authorization header (e.g. fetch with a " +
            "stream reader); tokens are not accepted in the URL, where logs would keep them.",
          tags: ["report"],
          responses: { 200: { description: "text/event-stream", content: { "text/event-stream": {} } } },
        },
      },
    );
}
