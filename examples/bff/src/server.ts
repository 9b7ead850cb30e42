import type { DiscountClient } from "@matchday/client/discount";
import type { createWalletClient } from "@matchday/client/wallet";
import type { TokenVerifier } from "@matchday/shared/auth";
import { AppError } from "@matchday/shared/errors";
import { answerFor, problem } from "./answers";

export interface BffDeps {
  verifyToken: TokenVerifier;
  /** Called with the BFF's own service token. */
  discount: DiscountClient;
  /** A wallet client for one caller's token: the wallet itself then checks they read only their own. */
  walletFor: (userToken: string) => ReturnType<typeof createWalletClient>;
}

/** The signed-in user behind a request, or the answer to give when there is none. */
async function signedInUser(verifyToken: TokenVerifier, request: Request) {
  const authorization = request.headers.get("authorization");
  try {
    const principal = await verifyToken(authorization);
    if (principal.role !== "user") return problem(403, "FORBIDDEN", "Only a signed-in user may do this");
    return { phone: principal.phone, token: authorization?.slice("Bearer ".length) ?? "" };
  } catch (error) {
    if (error instanceof AppError) return problem(401, error.code, "Sign in first", error.message);
    throw error;
  }
}

async function codeFrom(request: Request): Promise<string | undefined> {
  const body = (await request.json().catch(() => undefined)) as { code?: unknown } | undefined;
  return typeof body?.code === "string" && body.code.trim() !== "" ? body.code : undefined;
}

/** The BFF's two user-facing routes, for Bun.serve's `routes`. */
export function bffRoutes({ verifyToken, discount, walletFor }: BffDeps) {
  return {
    "/claim": {
      async POST(request: Request): Promise<Response> {
        const user = await signedInUser(verifyToken, request);
        if (user instanceof Response) return user;
        const code = await codeFrom(request);
        if (!code) return problem(422, "VALIDATION_FAILED", 'Send {"code": "..."}, the code from the screen');
        // The phone comes from the user's verified token, never from what they typed.
        const result = await discount.redeem({ code, phone: user.phone });
        if (!result.ok) return answerFor(result.error);
        const { status, rank, amount, redeemedAt } = result.data;
        // 201: this request won; 200: this user had already won, and hears the same result.
        return Response.json({ won: true, status, rank, amount, redeemedAt }, { status: result.status });
      },
    },
    "/me/balance": {
      async GET(request: Request): Promise<Response> {
        const user = await signedInUser(verifyToken, request);
        if (user instanceof Response) return user;
        const result = await walletFor(user.token).balance(user.phone);
        if (!result.ok) return answerFor(result.error);
        const { balance, currency, updatedAt } = result.data;
        return Response.json({ balance, currency, updatedAt });
      },
    },
  };
}
