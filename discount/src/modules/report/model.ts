import { type Static, Type as T } from "@sinclair/typebox";

const Timestamp = T.String({ format: "date-time" });
const Rank = T.String({ pattern: "^(0|[1-9][0-9]{0,8})$" });

export const Winner = T.Object({
  rank: T.Integer({ minimum: 1 }),
  phone: T.String({ description: "Canonical +98 mobile number (admins see it in full)" }),
  redeemedAt: Timestamp,
  status: T.Union([T.Literal("pending"), T.Literal("credited"), T.Literal("failed")], {
    description: "pending until the wallet confirms the credit; failed when it refused it for good",
  }),
  creditedAt: T.Union([Timestamp, T.Null()]),
  failure: T.Union([T.String(), T.Null()], { description: "Why the wallet refused the credit" }),
  voided: T.Union(
    [
      T.Object({
        at: Timestamp,
        by: T.String({ description: "role:subject of the admin token that voided it" }),
        reason: T.String(),
      }),
      T.Null(),
    ],
    { description: "Set when an admin voided this winner: the credit was debited back; the slot stays taken" },
  ),
});
export type Winner = Static<typeof Winner>;

export const Summary = T.Object({
  cap: T.Integer({ description: "maxRedemptions" }),
  redeemed: T.Integer({ description: "Winners recorded so far" }),
  remaining: T.Integer(),
  credited: T.Integer(),
  pending: T.Integer(),
  failed: T.Integer(),
  voided: T.Integer({ description: "Winners an admin voided (counted in redeemed; their slots stay taken)" }),
  firstRedeemedAt: T.Union([Timestamp, T.Null()]),
  soldOutAt: T.Union([Timestamp, T.Null()], { description: "When the last prize was taken" }),
});
export type Summary = Static<typeof Summary>;

export const Report = T.Composite([
  T.Object({
    code: T.String(),
    name: T.String(),
    amount: T.Integer({ description: "Credit per winner, integer Tomans" }),
    startsAt: T.Union([Timestamp, T.Null()]),
  }),
  Summary,
  T.Object({
    winners: T.Array(Winner, { description: "Ordered by rank, after `cursor`" }),
    nextCursor: T.String({ description: "Pass as `cursor` for the next page, or to poll for new winners" }),
    hasMore: T.Boolean({ description: "Whether more winners exist right now after this page" }),
  }),
]);
export type Report = Static<typeof Report>;

export const ReportQuery = T.Object({
  cursor: T.Optional(T.Union([Rank], { description: "Only winners ranked after this rank (default 0)" })),
  limit: T.Optional(T.String({ pattern: "^(1000|[1-9][0-9]{0,2})$", description: "Page size, 1-1000 (default 100)" })),
  format: T.Optional(
    T.Union([T.Literal("json"), T.Literal("csv")], { description: "csv streams every winner, ignoring paging" }),
  ),
});

export const EventsQuery = T.Object({
  cursor: T.Optional(T.Union([Rank], { description: "Start after this rank; the Last-Event-ID header wins" })),
});
