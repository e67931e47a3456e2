/** When the segmentation model runs on every frame and when on every other (workers/segmenter-pacing.ts). */
import { describe, expect, test } from "bun:test";
import { GAP_DRIFT, modelDone, newPacing, SKIP_SHARE, shouldRunModel } from "../workers/segmenter-pacing.ts";

/** Feeds frames `gapMs` apart, each model run costing `costMs`, the worker waiting `waitedMs` for each; which frames ran the model. */
function run(frames: number, gapMs: number, costMs: number, pacing = newPacing(), from = 0, waitedMs?: number): boolean[] {
  const ran: boolean[] = [];
  for (let i = 0; i < frames; i++) {
    const runs = shouldRunModel(pacing, from + i * gapMs, waitedMs);
    modelDone(pacing, runs ? costMs : null, true);
    ran.push(runs);
  }
  return ran;
}

describe("segmenter pacing", () => {
  test("a model that keeps up runs on every frame", () => {
    expect(run(60, 33.3, 0.6 * 33.3).every(Boolean)).toBe(true);
  });

  test("a model slower than its share of the frame gap runs on every other frame, never two skips in a row", () => {
    const ran = run(60, 33.3, 0.8 * 33.3);
    expect(ran.slice(0, 2)).toEqual([true, false]); // the gap is known from the second frame
    for (let i = 1; i < ran.length; i++) expect(ran[i]).toBe(!ran[i - 1]);
  });

  test("the previous mask is used only when the frame before got one", () => {
    const pacing = newPacing();
    for (let i = 0; i < 3; i++) {
      expect(shouldRunModel(pacing, i * 33)).toBe(true);
      modelDone(pacing, 30, false); // slow, but no mask to reuse
    }
  });

  test("timestamps that jitter around the camera's pace (21 to 45 ms at 30 fps) do not make a model that keeps up skip", () => {
    const pacing = newPacing();
    const gaps = [33, 21.5, 45, 24.4, 43.5, 30, 36, 25.3, 41.2, 33];
    let t = 0;
    const ran: boolean[] = [];
    for (let i = 0; i < 300; i++) {
      t += gaps[i % gaps.length]!;
      ran.push(shouldRunModel(pacing, t));
      modelDone(pacing, 20, true); // 60% of 33 ms, but 93% of the smallest gap
    }
    expect(ran.slice(30).every(Boolean)).toBe(true); // after a second to learn the pace
    expect(pacing.frameMs).toBeGreaterThan(30);
  });

  test("frames the worker dropped do not hide the camera's pace", () => {
    const pacing = newPacing();
    const ranAt = [0, 33, 100, 166, 233, 300].map((t) => {
      const runs = shouldRunModel(pacing, t);
      modelDone(pacing, runs ? 28 : null, true);
      return runs;
    });
    expect(pacing.frameMs).toBeGreaterThan(33);
    expect(pacing.frameMs).toBeLessThan(33 * GAP_DRIFT ** 4 + 1e-9);
    // 28 ms is within 70% of the 67 ms gaps the worker saw, not of the camera's 33 ms.
    expect(ranAt).toEqual([true, false, true, false, true, false]);
  });

  test("a camera that turns slower is followed: the gap drifts up and the model runs on every frame again", () => {
    const pacing = newPacing();
    const cost = 0.8 * 33.3;
    run(30, 33.3, cost, pacing);
    const slower = run(3000, 66.6, cost, pacing, 30 * 33.3);
    expect(pacing.frameMs).toBeCloseTo(66.6, 1);
    expect(cost).toBeLessThan(SKIP_SHARE * pacing.frameMs);
    expect(slower.slice(0, 10)).toContain(false);
    expect(slower.slice(-10).every(Boolean)).toBe(true);
  });

  test("a worker that stays too slow for the camera (the frames it reads 100 ms apart, each already waiting) keeps the camera's pace and keeps skipping", () => {
    const pacing = newPacing();
    const cost = 0.8 * 33.3;
    run(30, 33.3, cost, pacing, 0, 20);
    // A minute of it: with the frames' gaps taken for the camera's, the estimate would reach 100 ms.
    const behind = run(600, 100, cost, pacing, 30 * 33.3, 0);
    expect(pacing.frameMs).toBeCloseTo(33.3, 0);
    expect(behind.slice(-10)).toContain(false);
  });
  test("a worker too slow from its first frame (the model's first run 434 ms, then frames read ~67 ms apart, each already there) keeps the camera's stated pace and skips", () => {
    const cost = 38; // a phone-class CPU: over 70% of the camera's 33 ms, within 70% of the worker's own 67 ms
    const firstRunThenBehind = (pacing: ReturnType<typeof newPacing>) => {
      shouldRunModel(pacing, 0, 5);
      modelDone(pacing, 434, true);
      return run(600, 66.7, cost, pacing, 434, 0);
    };
    const stated = newPacing(1000 / 30);
    const ran = firstRunThenBehind(stated);
    expect(stated.frameMs).toBeCloseTo(33.3, 0);
    expect(ran.slice(-10)).toContain(false);
    // Without the camera's word the first gap seeds the estimate and it settles at the worker's own pace.
    const unknown = newPacing();
    expect(firstRunThenBehind(unknown).slice(-10).every(Boolean)).toBe(true);
    expect(unknown.frameMs).toBeGreaterThan(60);
  });

  test("a stated frame rate that is no number leaves the first gap to tell", () => {
    for (const bad of [0, Number.NaN, Number.POSITIVE_INFINITY, -33]) expect(newPacing(bad).frameMs).toBe(Number.POSITIVE_INFINITY);
  });
});
