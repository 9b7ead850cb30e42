import { isSafeText } from "@matchday/shared/safe-text";
import { AppError } from "../../errors";

/**
 * Free-form, but it is stored with the campaign, cached and sent back on every read: a
 * bound keeps a campaign row small and a deeply nested value from costing each reader's
 * parser (the body limit alone allows thousands of levels).
 */
export const MAX_METADATA_DEPTH = 8;
export const MAX_METADATA_BYTES = 4096;

/**
 * Why the value cannot be stored as sent, or null when it can: nesting beyond the bound
 * (`depth` counts the objects and arrays around it, the metadata itself being 1), or a key
 * or string with control characters.
 */
function faultIn(value: unknown, depth: number): string | null {
  if (typeof value === "string") return isSafeText(value) ? null : "a string contains control characters";
  if (value === null || typeof value !== "object") return null;
  if (depth > MAX_METADATA_DEPTH) return `nests deeper than ${MAX_METADATA_DEPTH} levels`;
  for (const [key, inner] of Object.entries(value)) {
    if (!isSafeText(key)) return "a key contains control characters";
    const fault = faultIn(inner, depth + 1);
    if (fault) return fault;
  }
  return null;
}

/**
 * Campaign metadata is free-form JSON, so its schema cannot say how deep it goes or what its
 * strings hold; this holds it to the same rules as every other stored text, and to a size.
 * 422 VALIDATION_FAILED naming `body.metadata`.
 */
export function requireStorableMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined) return;
  let fault = faultIn(metadata, 1);
  if (!fault && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    fault = `is larger than ${MAX_METADATA_BYTES} bytes as JSON`;
  }
  if (fault) {
    throw new AppError("VALIDATION_FAILED", `body.metadata: ${fault}`, {
      errors: [{ field: "body.metadata", message: fault }],
    });
  }
}
