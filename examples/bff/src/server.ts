import type { DiscountClient } from "@matchday/client/discount";
import type { createWalletClient } from "@matchday/client/wallet";
import { answerFor, problem } from "./answers";
import type { UserVerifier } from "./tokens";

export interface BffDeps {
  verifyUser: UserVerifier;
  /** Called with the BFF's own service token. */
  discount: DiscountClient;
  /** A wallet client for one caller's token: the wallet itself then checks they read only their own. */
  walletFor: (userToken: string) => ReturnType<typeof createWalletClient>;
}

/** The signed-in user behind a request, or the answer to give when there is none. */
async function signedInUser(verifyUser: UserVerifier, request: Request) {
  const signedIn = await verifyUser(request.headers.get("authorization"));
  if ("user" in signedIn) return signedIn.user;
  const { status, code } = signedIn.refused;
  return status === 403
    ? problem(403, code, "Only a signed-in user may do this")
    : problem(401, code, "Sign in first", "Send Authorization: Bearer <your token>, signed and not expired");
}

async function codeFrom(request: Request): Promise<string | undefined> {
  const body = (await request.json().catch(() => undefined)) as { code?: unknown } | undefined;
  return typeof body?.code === "string" && body.code.trim() !== "" ? body.code : undefined;
}

/** The BFF's two user-facing routes, for Bun.serve's `routes`. */
export function bffRoutes({ verifyUser, discount, walletFor }: BffDeps) {
  return {
    "/claim": {
      async POST(request: Request): Promise<Response> {
        const user = await signedInUser(verifyUser, request);
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
        const user = await signedInUser(verifyUser, request);
        if (user instanceof Response) return user;
        const result = await walletFor(user.token).balance(user.phone);
        if (!result.ok) return answerFor(result.error);
        const { balance, currency, updatedAt } = result.data;
        return Response.json({ balance, currency, updatedAt });
      },
    },
  };
}
