import { type Static, Type as T } from "@sinclair/typebox";

export const RedeemBody = T.Object(
  {
    code: T.String({
      minLength: 1,
      maxLength: 64,
      description: "The code, case-insensitive; spaces and dashes ignored",
    }),
    phone: T.Optional(
      T.String({
        maxLength: 64,
        description: "Required with a service token; with a user token it may be omitted (the token's phone is used)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RedeemBody = Static<typeof RedeemBody>;

export const RedeemResult = T.Object({
  status: T.Union([T.Literal("credited"), T.Literal("pending"), T.Literal("failed")], {
    description:
      "credited: in the wallet; pending: owed, being delivered; failed: the wallet refused it (see the report)",
  }),
  code: T.String(),
  phone: T.String(),
  rank: T.Integer({ minimum: 1, description: "Arrival order among the winners" }),
  amount: T.Integer({ description: "Integer Tomans" }),
  redeemedAt: T.String({ format: "date-time" }),
});
export type RedeemResult = Static<typeof RedeemResult>;
