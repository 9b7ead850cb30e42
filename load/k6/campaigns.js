/**
 * Gift campaigns through the admin API: creating one (or a sold-out one) in setup(), reading its report
 * page by page, and waiting for the outbox relay to deliver its credits.
 */
import { sleep } from "k6";
import { DISCOUNT_URL } from "./config.js";
import { describe, getJson, jsonOf, must, postJson } from "./http.js";

/** Creates a gift campaign through the admin API; throws (ending setup) unless it answers 201. */
export function createCampaign(adminToken, campaign) {
  const res = postJson(`${DISCOUNT_URL}/v1/campaigns`, campaign, adminToken, { tags: { endpoint: "campaigns" } });
  const body = must(res, 201, `creating campaign ${campaign.code || campaign.name}`);
  if (body.maxRedemptions !== campaign.maxRedemptions || body.amount !== campaign.amount) {
    throw new Error(`the created campaign does not match the request: ${res.body}`);
  }
  return body;
}

/** A campaign of cap 1 already won by `winner`: every other phone's redeem is the sold-out answer. */
export function createSoldOutCampaign(tokens, campaign, winner) {
  const created = createCampaign(tokens.admin, Object.assign({}, campaign, { maxRedemptions: 1 }));
  const won = postJson(`${DISCOUNT_URL}/v1/redeem`, { code: created.code, phone: winner }, tokens.service, {
    tags: { endpoint: "redeem" },
  });
  must(won, 201, `winning campaign ${created.code} so that it is sold out`);
  return created;
}

export function reportPage(adminToken, code, cursor, limit) {
  const url = `${DISCOUNT_URL}/v1/campaigns/${encodeURIComponent(code)}/report?limit=${limit}&cursor=${cursor}`;
  return getJson(url, adminToken, { tags: { endpoint: "report" } });
}

/** Polls the report until no credit is pending (the outbox relay has delivered them) or the time is up. */
export function waitUntilSettled(adminToken, code, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let summary = null;
  for (;;) {
    const res = reportPage(adminToken, code, 0, 1);
    summary = res.status === 200 ? jsonOf(res) : null;
    if (summary && summary.pending === 0) return summary;
    if (Date.now() >= deadline) return summary;
    sleep(1);
  }
}

/** Every winner of a campaign, page by page (cursor = last rank) until hasMore is false. */
export function allWinners(adminToken, code) {
  const winners = [];
  let cursor = "0";
  for (let page = 0; page < 100000; page++) {
    const res = reportPage(adminToken, code, cursor, 1000);
    if (res.status !== 200) throw new Error(`reading the report of ${code}: ${describe(res)}`);
    const body = jsonOf(res);
    for (const winner of body.winners) winners.push(winner);
    if (!body.hasMore) return winners;
    if (body.nextCursor === cursor) throw new Error(`the report cursor did not move past ${cursor}`);
    cursor = body.nextCursor;
  }
  throw new Error("the report did not end");
}
