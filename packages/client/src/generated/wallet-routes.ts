// Generated from the wallet service's OpenAPI document by packages/client/codegen/generate.ts.
// Do not edit: run `bun packages/client/codegen/generate.ts`; api-types.test.ts fails when it is stale.

export interface WalletRoutes {
  "GET /v1/wallets/{phone}": {
    params: {
      /** Iranian mobile in any common form, e.g. 09121234567 */
      phone: string;
    };
    responses: {
      200: {
        phone: string;
        balance: number;
        currency: "IRT";
        updatedAt: string | null;
      };
    };
  };
  "GET /v1/wallets/{phone}/transactions": {
    params: {
      /** Iranian mobile in any common form, e.g. 09121234567 */
      phone: string;
    };
    query: {
      /** Page size, 1-100 (default 20) */
      limit?: string;
      /** nextCursor from the previous page */
      cursor?: string;
    };
    responses: {
      200: {
        items: {
          id: number;
          phone: string;
          kind: "credit" | "debit";
          /** Signed integer Tomans: debits are negative */
          amount: number;
          balanceAfter: number;
          reference: string | null;
          description: string | null;
          createdAt: string;
        }[];
        nextCursor: string | null;
      };
    };
  };
  "POST /v1/wallets/{phone}/credits": {
    params: {
      /** Iranian mobile in any common form, e.g. 09121234567 */
      phone: string;
    };
    headers: {
      /** 1-255 printable ASCII characters. The same key with the same request replays the stored entry. */
      "idempotency-key": string;
    };
    body: {
      /** Integer Tomans */
      amount: number;
      reference?: string;
      description?: string;
    };
    responses: {
      201: {
        id: number;
        phone: string;
        kind: "credit" | "debit";
        /** Signed integer Tomans: debits are negative */
        amount: number;
        balanceAfter: number;
        reference: string | null;
        description: string | null;
        createdAt: string;
      };
    };
  };
  "POST /v1/wallets/{phone}/debits": {
    params: {
      /** Iranian mobile in any common form, e.g. 09121234567 */
      phone: string;
    };
    headers: {
      /** 1-255 printable ASCII characters. The same key with the same request replays the stored entry. */
      "idempotency-key": string;
    };
    body: {
      /** Integer Tomans */
      amount: number;
      reference?: string;
      description?: string;
    };
    responses: {
      201: {
        id: number;
        phone: string;
        kind: "credit" | "debit";
        /** Signed integer Tomans: debits are negative */
        amount: number;
        balanceAfter: number;
        reference: string | null;
        description: string | null;
        createdAt: string;
      };
    };
  };
  "POST /v1/credit-batches": {
    body: {
      items: {
        /** Iranian mobile in any common form, e.g. 09121234567 */
        phone: string;
        /** 1-255 printable ASCII characters. The same key with the same request replays the stored entry. */
        idempotencyKey: string;
        /** Integer Tomans */
        amount: number;
        reference?: string;
        description?: string;
      }[];
    };
    responses: {
      200: {
        /** One result per item, in the request's order */
        items: (
          | {
              status: 201;
              replayed: boolean;
              entry: {
                id: number;
                phone: string;
                kind: "credit" | "debit";
                /** Signed integer Tomans: debits are negative */
                amount: number;
                balanceAfter: number;
                reference: string | null;
                description: string | null;
                createdAt: string;
              };
            }
          | {
              status: 409;
              code: "IDEMPOTENCY_KEY_REUSED" | "BALANCE_LIMIT_EXCEEDED" | "INSUFFICIENT_FUNDS";
              detail: string;
            }
        )[];
      };
    };
  };
}
