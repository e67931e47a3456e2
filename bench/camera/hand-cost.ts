/**
 * What one hand-tracker call costs (not a test): the real worker in headless Chromium (software
 * WebGL, CPU delegate), frames drawn from the fingerpose photos (none = an empty dark frame, as the
 * camera bench's fixture has no hand), one detect() in flight, `seconds` per row; rows interleaved
 * twice. Per-call ms of detectForVideo inside the worker (median, p90) and the round trip.
 * Separates the palm detector (no hand: it runs alone on every frame) from the landmark model
 * (one hand, numHands 1: once found, only landmarks run) and shows how the input size weighs.
 *
 *   node_modules/.bin/bun scripts/build.ts && node_modules/.bin/bun bench/camera/hand-cost.ts [seconds]
 */
import { loadavg } from "node:os";
import { call, launchHandBrowser, median, openHandPage, startHandServer } from "../../tests/hands/harness.ts";

const seconds = Number(process.argv[2] ?? 4);
const sizes = (process.env.HAND_SIZES ?? "640x360,320x180").split(",").map((s) => s.split("x").map(Number) as [number, number]);
const allCases: { label: string; numHands: number; photos: string[] }[] = [
  { label: "no hand, numHands 2", numHands: 2, photos: [] },
  { label: "1 hand, numHands 1", numHands: 1, photos: ["nocurl"] },
  { label: "1 hand, numHands 2", numHands: 2, photos: ["nocurl"] },
  { label: "2 hands, numHands 2", numHands: 2, photos: ["nocurl", "halfcurl"] },
];
/** HAND_CASES=0,1 picks rows of allCases by index. */
const cases = process.env.HAND_CASES ? process.env.HAND_CASES.split(",").map((i) => allCases[Number(i)]!) : allCases;
const p = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.floor(q * (v.length - 1))] ?? NaN;

const server = await startHandServer();
const browser = await launchHandBrowser();
try {
  for (let round = 0; round < 2; round++)
    for (const c of cases)
      for (const [w, h] of sizes) {
        const { page } = await openHandPage(browser, server);
        const ready = await call(page, "init", "lite", c.numHands);
        if (!ready.ok) throw new Error(`${c.label}: ${ready.code} ${ready.message}`);
        const s = await call(page, "run", c.photos, w, h, seconds * 1000);
        await call(page, "dispose");
        await page.context().close();
        const warm = s.inferenceMs.slice(5);
        const seen = s.handsSeen.slice(5);
        console.log(
          `${c.label.padEnd(22)} ${`${w}x${h}`.padEnd(8)} detectForVideo med ${median(warm).toFixed(1)} p90 ${p(warm, 0.9).toFixed(1)} ms, round trip ${median(s.roundTripMs.slice(5)).toFixed(1)} ms, ${s.fps.toFixed(1)} calls/s, hands/frame ${(seen.reduce((a, b) => a + b, 0) / seen.length).toFixed(2)}  load ${loadavg()[0]!.toFixed(1)}`,
        );
      }
} finally {
  await browser.close();
  await server.stop();
}
