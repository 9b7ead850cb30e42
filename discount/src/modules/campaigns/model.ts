import { SAFE_TEXT } from "@matchday/shared/safe-text";
import { type Static, Type as T } from "@sinclair/typebox";
import { MAX_METADATA_BYTES, MAX_METADATA_DEPTH } from "./metadata";

export const MAX_AMOUNT = 1_000_000_000_000;
export const MAX_CAP = 10_000_000;
/** A search names part of a campaign's name or code: the name's own bound is far beyond anyone's typing. */
export const MAX_SEARCH = 64;

/**
 * A full date-time with its offset. The `date-time` format alone also lets through a bare
 * date and US-style dates ("05/06/2026": May or June?), read in whatever zone; a prize
 * window must mean the same instant to everyone, so the pattern asks for RFC 3339.
 */
export const Timestamp = T.String({
  format: "date-time",
  pattern: "^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?([Zz]|[+-]\\d{2}:\\d{2})$",
  description: "RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z",
});

/** A JSON object kept with a campaign or coupon; requireStorableMetadata enforces the bounds named here. */
export const Metadata = T.Record(T.String(), T.Unknown(), {
  description:
    `Free-form, stored as given: at most ${MAX_METADATA_DEPTH} levels deep and ${MAX_METADATA_BYTES} bytes ` +
    "as JSON, with no control characters (but tab, newline, CR) in keys or strings",
});

export const CreateCampaign = T.Object(
  {
    name: T.String({
      minLength: 1,
      maxLength: 200,
      ...SAFE_TEXT,
      description: "Shown to admins; any script, e.g. Persian",
    }),
    code: T.Optional(
      T.String({
        minLength: 4,
        maxLength: 64,
        description: "4-32 letters/digits, case-insensitive; spaces and dashes ignored. Generated when absent.",
      }),
    ),
    amount: T.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: "Credit per winner, integer Tomans" }),
    maxRedemptions: T.Integer({ minimum: 1, maximum: MAX_CAP, description: "The cap: how many distinct winners" }),
    startsAt: T.Optional(Timestamp),
    endsAt: T.Optional(Timestamp),
    metadata: T.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CreateCampaign = Static<typeof CreateCampaign>;

export const Campaign = T.Object({
  code: T.String(),
  name: T.String(),
  kind: T.Union([T.Literal("gift"), T.Literal("coupon")]),
  amount: T.Integer(),
  maxRedemptions: T.Integer(),
  startsAt: T.Union([Timestamp, T.Null()]),
  endsAt: T.Union([Timestamp, T.Null()]),
  metadata: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
  createdAt: Timestamp,
});
export type Campaign = Static<typeof Campaign>;

export const CodeParams = T.Object({ code: T.String({ maxLength: 64 }) });

export const CampaignList = T.Object({ items: T.Array(Campaign), nextCursor: T.Union([T.String(), T.Null()]) });
export type CampaignList = Static<typeof CampaignList>;

export const CampaignListQuery = T.Object({
  limit: T.Optional(T.String({ pattern: "^(100|[1-9][0-9]?)$", description: "Page size, 1-100 (default 20)" })),
  cursor: T.Optional(T.String({ pattern: "^[1-9][0-9]{0,15}$" })),
  q: T.Optional(
    T.String({
      minLength: 1,
      maxLength: MAX_SEARCH,
      ...SAFE_TEXT,
      description: `Only campaigns whose name or code contains this text (1-${MAX_SEARCH} characters; % and _ match themselves)`,
    }),
  ),
});
