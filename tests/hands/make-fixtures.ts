/**
 * Regenerates tests/fixtures/hands/*.json: real landmarks from the real worker (full model, one
 * hand, fresh tracker per photo) on the fingerpose photos. Run after `bun scripts/build.ts`:
 *   node_modules/.bin/bun tests/hands/make-fixtures.ts
 * The fixtures are committed; the unit tests only read them.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PHOTOS, call, launchHandBrowser, openHandPage, startHandServer } from "./harness.ts";
import type { HandFixture } from "./fixtures.ts";

const OUT_DIR = resolve(import.meta.dir, "../fixtures/hands");
const WIDTH = 480;
const HEIGHT = 640;
const round = (v: number): number => Math.round(v * 1e5) / 1e5;

/** JSON with one landmark per line (small, readable diffs). */
function format(f: HandFixture): string {
  const { landmarks, ...head } = f;
  const lines = landmarks.map((p) => `    ${JSON.stringify(p)}`);
  return JSON.stringify(head, null, 2).replace(/\n}$/, `,\n  "landmarks": [\n${lines.join(",\n")}\n  ]\n}\n`);
}

mkdirSync(OUT_DIR, { recursive: true });
const server = await startHandServer();
const browser = await launchHandBrowser();
try {
  const { page } = await openHandPage(browser, server);
  for (const photo of PHOTOS) {
    const ready = await call(page, "init", "full", 1);
    if (!ready.ok) throw new Error(`init failed: ${ready.code} ${ready.message}`);
    // A few frames in VIDEO mode: the first detects the palm, the next ones refine by tracking.
    let result = await call(page, "detectPhotos", [photo], WIDTH, HEIGHT, 1000);
    for (let i = 1; i < 4; i++) result = await call(page, "detectPhotos", [photo], WIDTH, HEIGHT, 1000 + i * 33);
    const hand = result.hands[0];
    if (!hand) throw new Error(`no hand found in ${photo}`);
    const fixture: HandFixture = {
      source: `node_modules/fingerpose/assets/${photo}.jpg`,
      model: "hand_landmarker_full.task (built from @mediapipe/hands 0.4.1675469240)",
      width: WIDTH,
      height: HEIGHT,
      handedness: hand.handedness,
      score: round(hand.score),
      landmarks: hand.landmarks.map((p) => ({ x: round(p.x), y: round(p.y), z: round(p.z) })),
    };
    await Bun.write(join(OUT_DIR, `${photo}.json`), format(fixture));
    console.log(`${photo}: ${hand.handedness} ${hand.score.toFixed(2)}, index tip`, fixture.landmarks[8]);
  }
  await call(page, "dispose");
} finally {
  await browser.close();
  await server.stop();
}
