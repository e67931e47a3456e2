/** Reading /proc (Linux) for the benches' CPU figures: bench/camera/threads.ts and bench/group/cpu.ts. */
import { readFileSync } from "node:fs";

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
