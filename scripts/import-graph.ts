import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Folders that hold no source of ours: dependencies, local data, bench output. */
const SKIPPED = new Set(["node_modules", ".git", "data", "results"]);

export interface WorkspacePackage {
  name: string;
  /** Relative to the repo root, "" for the root package. */
  dir: string;
  exports: Record<string, string>;
}

export interface ImportEdge {
  from: string;
  to: string;
  specifier: string;
}

export interface ImportGraph {
  /** Every .ts/.tsx file, relative to the root. */
  files: string[];
  /** Imports that resolved to one of those files. */
  edges: ImportEdge[];
  /** Relative imports whose target is outside the importer's package, whether or not a .ts file. */
  relativeTargets: ImportEdge[];
  /** Workspace package subpaths that no `exports` entry names. */
  unresolved: ImportEdge[];
  packageOf(file: string): WorkspacePackage;
}

function sourceFiles(root: string, dir = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

/** An `exports` target: a path, or paths by condition (a package that ships its types built). */
type Target = string | Record<string, string>;

/** The source file a target stands for: the workspace's own condition (see tsconfig.json) or the default. */
const sourceOf = (target: Target) =>
  typeof target === "string" ? target : (target["matchday-source"] ?? target.default ?? "");

function readPackage(root: string, dir: string): WorkspacePackage | undefined {
  const file = join(root, dir, "package.json");
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(readFileSync(file, "utf8")) as { name: string; exports?: Record<string, Target> | string };
  const exports = typeof json.exports === "string" ? { ".": json.exports } : (json.exports ?? {});
  return {
    name: json.name,
    dir,
    exports: Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, sourceOf(v)])),
  };
}

/** The root package and every workspace it lists (`dir` or `dir/*`). */
export function workspacePackages(root: string): WorkspacePackage[] {
  const rootPackage = readPackage(root, "") as WorkspacePackage;
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces?: string[] };
  const dirs = workspaces.flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [pattern];
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(root, parent))) return [];
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  const packages = dirs.map((dir) => readPackage(root, dir)).filter((p): p is WorkspacePackage => p !== undefined);
  return [rootPackage, ...packages];
}

function asSourceFile(root: string, path: string): string | undefined {
  const base = path.replace(/\.js$/, "");
  for (const candidate of [path, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    const absolute = join(root, candidate);
    if (/\.tsx?$/.test(candidate) && existsSync(absolute) && statSync(absolute).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Every static import and re-export, type-only ones included: a type-only import still ties
 * two modules together for a reader, and Bun's scanner drops them. Anchored at a line's start
 * so an import written inside a template string of a test is not taken for one.
 */
const STATIC_IMPORT = /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm;

function specifiers(file: string, source: string): string[] {
  const transpiler = new Bun.Transpiler({ loader: file.endsWith(".tsx") ? "tsx" : "ts" });
  // The scanner refuses a shebang line, which a CLI entry point starts with.
  const found = new Set(transpiler.scanImports(source.replace(/^#!.*/, "")).map((i) => i.path));
  for (const match of source.matchAll(STATIC_IMPORT)) found.add((match[1] ?? match[2]) as string);
  return [...found];
}

export function buildImportGraph(rootDir: string): ImportGraph {
  const root = resolve(rootDir);
  const packages = workspacePackages(root).sort((a, b) => b.dir.length - a.dir.length);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const packageOf = (file: string) =>
    packages.find((p) => p.dir === "" || file.startsWith(`${p.dir}/`)) as WorkspacePackage;
  const files = sourceFiles(root);
  const graph: ImportGraph = { files, edges: [], relativeTargets: [], unresolved: [], packageOf };

  for (const from of files) {
    for (const specifier of specifiers(from, readFileSync(join(root, from), "utf8"))) {
      if (specifier.startsWith(".")) {
        const target = relative(root, resolve(root, dirname(from), specifier));
        const to = asSourceFile(root, target);
        if (to) graph.edges.push({ from, to, specifier });
        if (packageOf(to ?? target) !== packageOf(from))
          graph.relativeTargets.push({ from, to: to ?? target, specifier });
        continue;
      }
      const name = specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/");
      const pkg = byName.get(name);
      if (!pkg) continue; // a dependency from the registry, node: or bun:
      const subpath = `.${specifier.slice(name.length)}`;
      const target = pkg.exports[subpath];
      const to = target && asSourceFile(root, join(pkg.dir, target));
      if (to) graph.edges.push({ from, to, specifier });
      else graph.unresolved.push({ from, to: subpath, specifier });
    }
  }
  return graph;
}
