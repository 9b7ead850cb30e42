import { readFileSync } from "node:fs";

/** A memory field of a running process's /proc/<pid>/status (Linux), in kB: VmRSS now, VmHWM at its peak. */
export function memoryKb(pid: number | undefined, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
}
