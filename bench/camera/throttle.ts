/**
 * A phone-class CPU for bench/camera (BENCH_THROTTLE=4): every Chromium renderer process under
 * the given process (the page's main thread, its workers, its compositor) is let run for 1/rate
 * of each PERIOD_MS and stopped (SIGSTOP) for the rest, so each of its threads gets at most
 * 1/rate of a core, as a CPU `rate` times slower would give it. The camera (capture runs in
 * another process) keeps its real 30 fps, as a phone's camera does. Chromium's own CPU throttling
 * (CDP Emulation.setCPUThrottlingRate) slows only the page's main thread: workers refuse it
 * ("Operation is only supported for pages, not workers"), and the camera pipeline is in workers.
 *
 *   bun bench/camera/throttle.ts RATE ROOT_PID     # until SIGTERM; every renderer is let run on exit
 */
import { descendants, readProc } from "../proc.ts";

/** One on/off cycle; short enough that a 33 ms camera frame spans more than one. */
export const PERIOD_MS = 20;

/** The renderer processes among `root`'s descendants. */
const renderers = (root: number): number[] => descendants(root).filter((pid) => (readProc(`/proc/${pid}/cmdline`) ?? "").includes("--type=renderer"));

const signal = (pids: number[], sig: "SIGSTOP" | "SIGCONT") => {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
};

if (import.meta.main) {
  const rate = Number(process.argv[2]);
  const root = Number(process.argv[3]);
  if (!(rate > 1) || !root) throw new Error("usage: throttle.ts RATE ROOT_PID");
  const runMs = PERIOD_MS / rate;
  let pids: number[] = [];
  let scannedAt = 0;
  let stopping = false;
  const end = () => {
    stopping = true;
    signal(pids, "SIGCONT");
    process.exit(0);
  };
  process.on("SIGTERM", end);
  process.on("SIGINT", end);
  while (!stopping) {
    if (performance.now() - scannedAt > 500) {
      pids = renderers(root);
      scannedAt = performance.now();
    }
    signal(pids, "SIGCONT");
    await Bun.sleep(runMs);
    signal(pids, "SIGSTOP");
    await Bun.sleep(PERIOD_MS - runMs);
  }
}
