/**
 * The real hand-tracker worker (build/public/workers/hand-tracker.js, built models and wasm) in
 * headless Chromium, fed the fingerpose photos as ImageBitmaps through the real client helper.
 * Ground truth was read off the photos by eye (480x640 px): in nocurl.jpg the raised index
 * fingertip is at about (220, 105), the finger 37 px wide, its top edge at y = 96; in
 * halfcurl.jpg the hooked index finger ends at about (335, 215).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import type { DetectResult } from "../../protocol/hand-tracker.ts";
import { IDLE_MS, SEARCH_GAP_MS } from "../../workers/hand-search-pacing.ts";
import { call, launchHandBrowser, openHandPage, startHandServer, type HandPage, type HandServer } from "./harness.ts";

const W = 480;
const H = 640;
let server: HandServer;
let browser: Browser;
let hp: HandPage;
let ts = 1000;

/** Two frames of the same photo (VIDEO mode), the second result. */
async function detect(photos: string[], width = W, height = H): Promise<DetectResult & { roundTripMs: number }> {
  await call(hp.page, "detectPhotos", photos, width, height, (ts += 33));
  return call(hp.page, "detectPhotos", photos, width, height, (ts += 33));
}

function expectTipIn(result: DetectResult, box: { x: [number, number]; y: [number, number] }, width = W, height = H): void {
  const hand = result.hands[0];
  expect(hand).toBeDefined();
  expect(hand!.landmarks).toHaveLength(21);
  const tip = hand!.landmarks[8]!;
  const px = { x: tip.x * width, y: tip.y * height };
  expect(px.x).toBeGreaterThanOrEqual(box.x[0]);
  expect(px.x).toBeLessThanOrEqual(box.x[1]);
  expect(px.y).toBeGreaterThanOrEqual(box.y[0]);
  expect(px.y).toBeLessThanOrEqual(box.y[1]);
}

