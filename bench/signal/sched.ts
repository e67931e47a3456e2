/**
 * `--sched`: the scheduler's side of a measured burst. `perf sched record` runs over the burst, then
 * `perf sched timehist` says, for every time a process's main thread was woken, how long it waited
 * for a core (sch delay). A frame's way wakes one process per hop; on a shared machine each wake-up
 * can find the cores taken. Needs `perf` and the right to trace the scheduler (root here); without
 * them the run goes on and says so.
 */
import { rmSync } from "node:fs";

export interface Delays {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
export type SchedDelays = Record<string, Delays>;

export async function startSched(roles: Record<string, number[]>): Promise<{ stop(): Promise<SchedDelays> }> {
  const file = `/tmp/onelink-sched-${process.pid}.data`;
  const proc = Bun.spawn(["perf", "sched", "record", "-o", file], { stdout: "ignore", stderr: "ignore" });
  await Bun.sleep(300); // perf is tracing by then
  return {
    async stop() {
      proc.kill("SIGINT");
      await proc.exited;
      const roleOf = new Map<number, string>();
      for (const [role, pids] of Object.entries(roles)) for (const pid of pids) roleOf.set(pid, role);
      const delays = new Map<string, number[]>(Object.keys(roles).map((r) => [r, []]));
      try {
        const out = await Bun.$`perf sched timehist -i ${file}`.quiet().nothrow().text();
        // `time [cpu] name[tid] or name[tid/pid]  wait  sch-delay  run` (ms); main threads: tid = pid.
        for (const m of out.matchAll(/\[(\d+)(?:\/\d+)?\]\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s*$/gm)) {
          const role = roleOf.get(Number(m[1]));
          // Only wake-ups (it had been waiting); a thread preempted while running is another story.
          if (role && Number(m[2]) > 0) delays.get(role)!.push(Number(m[3]));
        }
      } finally {
        rmSync(file, { force: true });
      }
      const result: SchedDelays = {};
      for (const [role, xs] of delays) {
        xs.sort((a, b) => a - b);
        const at = (p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
        result[role] = { n: xs.length, p50: at(50), p99: at(99), max: xs.at(-1) ?? 0 };
      }
      return result;
    },
  };
}
