import { fileURLToPath } from "node:url";
import { freePort, waitFor } from "./ports";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface ServiceProcess {
  url: string;
  port: number;
  pid(): number | undefined;
  /** What the process printed so far, for a failing test's message. */
  output(): string;
  /** SIGTERM and wait: the graceful path. Returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
  /** Starts it again with the same env and port. */
  start(): Promise<void>;
}

export interface ServiceSpec {
  /** Entry file relative to `cwd`, e.g. `wallet/src/main.ts`. */
  entry: string;
  /** Where it runs: the repository root unless given (e.g. a project the test installed elsewhere). */
  cwd?: string;
  /** The env var that carries the port, e.g. `WALLET_PORT`. */
  portVar: string;
  env: Record<string, string>;
  /** The runtime and its arguments, the entry appended: `bun` unless given (runtimes.ts has Deno's). */
  command?: string[];
  /** Serve HTTPS with this certificate and key (paths); the URL is https and the start-up probe trusts `ca` (PEM). */
  tls?: ServedTls;
}

export interface ServedTls {
  cert: string;
  key: string;
  ca: string;
}

/** Starts a service as a real process (`bun`, or spec.command) on a free port and waits for /health. */
export async function startService(spec: ServiceSpec): Promise<ServiceProcess> {
  const port = freePort();
  const url = `${spec.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const tlsEnv = spec.tls ? { TLS_CERT: spec.tls.cert, TLS_KEY: spec.tls.key } : {};
  const probe = spec.tls ? { tls: { ca: spec.tls.ca } } : {};
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  let log = "";

  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) log = (log + decoder.decode(chunk)).slice(-20_000);
  };

  const handle: ServiceProcess = {
    url,
    port,
    pid: () => proc?.pid,
    output: () => log,
    async start() {
      proc = Bun.spawn([...(spec.command ?? ["bun"]), spec.entry], {
        cwd: spec.cwd ?? REPO_ROOT,
        env: {
          ...process.env,
          LOG_LEVEL: "warn",
          ...tlsEnv,
          ...spec.env,
          [spec.portVar]: String(port),
          HOST: "127.0.0.1",
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      void pump(proc.stdout as ReadableStream<Uint8Array>);
      void pump(proc.stderr as ReadableStream<Uint8Array>);
      const started = proc;
      await waitFor(`${spec.entry} on port ${port}\n${log}`, async () => {
        if (started.exitCode !== null) throw new Error(`${spec.entry} exited early:\n${log}`);
        return (await fetch(`${url}/health`, probe)).ok;
      });
    },
    async stop() {
      if (!proc) return null;
      proc.kill("SIGTERM");
      const code = await proc.exited;
      proc = undefined;
      return code;
    },
    async kill() {
      if (!proc) return;
      proc.kill("SIGKILL");
      await proc.exited;
      proc = undefined;
    },
  };
  await handle.start();
  return handle;
}

/** What a command printed and how it ended. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (in the repository root unless given a cwd), with `stdin` as its input. */
export async function runCommand(
  command: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<Ran> {
  const proc = Bun.spawn(command, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

/** Runs a command-line tool as an operator would: its own `bun` process from the repository root. */
export function runCli(entry: string, args: string[], env: Record<string, string | undefined> = {}) {
  return runCommand(["bun", entry, ...args], { env });
}

/**
 * Runs a command-line tool on a pseudo-terminal, as an operator at a terminal would see it:
 * util-linux `script` gives it a TTY for stdin, stdout and stderr, and hands back what it drew.
 * The terminal has no size unless `columns` gives it one.
 */
export async function runCliInTerminal(
  entry: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  columns?: number,
) {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const sized = columns === undefined ? "" : `stty cols ${columns} && `;
  const command = `${sized}exec ${["bun", entry, ...args].map(quote).join(" ")}`;
  const proc = Bun.spawn(["script", "--quiet", "--flush", "--return", "--command", command, "/dev/null"], {
    cwd: REPO_ROOT,
    env: { ...process.env, TERM: "xterm", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, screen] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  return { code, screen };
}
