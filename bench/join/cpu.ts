/**
 * What the whole browser spent on one join (issue 21), beside the wall time: the CPU time of every
 * thread of every Chromium process this bench started, from B's navigation to its first remote
 * frame, and the time those threads were ready to run but waited for a core. Read from Linux's
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds on a CPU, nanoseconds waiting in the run queue).
 *
 * With `cpu / wall`, how many cores the browser kept busy: on this 2-core machine nearly both,
 * for the floor as for the app (bench/join/README.md, join22), so a join's wall time is the CPU
 * it needs over the cores there are, and the app's ratio to the floor is that of their CPU.
 */
import { readdirSync, readFileSync } from "node:fs";

/** The kinds of process a Chromium runs, as its command line names them. */
export type ProcessKind = "browser" | "renderer" | "gpu" | "network" | "audio" | "video capture" | "other";
const KINDS: ProcessKind[] = ["browser", "renderer", "gpu", "network", "audio", "video capture", "other"];

interface ThreadTimes {
  kind: ProcessKind;
  /** The thread's name as Linux keeps it (`comm`, at most 15 characters: "CrRendererMain", "VizCompositorTh"). */
  name: string;
  /** ns on a CPU. */
  run: number;
  /** ns runnable, waiting for a CPU. */
  wait: number;
}

/** Every Chromium thread's times at one moment (`at`, performance.now()), by "pid/tid". */
export interface CpuSample {
  at: number;
  threads: Map<string, ThreadTimes>;
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // gone meanwhile
  }
};

function kindOf(cmdline: string): ProcessKind | null {
  if (!/chrom(e|ium)/.test(cmdline.split("\0")[0] ?? "")) return null;
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  if (!type) return "browser";
  if (type === "renderer") return "renderer";
  if (type === "gpu-process") return "gpu";
  if (type === "utility") {
    if (cmdline.includes("NetworkService")) return "network";
    if (cmdline.includes("AudioService")) return "audio";
    if (cmdline.includes("VideoCaptureService")) return "video capture";
  }
  return "other";
}

/** The processes descended from `root` (this bench: Chromium and the app's server are its children). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // pid (comm) state ppid …: comm may hold spaces and parentheses; the fields after the last ")" do not.
    const after = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (after) parent.set(Number(name), Number(after[1]));
  }
  const found = new Set<number>([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent)
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
  }
  found.delete(root);
  return [...found];
}

/** Each Chromium thread's CPU and run-queue times now (processes descended from `root`). */
export function sampleCpu(root = process.pid): CpuSample {
  const sample = new Map<string, ThreadTimes>();
  for (const pid of descendants(root)) {
    const cmdline = read(`/proc/${pid}/cmdline`);
    const kind = cmdline && kindOf(cmdline);
    if (!kind) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const [run, wait] = (read(`/proc/${pid}/task/${tid}/schedstat`) ?? "").split(" ").map(Number);
      const name = (read(`/proc/${pid}/task/${tid}/comm`) ?? "?").trim().replace(/\d+$/, "");
      if (Number.isFinite(run) && Number.isFinite(wait)) sample.set(`${pid}/${tid}`, { kind, name, run: run!, wait: wait! });
    }
  }
  return { at: performance.now(), threads: sample };
}

/** What the browser spent between two samples, ms: on a CPU and waiting for one, in all and by kind of process. */
export interface CpuSpent {
  run: number;
  wait: number;
  /** The wall time between the samples, ms: `run / wall` is how many cores the browser kept busy. */
  wall: number;
  byKind: Record<ProcessKind, number>;
  /** By kind of process and thread name ("renderer CrRendererMain"): threads of one name added up (both pages' renderers together). */
  byThread: Record<string, number>;
}

/**
 * From `before` to `after`. A thread started meanwhile counts whole; one that ended meanwhile is
 * not counted (an old page's renderer shut down during a navigation).
 */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuSpent {
  const spent: CpuSpent = {
    run: 0,
    wait: 0,
    wall: after.at - before.at,
    byKind: Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<ProcessKind, number>,
    byThread: {},
  };
  for (const [key, now] of after.threads) {
    const was = before.threads.get(key);
    const run = (now.run - (was?.run ?? 0)) / 1e6;
    const wait = (now.wait - (was?.wait ?? 0)) / 1e6;
    spent.run += run;
    spent.wait += wait;
    spent.byKind[now.kind] += run;
    const thread = `${now.kind} ${now.name}`;
    spent.byThread[thread] = (spent.byThread[thread] ?? 0) + run;
  }
  return spent;
}

/** The kinds worth a column: those that spent anything. */
export const cpuKinds = (all: CpuSpent[]): ProcessKind[] => KINDS.filter((k) => all.some((s) => s.byKind[k] >= 1));

/** The median of some runs' figures (NaN for none): the bench's, here for all of bench/join. */
export const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length ? (s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) : Number.NaN;
};

/**
 * The threads whose CPU differs most between two sets of runs (medians, ms; a thread missing
 * from a run counts 0 there): where one build's extra CPU goes, by kind of process and thread name.
 */
export function threadDifferences(base: CpuSpent[], other: CpuSpent[], top = 14): { thread: string; base: number; other: number }[] {
  const names = new Set([...base, ...other].flatMap((s) => Object.keys(s.byThread)));
  return [...names]
    .map((thread) => ({ thread, base: median(base.map((s) => s.byThread[thread] ?? 0)), other: median(other.map((s) => s.byThread[thread] ?? 0)) }))
    .sort((x, y) => Math.abs(y.other - y.base) - Math.abs(x.other - x.base))
    .slice(0, top);
}
