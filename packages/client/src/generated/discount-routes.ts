// Generated from the discount service's OpenAPI document by packages/client/codegen/generate.ts.
// Do not edit: run `bun packages/client/codegen/generate.ts`; api-types.test.ts fails when it is stale.

export interface DiscountRoutes {
  "POST /v1/campaigns": {
    body: {
      /** Shown to admins; any script, e.g. Persian */
      name: string;
      /** 4-32 letters/digits, case-insensitive; spaces and dashes ignored. Generated when absent. */
      code?: string;
      /** Credit per winner, integer Tomans */
      amount: number;
      /** The cap: how many distinct winners */
      maxRedemptions: number;
      /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
      startsAt?: string;
      /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
      endsAt?: string;
      /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
      metadata?: Record<string, unknown>;
    };
    responses: {
      201: {
        code: string;
        name: string;
        kind: "gift" | "coupon";
        amount: number;
        maxRedemptions: number;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        startsAt: string | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        endsAt: string | null;
        metadata: Record<string, unknown> | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        createdAt: string;
      };
    };
  };
  "GET /v1/campaigns": {
    query: {
      /** Page size, 1-100 (default 20) */
      limit?: string;
      cursor?: string;
      /** Only campaigns whose name or code contains this text (1-64 characters; % and _ match themselves) */
      q?: string;
    };
    responses: {
      200: {
        items: {
          code: string;
          name: string;
          kind: "gift" | "coupon";
          amount: number;
          maxRedemptions: number;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          startsAt: string | null;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          endsAt: string | null;
          metadata: Record<string, unknown> | null;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          createdAt: string;
        }[];
        nextCursor: string | null;
      };
    };
  };
  "GET /v1/campaigns/{code}": {
    params: {
      code: string;
    };
    responses: {
      200: {
        code: string;
        name: string;
        kind: "gift" | "coupon";
        amount: number;
        maxRedemptions: number;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        startsAt: string | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        endsAt: string | null;
        metadata: Record<string, unknown> | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        createdAt: string;
      };
    };
  };
  "GET /v1/campaigns/{code}/report": {
    params: {
      code: string;
    };
    query: {
      /** Only winners ranked after this rank (default 0) */
      cursor?: string;
      /** Page size, 1-1000 (default 100) */
      limit?: string;
      format?: "json" | "csv";
    };
    responses: {
      200: {
        code: string;
        name: string;
        /** Credit per winner, integer Tomans */
        amount: number;
        startsAt: string | null;
        /** maxRedemptions */
        cap: number;
        /** Winners recorded so far */
        redeemed: number;
        remaining: number;
        credited: number;
        pending: number;
        failed: number;
        /** Winners an admin voided (counted in redeemed; their slots stay taken) */
        voided: number;
        firstRedeemedAt: string | null;
        /** When the last prize was taken */
        soldOutAt: string | null;
        /** Ordered by rank, after `cursor` */
        winners: {
          rank: number;
          /** Canonical +98 mobile number (admins see it in full) */
          phone: string;
          redeemedAt: string;
          status: "pending" | "credited" | "failed";
          creditedAt: string | null;
          /** Why the wallet refused the credit */
          failure: string | null;
          /** Set when an admin voided this winner: the credit was debited back; the slot stays taken */
          voided: {
            at: string;
            /** role:subject of the admin token that voided it */
            by: string;
            reason: string;
          } | null;
        }[];
        /** Pass as `cursor` for the next page, or to poll for new winners */
        nextCursor: string;
        /** Whether more winners exist right now after this page */
        hasMore: boolean;
      };
    };
  };
  "GET /v1/campaigns/{code}/events": {
    params: {
      code: string;
    };
    query: {
      /** Start after this rank; the Last-Event-ID header wins */
      cursor?: string;
    };
    responses: {
      200: unknown;
    };
  };
  "POST /v1/redeem": {
    body: {
      /** The code, case-insensitive; spaces and dashes ignored */
      code: string;
      /** Required with a service token; with a user token it may be omitted (the token's phone is used) */
      phone?: string;
    };
    responses: {
      200: {
        status: "credited" | "pending" | "failed" | "voided";
        code: string;
        phone: string;
        /** Arrival order among the winners */
        rank: number;
        /** Integer Tomans */
        amount: number;
        redeemedAt: string;
      };
      201: {
        status: "credited" | "pending" | "failed" | "voided";
        code: string;
        phone: string;
        /** Arrival order among the winners */
        rank: number;
        /** Integer Tomans */
        amount: number;
        redeemedAt: string;
      };
    };
  };
  "POST /generate-coupon": {
    body: {
      /** Credit in integer Tomans */
      amount?: number;
      /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
      expiresAt?: string;
      /** The only phone that may redeem it; to anyone else the code does not exist */
      phone?: string;
      /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
      metadata?: Record<string, unknown>;
    };
    responses: {
      201: {
        /** 8 characters from ABCDEFGHJKLMNPQRSTUVWXYZ23456789 */
        code: string;
        amount: number;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        expiresAt: string | null;
        /** The phone it is bound to, canonical */
        phone: string | null;
        /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
        metadata: Record<string, unknown> | null;
      };
    };
  };
  "POST /redeem-coupon": {
    body: {
      /** Case-insensitive; surrounding spaces and dashes are ignored */
      code: string;
      /** With a service or admin token; a user's comes from the token */
      phone?: string;
    };
    responses: {
      200: {
        message: "Coupon redeemed successfully";
        code: string;
        phone: string;
        amount: number;
        status: "credited" | "pending" | "failed" | "voided";
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        redeemedAt: string;
      };
    };
  };
  "GET /coupon-status": {
    query: {
      /** Case-insensitive; surrounding spaces and dashes are ignored */
      code: string;
    };
    responses: {
      200: {
        code: string;
        status: "UNUSED" | "USED" | "NOT_FOUND" | "REVOKED";
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        redeemedAt?: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        expiresAt?: string | null;
        /** The phone it is bound to */
        phone?: string | null;
        /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
        metadata?: Record<string, unknown> | null;
      };
    };
  };
  "POST /v1/coupon-batches": {
    body: {
      name?: string;
      /** How many coupons (the CLI makes more); with `phones`, their number if given */
      count?: number;
      /** Credit in integer Tomans */
      amount?: number;
      /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
      expiresAt?: string;
      /** One coupon bound to each phone, in this order (a phone listed twice gets two) */
      phones?: string[];
      /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
      metadata?: Record<string, unknown>;
      /** Default ########. `#` is one random character, A-Z and 0-9 literal, dashes only for show, not at either end (a redeem ignores them). The batch, with the pattern's earlier codes, may use at most 1% of its codes, else 422 CODE_SPACE_TOO_SMALL. */
      pattern?: string;
      /** What `#` draws from; default ABCDEFGHJKLMNPQRSTUVWXYZ23456789. At least 16 distinct characters of A-Z and 0-9, none of 0, O, 1, I */
      alphabet?: string;
    };
    responses: {
      201: {
        id: number;
        name: string;
        amount: number;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        expiresAt: string | null;
        count: number;
        pattern: string;
        alphabet: string;
        /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
        metadata: Record<string, unknown> | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        createdAt: string;
      };
    };
  };
  "GET /v1/coupon-batches/{id}": {
    params: {
      id: string;
    };
    responses: {
      200: {
        id: number;
        name: string;
        amount: number;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        expiresAt: string | null;
        count: number;
        pattern: string;
        alphabet: string;
        /** Free-form, stored as given: at most 8 levels deep and 4096 bytes as JSON, with no control characters (but tab, newline, CR) in keys or strings */
        metadata: Record<string, unknown> | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        createdAt: string;
      };
    };
  };
  "GET /v1/coupon-batches/{id}/coupons": {
    params: {
      id: string;
    };
    query: {
      /** nextCursor of the previous page */
      cursor?: string;
      /** Page size, 1-1000 (default 100) */
      limit?: string;
      format?: "json" | "csv";
    };
    responses: {
      200: {
        items: {
          /** As the pattern shows it, dashes included */
          code: string;
          used: boolean;
          /** The phone it is bound to */
          phone: string | null;
        }[];
        nextCursor: string | null;
      };
    };
  };
  "POST /v1/webhooks": {
    body: {
      /** Where events are POSTed: https (http only where the service allows it), never to a loopback, private, link-local or metadata address */
      url: string;
      events: (
        | "redemption.won"
        | "campaign.sold_out"
        | "coupon.redeemed"
        | "credit.failed"
        | "redemption.voided"
        | "coupon.rolled_back"
      )[];
    };
    responses: {
      201: {
        /** The endpoint's handle (/v1/webhooks/{id}) */
        id: number;
        url: string;
        events: (
          | "redemption.won"
          | "campaign.sold_out"
          | "coupon.redeemed"
          | "credit.failed"
          | "redemption.voided"
          | "coupon.rolled_back"
        )[];
        /** False once every attempt failed for the whole retry window */
        enabled: boolean;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        createdAt: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        lastSuccessAt: string | null;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        failingSince: string | null;
        consecutiveFailures: number;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        disabledAt: string | null;
        disabledReason: string | null;
        /** whsec_ and base64: verifies the webhook-signature header. Shown only in this answer. */
        secret: string;
      };
    };
  };
  "GET /v1/webhooks": {
    responses: {
      200: {
        items: {
          /** The endpoint's handle (/v1/webhooks/{id}) */
          id: number;
          url: string;
          events: (
            | "redemption.won"
            | "campaign.sold_out"
            | "coupon.redeemed"
            | "credit.failed"
            | "redemption.voided"
            | "coupon.rolled_back"
          )[];
          /** False once every attempt failed for the whole retry window */
          enabled: boolean;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          createdAt: string;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          lastSuccessAt: string | null;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          failingSince: string | null;
          consecutiveFailures: number;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          disabledAt: string | null;
          disabledReason: string | null;
        }[];
      };
    };
  };
  "DELETE /v1/webhooks/{id}": {
    params: {
      id: string;
    };
    responses: {
      204: unknown;
    };
  };
  "GET /v1/webhooks/{id}/deliveries": {
    params: {
      id: string;
    };
    query: {
      /** Page size, 1-100 (default 20) */
      limit?: string;
      /** nextCursor of the previous page */
      cursor?: string;
    };
    responses: {
      200: {
        items: {
          id: number;
          /** The webhook-id header: the same for every attempt, for de-duplication */
          messageId: string;
          type:
            | "redemption.won"
            | "campaign.sold_out"
            | "coupon.redeemed"
            | "credit.failed"
            | "redemption.voided"
            | "coupon.rolled_back";
          status: "pending" | "delivered" | "failed";
          attempts: number;
          /** HTTP status of the last attempt, if it got one */
          lastStatus: number | null;
          lastError: string | null;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          nextAttemptAt: string | null;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          createdAt: string;
          /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
          deliveredAt: string | null;
        }[];
        nextCursor: string | null;
      };
    };
  };
  "POST /v1/coupons/{code}/rollback": {
    params: {
      code: string;
    };
    headers: {
      /** 1-255 printable ASCII characters, one per reversal (across all coupons and campaigns). The same key with the same request answers the same reversal; with another request, 409 IDEMPOTENCY_KEY_REUSED. */
      "idempotency-key": string;
    };
    body: {
      /** Why: kept in the report */
      reason: string;
    };
    responses: {
      200: {
        kind: "rollback" | "void";
        code: string;
        phone: string;
        rank: number;
        /** Debited from the wallet, integer Tomans (0 when the credit never reached it) */
        amount: number;
        status: "pending" | "done";
        reason: string;
        /** role:subject of the token that asked */
        actor: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        requestedAt: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        completedAt: string | null;
      };
      202: {
        kind: "rollback" | "void";
        code: string;
        phone: string;
        rank: number;
        /** Debited from the wallet, integer Tomans (0 when the credit never reached it) */
        amount: number;
        status: "pending" | "done";
        reason: string;
        /** role:subject of the token that asked */
        actor: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        requestedAt: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        completedAt: string | null;
      };
    };
  };
  "POST /v1/coupons/{code}/revoke": {
    params: {
      code: string;
    };
    body: {
      /** Why: kept in the report */
      reason?: string;
    };
    responses: {
      200: {
        code: string;
        status: "REVOKED";
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        revokedAt: string;
      };
    };
  };
  "POST /v1/campaigns/{code}/redemptions/{phone}/void": {
    params: {
      code: string;
      /** The winner's phone in any common form */
      phone: string;
    };
    headers: {
      /** 1-255 printable ASCII characters, one per reversal (across all coupons and campaigns). The same key with the same request answers the same reversal; with another request, 409 IDEMPOTENCY_KEY_REUSED. */
      "idempotency-key"?: string;
    };
    body: {
      /** Why: kept in the report */
      reason: string;
    };
    responses: {
      200: {
        kind: "rollback" | "void";
        code: string;
        phone: string;
        rank: number;
        /** Debited from the wallet, integer Tomans (0 when the credit never reached it) */
        amount: number;
        status: "pending" | "done";
        reason: string;
        /** role:subject of the token that asked */
        actor: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        requestedAt: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        completedAt: string | null;
      };
      202: {
        kind: "rollback" | "void";
        code: string;
        phone: string;
        rank: number;
        /** Debited from the wallet, integer Tomans (0 when the credit never reached it) */
        amount: number;
        status: "pending" | "done";
        reason: string;
        /** role:subject of the token that asked */
        actor: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        requestedAt: string;
        /** RFC 3339 date-time with an offset, e.g. 2026-11-23T18:30:00Z */
        completedAt: string | null;
      };
    };
  };
}
