/**
 * CPU time of the bench's own Chromium, thread by thread, from /proc (Linux): what each worker
 * and process really spends, which wall-clock ms on a loaded shared machine do not show (a thread
 * waiting for a core counts there too). The browser is the Chromium child of this process; its
 * threads are grouped by name: "DedicatedWorker" threads one by one in the order they were
 * started (the segmenter's before the hand tracker's), the GPU process, the renderers' main
 * threads, and everything else (the browser process, compositing, capture, ...).
 */
import { readdirSync } from "node:fs";
import { descendants, readProc as read, statFields } from "../proc.ts";

const TICK_MS = 10; // USER_HZ 100
type Sample = Map<string, number>;

/** CPU ms so far per thread group of this process's browsers. */
export function sampleThreads(): Sample {
  const sample: Sample = new Map();
  const add = (key: string, ms: number) => sample.set(key, (sample.get(key) ?? 0) + ms);
  for (const pid of descendants(process.pid)) {
    const cmd = read(`/proc/${pid}/cmdline`) ?? "";
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? "browser";
    const workers: [number, number][] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
      const stat = read(`/proc/${pid}/task/${tid}/stat`);
      const comm = read(`/proc/${pid}/task/${tid}/comm`)?.trim() ?? "";
      if (!stat) continue;
      const f = statFields(stat);
      const ms = (Number(f[11]) + Number(f[12])) * TICK_MS;
      if (type === "renderer" && comm.startsWith("DedicatedWorker")) workers.push([tid, ms]);
      else if (type === "renderer" && tid === pid) add("renderer main", ms);
      else if (type === "gpu-process") add("gpu process", ms);
      else add("other", ms);
    }
    workers.sort((a, b) => a[0] - b[0]).forEach(([, ms], i) => add(`worker ${i + 1}`, ms));
  }
  return sample;
}

/** CPU ms per second of each group between two samples `seconds` apart. */
export function cpuPerSecond(before: Sample, after: Sample, seconds: number): string {
  const parts: string[] = [];
  let total = 0;
  for (const [key, ms] of after) {
    const spent = (ms - (before.get(key) ?? 0)) / seconds;
    total += spent;
    parts.push(`${key} ${spent.toFixed(0)}`);
  }
  return `CPU ms/s: ${parts.join(", ")}; total ${total.toFixed(0)}`;
}

/** Resident memory (VmRSS) of this process's browsers now, MB, by process type (renderer, gpu-process, browser, ...). */
export function residentMb(): string {
  const byType = new Map<string, number>();
  for (const pid of descendants(process.pid)) {
    const cmd = read(`/proc/${pid}/cmdline`) ?? "";
    const kb = Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`) ?? "")?.[1] ?? 0);
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? "browser";
    byType.set(type, (byType.get(type) ?? 0) + kb / 1024);
  }
  return [...byType].map(([type, mb]) => `${type} ${mb.toFixed(0)}`).join(", ");
}
