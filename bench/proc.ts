/** Reading /proc (Linux) for the benches' CPU figures: bench/camera/threads.ts, bench/group/cpu.ts, bench/idle. */
import { readdirSync, readFileSync } from "node:fs";

/** A /proc file's text, or null once the process or thread is gone. */
export const readProc = (path: string): string | null => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

/** Fields after the ")" of a stat line: [0] state, [1] ppid, ... [11] utime, [12] stime. */
export const statFields = (stat: string) => stat.slice(stat.lastIndexOf(")") + 2).split(" ");

/** Every process below `root` (a browser launched by this process: its GPU, network, audio and renderer processes). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const stat = /^\d+$/.test(name) ? readProc(`/proc/${name}/stat`) : null;
    if (!stat) continue;
    const parent = Number(statFields(stat)[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}
