import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Ran, REPO_ROOT, runCommand } from "./processes";

const run = (command: string[], cwd: string, env: Record<string, string> = {}) => runCommand(command, { cwd, env });

async function succeed(what: string, command: string[], cwd: string): Promise<Ran> {
  const ran = await run(command, cwd);
  if (ran.code !== 0) throw new Error(`${what} failed (${ran.code}):\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

/**
 * `bun pm pack` of packages/client, as a release would make it (its prepack builds the types),
 * into a temp dir of its own. Returns the tarball's path.
 */
export async function packClient(): Promise<{ tarball: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "matchday-pack-"));
  await succeed("bun pm pack", ["bun", "pm", "pack", "--destination", dir, "--quiet"], `${REPO_ROOT}packages/client`);
  const name = readdirSync(dir).find((file) => file.endsWith(".tgz"));
  if (!name) throw new Error(`bun pm pack left no tarball in ${dir}`);
  return { tarball: join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The tsconfig a fresh Bun project starts with (`bun init`); `types` as the project asks (the client needs none). */
const consumerTsconfig = (types: string[]) => ({
  compilerOptions: {
    lib: ["ESNext", "DOM"],
    target: "ESNext",
    module: "Preserve",
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    strict: true,
    skipLibCheck: false,
    noUncheckedIndexedAccess: true,
    types,
  },
});

export interface ConsumerProject {
  dir: string;
  /** Runs a command in the project, e.g. `["bun", "program.ts"]`. */
  run(command: string[], env?: Record<string, string>): Promise<Ran>;
  /** The workspace's tsc over the project's own tsconfig; `files` lists every file it read. */
  typecheck(): Promise<Ran & { files: string[] }>;
  dispose(): void;
}

/**
 * A fresh project in the system temp dir, outside the workspace, that installs the client from
 * its tarball as any other project would: `files` are copied in (a path to a file or a
 * directory, by its name in the project, tests left out), `dependencies` (from the registry)
 * are added to the tarball's.
 */
export async function makeConsumerProject(options: {
  tarball: string;
  files: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** Ambient type packages the project's code needs, e.g. `["bun"]` with `@types/bun` among its devDependencies. */
  types?: string[];
}): Promise<ConsumerProject> {
  const dir = mkdtempSync(join(tmpdir(), "matchday-consumer-"));
  const manifest = {
    name: "matchday-consumer",
    private: true,
    type: "module",
    dependencies: { "@matchday/client": `file:${options.tarball}`, ...options.dependencies },
    devDependencies: options.devDependencies ?? {},
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(consumerTsconfig(options.types ?? []), null, 2)}\n`);
  for (const [name, source] of Object.entries(options.files)) {
    // What an installed project holds: its code, not this repository's tests of it.
    cpSync(source, join(dir, name), { recursive: true, filter: (path) => !path.endsWith(".test.ts") });
  }
  const project: ConsumerProject = {
    dir,
    run: (command, env) => run(command, dir, env),
    async typecheck() {
      const tsc = `${REPO_ROOT}node_modules/.bin/tsc`;
      const ran = await run(
        [process.execPath, tsc, "-p", join(dir, "tsconfig.json"), "--pretty", "false", "--listFiles"],
        dir,
      );
      const files = ran.stdout.split("\n").filter((line) => line.startsWith("/"));
      return { ...ran, files };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
  try {
    await succeed("bun install", ["bun", "install", "--no-save"], dir);
  } catch (error) {
    project.dispose();
    throw error;
  }
  return project;
}
