/**
 * The repo's own import rules, run by `bun run lint`:
 * (a) no import cycle, type-only imports included;
 * (b) no relative import that leaves its workspace package (use the package's exports);
 * (c) nothing under a service's src or the shared package's src that only tests import:
 *     test tooling belongs in a test package, not in what ships.
 */
import { buildImportGraph, type ImportGraph } from "./import-graph";

/** Where production source lives: a file here must be used by production code, not only by tests. */
const PRODUCTION_SOURCE = ["discount/src/", "wallet/src/", "packages/shared/src/"];

/**
 * TEMPORARY: the test helpers issue 16 moves into packages/testkit (a parallel branch).
 * Until that lands they still sit in production source, are imported by relative path
 * from other packages' tests, and bad-input ↔ bad-routes import each other. Delete this
 * list once the move is merged; every rule then holds for them too.
 */
const KNOWN_TEST_HELPERS = [
  /^discount\/src\/(burst-support|chaos|chaos-faults|testing)\.ts$/,
  /^wallet\/src\/testing\.ts$/,
  /^packages\/shared\/src\/test-support\//,
];

const isKnownTestHelper = (file: string) => KNOWN_TEST_HELPERS.some((pattern) => pattern.test(file));
const isTest = (file: string) => /\.test\.tsx?$/.test(file);

export interface Cycle {
  path: string[];
  /** The group's other files, on other cycles through the same files. */
  alsoTangled: string[];
}

/** Each strongly connected group of more than one file (or a file importing itself), as one cycle through it. */
export function findCycles(files: string[], edges: { from: string; to: string }[]): Cycle[] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: Cycle[] = [];
  let counter = 0;

  // Tarjan's algorithm, iterative: a deep import chain would overflow a recursive one.
  for (const start of files) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; i: number };
      const { node } = frame;
      if (frame.i === 0 && !index.has(node)) {
        index.set(node, counter);
        low.set(node, counter++);
        stack.push(node);
        onStack.add(node);
      }
      const targets = next.get(node) ?? [];
      if (frame.i < targets.length) {
        const to = targets[frame.i++] as string;
        if (!index.has(to)) work.push({ node: to, i: 0 });
        else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(node) as number));
      if (low.get(node) !== index.get(node)) continue;
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      // Started at its first file by name, so a cycle reads the same whichever file the walk met first.
      const first = group.sort()[0] as string;
      if (group.length === 1 && !targets.includes(node)) continue;
      const path = cycleThrough(first, new Set(group), next);
      cycles.push({ path, alsoTangled: group.filter((f) => !path.includes(f)) });
    }
  }
  return cycles;
}

/** One concrete path from `start` back to itself inside its group, for a readable report. */
function cycleThrough(start: string, group: Set<string>, next: Map<string, string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const to of next.get(node) ?? []) {
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0] as string) as string);
        return [...path, start];
      }
      if (group.has(to) && !cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/** Production files that only tests (or other such files) import, found to a fixed point. */
function testOnlyFiles(graph: ImportGraph): string[] {
  const importers = new Map<string, Set<string>>();
  for (const { from, to } of graph.edges) {
    if (from !== to) importers.set(to, (importers.get(to) ?? new Set()).add(from));
  }
  const testOnly = new Set(graph.files.filter(isTest));
  const found: string[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const file of graph.files) {
      if (testOnly.has(file) || !PRODUCTION_SOURCE.some((dir) => file.startsWith(dir))) continue;
      const by = importers.get(file);
      if (by && [...by].every((f) => testOnly.has(f))) {
        testOnly.add(file);
        found.push(file);
        grew = true;
      }
    }
  }
  return found;
}

/** Every broken rule, one message each; empty when the graph is clean. */
export function checkImports(root: string): string[] {
  const graph = buildImportGraph(root);
  const problems: string[] = [];
  for (const { path, alsoTangled } of findCycles(graph.files, graph.edges)) {
    if (path.every(isKnownTestHelper)) continue;
    const more = alsoTangled.length > 0 ? ` (also tangled: ${alsoTangled.join(", ")})` : "";
    problems.push(`import cycle: ${path.join(" → ")}${more}`);
  }
  for (const { from, to, specifier } of graph.relativeTargets) {
    if (isKnownTestHelper(to)) continue;
    const [own, other] = [graph.packageOf(from).name, graph.packageOf(to).name];
    problems.push(
      `${from} imports "${specifier}" from ${other} by relative path, leaving ${own}: use the package's exports`,
    );
  }
  for (const { from, specifier } of graph.unresolved) {
    problems.push(`${from} imports "${specifier}", which no "exports" entry of that package names`);
  }
  for (const file of testOnlyFiles(graph)) {
    if (isKnownTestHelper(file)) continue;
    problems.push(`${file} is production source imported only by tests: move it to test tooling`);
  }
  return problems;
}

if (import.meta.main) {
  const problems = checkImports(process.argv[2] ?? ".");
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`check-imports: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log("check-imports: no cycles, no cross-package relative imports, no test-only production files");
}
