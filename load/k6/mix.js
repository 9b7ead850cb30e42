/**
 * A weighted traffic mix from an -e variable ("balance:40,credit:20,..."), and a
 * random pick from it per iteration.
 */

/** "balance:40,credit:20" -> [{name, weight}], weights > 0 only; names must be among `actions`. */
export function parseMix(variable, text, actions) {
  const mix = [];
  for (const part of text.split(",")) {
    const [name, weight] = part.split(":").map((s) => s.trim());
    const w = Number(weight);
    if (actions.indexOf(name) === -1 || !Number.isFinite(w) || w < 0) {
      throw new Error(`${variable}: "${part}" is not <${actions.join("|")}>:<weight>`);
    }
    if (w > 0) mix.push({ name, weight: w });
  }
  if (mix.length === 0) throw new Error(`${variable} has no action with a weight above 0`);
  return mix;
}

/** One action's name, chosen by weight. */
export function pick(mix) {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  let r = Math.random() * total;
  for (const m of mix) {
    r -= m.weight;
    if (r < 0) return m.name;
  }
  return mix[mix.length - 1].name;
}
