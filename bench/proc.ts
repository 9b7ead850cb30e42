/** What the benches read about a server process from Linux's /proc: CPU time and resident memory. */
import { readFileSync } from "node:fs";
import { memoryKb } from "@matchday/testkit/processes";

/** CPU time (user + system) the process has used, in µs; the kernel counts in clock ticks of 10 ms. */
export function cpuMicros(pid: number | undefined): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Runs `work` and returns its result with the CPU µs each of `pids` spent meanwhile. */
export async function withCpu<T>(pids: (number | undefined)[], work: () => Promise<T>): Promise<[T, number[]]> {
  const before = pids.map(cpuMicros);
  const result = await work();
  return [result, pids.map((pid, i) => cpuMicros(pid) - (before[i] as number))];
}

/** Peak resident memory of a process, from the kernel's high-water mark. */
export const peakRssMb = (pid: number | undefined) => memoryKb(pid, "VmHWM") / 1024;

/** Resident memory of a process now. */
export const residentMb = (pid: number | undefined) => memoryKb(pid, "VmRSS") / 1024;

/** Moves a running process, every thread of it, onto one core (taskset, from util-linux). */
export async function pinToCore(pid: number | undefined, core: number): Promise<void> {
  const pinned = Bun.spawn(["taskset", "-a", "-p", "-c", String(core), String(pid)], { stdout: "ignore" });
  if ((await pinned.exited) !== 0) throw new Error("taskset failed: is util-linux installed?");
}
