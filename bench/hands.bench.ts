/**
 * Hand-tracker benchmark (not a test): the real worker in headless Chromium (software WebGL,
 * CPU delegate), a page feeding 640x480 frames drawn from the fingerpose photos with a little
 * motion, one detect() in flight at a time, for N seconds per configuration. Reports worker
 * inference ms/frame, round trip, achieved fps, and main-thread long tasks (>50 ms,
 * PerformanceObserver "longtask") seen by the page meanwhile.
 *
 * "busy ms/s" is the worker's time per second of the row: model calls, graph rebuilds and probes;
 * "2nd-hand ms" the rebuilds' and the probes' share of it, summed over the row.
 *
 *   node_modules/.bin/bun scripts/build.ts && node_modules/.bin/bun bench/hands.bench.ts [seconds]
 * BENCH_CONFIGS=second: only the looks for a second hand while one is tracked (numHands 1), the
 * app's old peek (numHands 2 for 0.4 s every 3 s) against its probe (a second IMAGE-mode model on
 * one frame every 3 s), interleaved twice.
 */
import { call, launchHandBrowser, median, openHandPage, startHandServer, type RunStats } from "../tests/hands/harness.ts";
import { loadavg } from "node:os";
import type { ModelVariant } from "../protocol/hand-tracker.ts";

const seconds = Number(process.argv[2] ?? 10);
const WIDTH = 640;
const HEIGHT = 480;

interface Config {
  label: string;
  variant: ModelVariant;
  numHands: number;
  photos: string[];
  secondHand?: "peek" | "probe";
}

const peek: Config = { label: "lite, 1 hand, numHands 1, peek every 3 s", variant: "lite", numHands: 1, photos: ["nocurl"], secondHand: "peek" };
const probe: Config = { label: "lite, 1 hand, numHands 1, probe every 3 s", variant: "lite", numHands: 1, photos: ["nocurl"], secondHand: "probe" };
const all: Config[] = [
  { label: "lite, 1 hand, numHands 1", variant: "lite", numHands: 1, photos: ["nocurl"] },
  { label: "full, 1 hand, numHands 1", variant: "full", numHands: 1, photos: ["nocurl"] },
  { label: "lite, 1 hand, numHands 2", variant: "lite", numHands: 2, photos: ["nocurl"] },
  { label: "full, 1 hand, numHands 2", variant: "full", numHands: 2, photos: ["nocurl"] },
  { label: "lite, 2 hands", variant: "lite", numHands: 2, photos: ["nocurl", "halfcurl"] },
  { label: "full, 2 hands", variant: "full", numHands: 2, photos: ["nocurl", "halfcurl"] },
];
const configs = process.env.BENCH_CONFIGS === "second" ? [peek, probe, peek, probe] : all;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

interface Row {
  config: string;
  load: string;
  "infer med": string;
  "infer p95": string;
  "round trip med": string;
  fps: string;
  "hands/frame": string;
  "busy ms/s": string;
  "2nd-hand ms": string;
  "load avg": string;
  "long tasks": string;
}

const server = await startHandServer();
const browser = await launchHandBrowser();
const rows: Row[] = [];
try {
  for (const c of configs) {
    const { page, offsite, errors } = await openHandPage(browser, server);
    const ready = await call(page, "init", c.variant, c.numHands);
    if (!ready.ok) throw new Error(`${c.label}: init failed: ${ready.code} ${ready.message}`);
    // The probe's model loads after init() is ready: give it time, as a call gives it before its first probe.
    if (c.secondHand) await Bun.sleep(3000);
    const s: RunStats = await call(page, "run", c.photos, WIDTH, HEIGHT, seconds * 1000, c.secondHand);
    await call(page, "dispose");
    await page.context().close();
    if (offsite.length || errors.length) console.warn(c.label, { offsite, errors });
    const warm = s.inferenceMs.slice(5);
    rows.push({
      config: c.label,
      load: `${Math.round(ready.loadMs)} ms (warm-up ${Math.round(ready.warmupMs)})`,
      "infer med": median(warm).toFixed(1),
      "infer p95": percentile(warm, 95).toFixed(1),
      "round trip med": median(s.roundTripMs.slice(5)).toFixed(1),
      fps: s.fps.toFixed(1),
      "hands/frame": (s.handsSeen.reduce((a, b) => a + b, 0) / s.frames).toFixed(2),
      "load avg": loadavg()[0]!.toFixed(1),
      "2nd-hand ms": `${s.switchMs.toFixed(0)} switch, ${s.probeMs.toFixed(0)} probe`,
      "busy ms/s": ((s.inferenceMs.reduce((a, b) => a + b, 0) + s.switchMs + s.probeMs) / seconds).toFixed(0),
      "long tasks": s.longTasks.length ? `${s.longTasks.length} (max ${Math.round(Math.max(...s.longTasks))} ms)` : "0",
    });
    console.log(`done: ${c.label}`);
  }
} finally {
  await browser.close();
  await server.stop();
}

console.log(
  `\nHand tracker, ${WIDTH}x${HEIGHT} frames, ${seconds} s per row, ms per frame inside the worker (load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}):`,
);
console.table(rows);
