import type { Principal, TokenVerifier } from "@matchday/shared/auth";
import { normalizePhone, requirePhone } from "@matchday/shared/phone";
import { AppError } from "../../errors";

/**
 * Whose phone a redeem is for. A user redeems for the phone in their token (a
 * different phone in the body is refused); a service or admin names the phone in
 * the body; without a token only when anonymous redeem is switched on (demos).
 */
export async function callerPhone(
  verify: TokenVerifier,
  authorization: string | null,
  bodyPhone: string | undefined,
  anonymousAllowed: boolean,
): Promise<string> {
  if (!authorization && anonymousAllowed) return phoneFromBody(bodyPhone);
  const principal: Principal = await verify(authorization);
  if (principal.role !== "user") return phoneFromBody(bodyPhone);
  if (bodyPhone !== undefined && requirePhone(bodyPhone, "body.phone") !== principal.phone) {
    throw new AppError("FORBIDDEN", "A user token may only redeem for its own phone");
  }
  return principal.phone;
}

function phoneFromBody(bodyPhone: string | undefined): string {
  if (bodyPhone === undefined) {
    throw new AppError("VALIDATION_FAILED", "body.phone is required with this token", {
      errors: [{ field: "body.phone", message: "is required" }],
    });
  }
  return requirePhone(bodyPhone, "body.phone");
}

/**
 * The phone a request is for, when its caller is already proven: a token this instance
 * verified before and that has not expired (no crypto here), or anonymous redeem. Null
 * for everything else, which must take the full verification: what an unproven caller
 * hears may not depend on whether a phone won (DESIGN §3.7), so no answer about a
 * phone is given on a token's unverified claims. Null too where the route would refuse
 * (a user naming another phone, a service naming none).
 */
export function provenPhone(
  verify: TokenVerifier,
  authorization: string | null,
  bodyPhone: string | undefined,
  anonymousAllowed: boolean,
): string | null {
  if (!authorization) return anonymousAllowed && bodyPhone !== undefined ? normalizePhone(bodyPhone) : null;
  const principal = verify.cached?.(authorization);
  if (!principal) return null;
  if (principal.role !== "user") return bodyPhone === undefined ? null : normalizePhone(bodyPhone);
  if (bodyPhone !== undefined && normalizePhone(bodyPhone) !== principal.phone) return null;
  return principal.phone;
}
