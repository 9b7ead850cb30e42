/** One run of `wrk` with bench/requests.lua, for every bench that drives a server over HTTP. */
import { REPO_ROOT } from "@matchday/testkit/processes";

export interface WrkResult {
  requests: number;
  seconds: number;
  /** Latency percentiles in microseconds. */
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

/** What bench/requests.lua sends: one kind of request, a different phone (coupon, key) each time. */
export interface Load {
  mode: "redeem" | "coupon" | "balance" | "credit";
  phones: number;
  offset: number;
  token?: string;
  code?: string;
  codesFile?: string;
  /** Requests per second over all connections; flat out when absent. */
  rate?: number;
}

export interface WrkOptions {
  seconds: number;
  threads: number;
  connections: number;
  /** Run wrk on this CPU only (taskset), so a server pinned to another core has one to itself. */
  core?: number;
}

export async function wrk(url: string, load: Load, options: WrkOptions): Promise<WrkResult> {
  const { seconds, threads, connections, core } = options;
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "-s", "bench/requests.lua", url];
  const command = core === undefined ? ["wrk", ...args] : ["taskset", "-c", String(core), "wrk", ...args];
  const proc = Bun.spawn(command, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MODE: load.mode,
      CODE: load.code ?? "",
      CODES_FILE: load.codesFile ?? "",
      PHONES: String(load.phones),
      PHONE_OFFSET: String(load.offset),
      TOKEN: load.token ?? "",
      THREADS: String(threads),
      RATE: String(Math.round(load.rate ?? 0)),
      CONNECTIONS: String(connections),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
  if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${err || out}`);
  const line = out.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  return JSON.parse(line.slice("WRK_RESULT ".length)) as WrkResult;
}
