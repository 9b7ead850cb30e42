/**
 * application/json, or a JSON-based type named by the +json structured syntax suffix
 * (RFC 6838 §4.2.8: application/merge-patch+json, application/vnd.api+json), in any
 * case, with or without parameters. Not a type that only starts like it
 * (application/jsonfoo, application/json-seq).
 */
const JSON_MEDIA_TYPE = /^application\/(?:[\w!#$&^.-][\w!#$&^.+-]*\+)?json[ \t]*(?:;|$)/i;

export function isJsonMediaType(contentType: string | null | undefined): boolean {
  return contentType != null && JSON_MEDIA_TYPE.test(contentType);
}
