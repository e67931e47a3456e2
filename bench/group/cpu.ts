/**
 * CPU of the bench's processes from /proc (Linux, USER_HZ 100): a browser's whole process tree, and
 * where it goes thread by thread. Time a thread spends waiting for a core is not counted, which is
 * what a loaded 2-core machine needs: wall-clock figures there mostly measure the queue.
 */
import { readdirSync } from "node:fs";
import { readProc as read, statFields as fields } from "../proc.ts";

export const HZ = 100; // clock ticks per second in /proc/<pid>/stat

function statOf(pid: number): { ppid: number; ticks: number } | null {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  const f = fields(text);
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

/** Every process now: its parent and its CPU ticks so far. */
function processes() {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = statOf(pid);
    if (!s) continue;
    ticks.set(pid, s.ticks);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  return { children, ticks };
}

/** A process and all its descendants (a browser: its GPU, network, audio and renderer processes). */
function tree(root: number, children: Map<number, number[]>): number[] {
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU ticks of a process and all its descendants. */
export function treeTicks(root: number): number {
  const { children, ticks } = processes();
  return tree(root, children).reduce((sum, pid) => sum + (ticks.get(pid) ?? 0), 0);
}

/** The pid of the Chromium browser process launched with `--onelink-bench=TAG`. */
export function browserPid(tag: string): number {
  const mine: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    if ((read(`/proc/${pid}/cmdline`) ?? "").split("\0").includes(`--onelink-bench=${tag}`)) mine.push(pid);
  }
  const root = mine.find((pid) => !mine.includes(statOf(pid)?.ppid ?? -1));
  if (root === undefined) throw new Error(`no browser process tagged ${tag}`);
  return root;
}

/**
 * CPU ticks so far per "role · process · thread" of the given process trees (role: what the bench
 * calls a tree; process: Chromium's --type or, for a utility process, its service; thread: its
 * name with digits dropped, so that a pool's threads add up).
 */
export function threadTicks(roots: Record<string, number>): Map<string, number> {
  const { children } = processes();
  const out = new Map<string, number>();
  for (const [role, root] of Object.entries(roots))
    for (const pid of tree(root, children)) {
      const cmd = read(`/proc/${pid}/cmdline`) ?? "";
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1];
      const service = /--utility-sub-type=[a-z_.]*?([a-z_]+)\.mojom/.exec(cmd)?.[1];
      const proc = service ?? type ?? (role === "janus" ? "janus" : "browser");
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue; // gone
      }
      for (const tid of tids) {
        const stat = read(`/proc/${pid}/task/${tid}/stat`);
        if (!stat) continue;
        const f = fields(stat);
        const comm = (read(`/proc/${pid}/task/${tid}/comm`) ?? "?").trim().replace(/[\d]+/g, "#");
        const key = `${role} · ${proc} · ${Number(tid) === pid ? "main" : comm}`;
        out.set(key, (out.get(key) ?? 0) + Number(f[11]) + Number(f[12]));
      }
    }
  return out;
}

/** The busiest rows between two `threadTicks`, as % of one core over `seconds`. */
export function busiest(before: Map<string, number>, after: Map<string, number>, seconds: number, top = 30): { key: string; pct: number }[] {
  return [...after]
    .map(([key, t]) => ({ key, pct: (100 * (t - (before.get(key) ?? 0))) / HZ / seconds }))
    .filter((r) => r.pct >= 0.5)
    .sort((a, b) => b.pct - a.pct)
    .slice(0, top);
}

/** Per role and process, % of one core between two `threadTicks`. */
export function byProcess(before: Map<string, number>, after: Map<string, number>, seconds: number): { key: string; pct: number }[] {
  const sums = new Map<string, number>();
  for (const [key, t] of after) {
    const [role, proc] = key.split(" · ");
    const k = `${role} · ${proc}`;
    sums.set(k, (sums.get(k) ?? 0) + t - (before.get(key) ?? 0));
  }
  return [...sums]
    .map(([key, t]) => ({ key, pct: (100 * t) / HZ / seconds }))
    .filter((r) => r.pct >= 0.5)
    .sort((a, b) => b.pct - a.pct);
}
