import { problemMessage } from "./http/problem";

/**
 * Text we store and send back. SQLite's text functions and our driver stop at a NUL, so a
 * stored string came back shorter than the answer that stored it, and other control
 * characters rewrite terminals and logs. Tab, newline and CR stay: a description may have lines.
 * Refused: C0 controls but those three, DEL and the C1 controls.
 */
const CONTROL_CHARACTERS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f";
const CONTROL_CHARACTER = new RegExp(`[${CONTROL_CHARACTERS}]`);

/** Schema options for a stored text field: `T.String({ maxLength: 200, ...SAFE_TEXT })`. */
export const SAFE_TEXT = {
  pattern: `^[^${CONTROL_CHARACTERS}]*$`,
  ...problemMessage("must not contain control characters (tab, newline and CR are allowed)"),
} as const;

export function isSafeText(text: string): boolean {
  return !CONTROL_CHARACTER.test(text);
}