beforeAll(async () => {
  server = await startHandServer();
  browser = await launchHandBrowser();
  hp = await openHandPage(browser, server);
}, 20_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("hand-tracker worker in Chromium", () => {
  test("loads the built lite model and wasm, reporting progress through the Comlink callback", async () => {
    const ready = await call(hp.page, "init", "lite", 2);
    expect(ready).toMatchObject({ ok: true });
    expect(ready.phases).toEqual(["model", "wasm", "graph", "warmup", "ready"]);
  }, 20_000);

  test("finds the raised index fingertip in nocurl.jpg", async () => {
    const result = await detect(["nocurl"]);
    expect(result.hands).toHaveLength(1);
    expectTipIn(result, { x: [200, 242], y: [94, 130] });
    expect(result.inferenceMs).toBeGreaterThan(0);
    for (const p of result.hands[0]!.landmarks) expect(Object.keys(p).sort()).toEqual(["x", "y", "z"]);
  }, 15_000);

  test("finds the hooked index fingertip in halfcurl.jpg", async () => {
    expectTipIn(await detect(["halfcurl"]), { x: [290, 345], y: [190, 250] });
  }, 15_000);

  test("labels the fist in fullcurl.jpg as the person's right hand (palm to an un-mirrored camera)", async () => {
    const result = await detect(["fullcurl"]);
    expect(result.hands[0]?.handedness).toBe("Right");
    expect(result.hands[0]!.score).toBeGreaterThan(0.7);
  }, 15_000);

  test("tracks two hands in one frame (two photos side by side)", async () => {
    const result = await detect(["nocurl", "fullcurl"], 2 * W, H);
    expect(result.hands).toHaveLength(2);
    const raised = result.hands.find((h) => h.landmarks[8]!.y < 0.3);
    expect(raised).toBeDefined();
    // The nocurl photo fills the left half unscaled: same fingertip box.
    expectTipIn({ hands: [raised!], inferenceMs: 0 }, { x: [200, 242], y: [94, 130] }, 2 * W, H);
  }, 15_000);

  test("a probe runs a full two-hand search on its frame beside the tracking: at numHands 1 it sees the second hand the tracker does not, and the tracked hand stays", async () => {
    await call(hp.page, "setNumHands", 1);
    // A photo's width apart: a fresh two-hand tracker finds both (adjacent, their crops overlap and one goes).
    const photos = ["nocurl", "halfcurl"];
    // The probe's model loads after init() was ready, in the background: no probedHands until then.
    let probed: DetectResult | null = null;
    for (let i = 0; i < 100 && probed?.probedHands === undefined; i++) {
      if (probed) await Bun.sleep(100);
      probed = await call(hp.page, "detectPhotos", photos, 3 * W, H, (ts += 33), true);
    }
    expect(probed?.probedHands).toBe(2);
    expect(probed!.hands).toHaveLength(1);
    expect(probed!.probeMs).toBeGreaterThan(0);
    await call(hp.page, "detectPhotos", ["nocurl"], W, H, (ts += 33));
    const one = await call(hp.page, "detectPhotos", ["nocurl"], W, H, (ts += 33), true);
    expect(one.probedHands).toBe(1);
    expectTipIn(one, { x: [200, 242], y: [94, 130] });
    const plain = await call(hp.page, "detectPhotos", ["nocurl"], W, H, (ts += 33));
    expect(plain.probedHands).toBeUndefined();
    expect(plain.probeMs).toBeUndefined();
    expectTipIn(plain, { x: [200, 242], y: [94, 130] });
    await call(hp.page, "setNumHands", 2);
  }, 30_000);

  test("takes frames from a port the way the segmenter feeds them: a 'want' for each, asked as one is taken (two out while a hand is in view), the fingertip found, 'stop' at the end", async () => {
    await detect(["nocurl"]); // a hand in view: frames are asked for at once, two ahead
    const fed = await call(hp.page, "detectFed", ["nocurl"], W, H, 3, false);
    // Three taken, and two more asked for by the time the third was taken.
    expect(fed.heard).toEqual(["want", "want", "want", "want", "want", "stop"]);
    expect(fed.results).toHaveLength(3);
    const last = fed.results[2]!;
    expect(last.aspect).toBeCloseTo(W / H, 5);
    expectTipIn(last, { x: [200, 242], y: [94, 130] });
  }, 20_000);

  test("with a hand in view, frames are asked for two ahead, so a call slower than a frame gap (the probe's) loses none of the frames that came meanwhile", async () => {
    await detect(["nocurl"]); // a hand in view: frames are asked for at once
    const plain = await call(hp.page, "feedOnCall", ["nocurl"], W, H, [false, false, false]);
    // One "want" out at first; taking the first frame asks for two; each frame taken after it
    // (one of them waiting) asks for one more, so two are always asked for or waiting.
    expect(plain.wantsAfter).toEqual([1, 3, 4, 5]);
    const probed = await call(hp.page, "feedOnCall", ["nocurl"], W, H, [true, false, false]);
    expect(probed.results[0]?.probedHands).toBe(1);
    // The probe's frame asks as any other: the same wants.
    expect(probed.wantsAfter).toEqual([1, 3, 4, 5]);
    for (const r of [...plain.results, ...probed.results]) expectTipIn(r!, { x: [200, 242], y: [94, 130] });
  }, 20_000);

  test("no hand in view for a second: the next frame is asked for no sooner than SEARCH_GAP_MS after one was sent (the palm search skips a camera frame)", async () => {
    await Bun.sleep(IDLE_MS + 100);
    const fed = await call(hp.page, "detectFed", [], W, H, 4, false);
    expect(fed.results.map((r) => r?.hands.length)).toEqual([0, 0, 0, 0]);
    expect(fed.gaps.length).toBeGreaterThanOrEqual(3);
    // Less a few ms: the page and the worker read coarsened clocks (an ask at once comes back in under 1 ms).
    for (const gap of fed.gaps) expect(gap).toBeGreaterThanOrEqual(SEARCH_GAP_MS - 5);
    // A hand in view again: found, and the worker is back to asking as each frame is taken: a
    // "want" for each of the 3 frames taken and one or two more out at the end (two once the
    // hand was seen before the last frame was taken; the model may miss it on the first frames
    // after the idle search).
    const back = await call(hp.page, "detectFed", ["nocurl"], W, H, 3, false);
    expect(back.heard.at(-1)).toBe("stop");
    expect(back.heard.filter((m) => m === "want").length).toBeOneOf([4, 5]);
    expectTipIn(back.results[2]!, { x: [200, 242], y: [94, 130] });
  }, 20_000);

  test("detect() from the page, no hand in view for a second: the page is told to wait until SEARCH_GAP_MS after it gave the frame; a hand in view: at once", async () => {
    await Bun.sleep(IDLE_MS + 100);
    const none = await detect([]);
    expect(none.hands).toHaveLength(0);
    // The wait counts from the frame's arrival, so a model run slower than the gap leaves none (a busy
    // machine's run can take longer than the gap: then the wait is 0): the model's own time is taken
    // off the gap, and no more than the whole round trip is (less 1 ms: the page and the worker read
    // coarsened clocks).
    expect(none.nextInMs).toBeGreaterThanOrEqual(0);
    expect(none.nextInMs! + Math.min(none.inferenceMs, SEARCH_GAP_MS)).toBeLessThanOrEqual(SEARCH_GAP_MS + 1);
    expect(none.nextInMs! + none.roundTripMs).toBeGreaterThanOrEqual(SEARCH_GAP_MS - 1);
    const hand = await detect(["nocurl"]);
    expect(hand.hands).toHaveLength(1);
    expect(hand.nextInMs).toBe(0);
  }, 20_000);

  test("a feeder that sends nothing (its pipeline paused or gone): detectNext gives null, and detect() still works", async () => {
    const fed = await call(hp.page, "detectFed", ["nocurl"], W, H, 2, true);
    expect(fed.results).toEqual([null, null]);
    // The unanswered 'want' stays out: no second one piles up.
    expect(fed.heard).toEqual(["want", "stop"]);
    expectTipIn(await detect(["nocurl"]), { x: [200, 242], y: [94, 130] });
  }, 20_000);

  test("init reports typed errors for a missing or broken model or wasm", async () => {
    expect(await call(hp.page, "tryModel", "/models/nope.task")).toMatchObject({ ok: false, code: "model-fetch-failed" });
    const notAModel = await call(hp.page, "tryModel", "/workers/hand-tracker.js");
    expect(notAModel).toMatchObject({ ok: false, code: "model-invalid" });
    const noWasm = await call(hp.page, "tryModel", "/models/hand_landmarker_lite.task", "/nowhere");
    expect(noWasm).toMatchObject({ ok: false, code: "wasm-load-failed" });
  }, 20_000);

  test("never reaches beyond its own origin and raises no page errors", () => {
    expect(hp.offsite).toEqual([]);
    expect(hp.errors).toEqual([]);
  });
});
