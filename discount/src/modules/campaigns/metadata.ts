import { AppError, isSafeText } from "@matchday/shared";

/** Why a string somewhere in the metadata, key or value, cannot be stored as sent; null when all can. */
function unsafeTextIn(value: unknown): string | null {
  if (typeof value === "string") return isSafeText(value) ? null : "a string contains control characters";
  if (value === null || typeof value !== "object") return null;
  for (const [key, inner] of Object.entries(value)) {
    if (!isSafeText(key)) return "a key contains control characters";
    const problem = unsafeTextIn(inner);
    if (problem) return problem;
  }
  return null;
}

/**
 * Campaign metadata is free-form JSON, so its schema cannot say what its strings may hold;
 * this holds it to the same rules as every other stored text. 422 naming `body.metadata`.
 */
export function requireStorableMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined) return;
  const problem = unsafeTextIn(metadata);
  if (problem) {
    throw new AppError("VALIDATION_FAILED", `body.metadata: ${problem}`, {
      errors: [{ field: "body.metadata", message: problem }],
    });
  }
}
