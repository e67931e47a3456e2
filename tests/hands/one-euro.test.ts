import { describe, expect, test } from "bun:test";
import { filteredPoint, oneEuro, oneEuroPoint, type OneEuroParams, type OneEuroState, type PointFilterState } from "../../drawing/one-euro.ts";
import { readDrawingHand } from "../../drawing/gestures.ts";
import { jitter, loadFixture, pinchTo, translate } from "./fixtures.ts";

const stddev = (v: number[]): number => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};

function run(values: number[], params?: OneEuroParams, dtMs = 33): number[] {
  let s: OneEuroState | null = null;
  return values.map((v, i) => (s = oneEuro(s, v, i * dtMs, params)).value);
}

describe("one euro filter", () => {
  test("first sample passes through; a constant stays constant", () => {
    expect(run([0.4, 0.4, 0.4])).toEqual([0.4, 0.4, 0.4]);
  });

  test("a repeated or older timestamp does not move the output", () => {
    const s1 = oneEuro(null, 0.2, 100);
    const s2 = oneEuro(s1, 0.9, 100);
    expect(s2.value).toBe(0.2);
    expect(oneEuro(s2, 0.9, 50).value).toBe(0.2);
  });

  test("a still but jittery real pinch point is steadied", () => {
    const fixture = loadFixture("nocurl");
    const aspect = fixture.width / fixture.height;
    const hand = pinchTo(fixture.landmarks, 0.015, aspect);
    let state: PointFilterState | null = null;
    const raw: number[] = [];
    const smooth: number[] = [];
    for (let i = 0; i < 120; i++) {
      const p = readDrawingHand("draw", jitter(hand, 0.004, i + 7), aspect).point;
      state = oneEuroPoint(state, p, i * 33);
      raw.push(p.x);
      smooth.push(filteredPoint(state).x);
    }
    expect(stddev(smooth.slice(20))).toBeLessThan(stddev(raw.slice(20)) / 3);
  });

  test("a fast real movement is followed with little lag (speed raises the cutoff)", () => {
    const fixture = loadFixture("nocurl");
    const aspect = fixture.width / fixture.height;
    const hand = pinchTo(fixture.landmarks, 0.015, aspect);
    const xs = Array.from({ length: 30 }, (_, i) => readDrawingHand("draw", translate(hand, i * 0.02, 0), aspect).point.x);
    const adaptive = run(xs);
    const plain = run(xs, { minCutoff: 1, beta: 0, dCutoff: 1 });
    const lag = (out: number[]): number => xs[25]! - out[25]!;
    expect(lag(adaptive)).toBeGreaterThan(0);
    expect(lag(adaptive)).toBeLessThan(lag(plain) / 2);
    expect(lag(adaptive)).toBeLessThan(0.03); // under ~1.5 frames of motion
  });
});
