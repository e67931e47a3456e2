import { describe, expect, test } from "bun:test";
import {
  CONTROL_STABLE_FRAMES,
  INITIAL_CONTROL,
  PALETTE,
  PINCH_ENTER,
  PINCH_EXIT,
  THICKNESS_LEVELS,
  assignHands,
  controlStyle,
  extendedFingerCount,
  handSize,
  isExtended,
  mirrorHandedness,
  mirrorLandmarks,
  mirrorPoint,
  readDrawingHand,
  updateControl,
  updateErase,
  updatePinch,
  type ControlState,
  type DrawMode,
} from "../../drawing/gestures.ts";
import type { Landmark, TrackedHand } from "../../protocol/hand-tracker.ts";
import { extendLike, jitter, loadFixture, pinchTo, scaleHand, translate } from "./fixtures.ts";

const point = loadFixture("nocurl"); // index up, others curled, thumb tucked
const hook = loadFixture("halfcurl"); // index hooked ("C")
const fist = loadFixture("fullcurl");
const A = point.width / point.height; // the photos are portrait, 480x640
const vSign = (deg: number): Landmark[] => extendLike(point.landmarks, "middle", deg, A);
/** All four fingers up and spread like an open palm. */
const openHand = (): Landmark[] => extendLike(extendLike(extendLike(point.landmarks, "middle", 15, A), "ring", 30, A), "pinky", 45, A);

describe("real landmark fixtures", () => {
  test("are 21 normalized points from the photos", () => {
    for (const f of [point, hook, fist]) {
      expect(f.landmarks).toHaveLength(21);
      for (const p of f.landmarks) {
        expect(p.x).toBeGreaterThan(0);
        expect(p.x).toBeLessThan(1);
        expect(p.y).toBeGreaterThan(0);
        expect(p.y).toBeLessThan(1);
      }
    }
  });

  test("finger extension matches what the photos show", () => {
    expect([0, 1, 2, 3].map((f) => isExtended(point.landmarks, f, A))).toEqual([true, false, false, false]);
    expect(extendedFingerCount(hook.landmarks, A)).toBe(0); // a hooked index is not "extended"
    expect(extendedFingerCount(fist.landmarks, A)).toBe(0);
    expect(extendedFingerCount(vSign(20), A)).toBe(2);
    expect(extendedFingerCount(openHand(), A)).toBe(4);
  });

  test("hand size does not depend on the pose of the fingers", () => {
    const sizes = [point, hook, fist].map((f) => handSize(f.landmarks, A));
    expect(Math.max(...sizes) / Math.min(...sizes)).toBeLessThan(1.15);
  });
});

describe("pinch", () => {
  test("none of the photos is a pinch; a thumb on the index tip is", () => {
    for (const f of [point, hook, fist]) expect(updatePinch(false, f.landmarks, A).pinching).toBe(false);
    const pinch = updatePinch(false, pinchTo(point.landmarks, 0.02, A), A);
    expect(pinch.pinching).toBe(true);
    // The pen sits between the two fingertips, near the index tip.
    expect(Math.abs(pinch.point.x - point.landmarks[8]!.x)).toBeLessThan(0.03);
    expect(Math.abs(pinch.point.y - point.landmarks[8]!.y)).toBeLessThan(0.03);
  });

  test("hysteresis: a gap between the thresholds keeps the current state", () => {
    const size = handSize(point.landmarks, A);
    const between = pinchTo(point.landmarks, size * ((PINCH_ENTER + PINCH_EXIT) / 2), A);
    const r = updatePinch(false, between, A).ratio;
    expect(r).toBeGreaterThan(PINCH_ENTER);
    expect(r).toBeLessThan(PINCH_EXIT);
    expect(updatePinch(false, between, A).pinching).toBe(false);
    expect(updatePinch(true, between, A).pinching).toBe(true);
  });

  test("tracking jitter right at the enter threshold does not make the pen flicker", () => {
    const size = handSize(point.landmarks, A);
    const closed = pinchTo(point.landmarks, size * PINCH_ENTER * 0.5, A);
    const atThreshold = pinchTo(point.landmarks, size * PINCH_ENTER, A);
    let pinching = updatePinch(false, closed, A).pinching;
    expect(pinching).toBe(true);
    let changes = 0;
    for (let frame = 0; frame < 200; frame++) {
      const next: boolean = updatePinch(pinching, jitter(atThreshold, 0.006, frame + 1), A).pinching;
      if (next !== pinching) changes++;
      pinching = next;
    }
    expect(changes).toBe(0);
    expect(pinching).toBe(true);
  });

  test("is the same gesture near and far from the camera", () => {
    const pinch = pinchTo(point.landmarks, 0.02, A);
    for (const k of [0.4, 1, 1.6]) {
      expect(updatePinch(false, scaleHand(pinch, k), A).pinching).toBe(true);
      expect(updatePinch(false, scaleHand(point.landmarks, k), A).pinching).toBe(false);
    }
  });
});

describe("erase (index and middle extended and spread)", () => {
  test("a V erases, one finger or two fingers together do not", () => {
    expect(updateErase(false, vSign(25), A).erasing).toBe(true);
    expect(updateErase(false, openHand(), A).erasing).toBe(true);
    expect(updateErase(false, vSign(0), A).erasing).toBe(false);
    for (const f of [point, hook, fist]) expect(updateErase(false, f.landmarks, A).erasing).toBe(false);
  });

  test("the radius grows with the spread and the eraser sits between the fingertips", () => {
    const radii = [15, 25, 35].map((deg) => updateErase(false, vSign(deg), A).radius);
    expect(radii[1]!).toBeGreaterThan(radii[0]! * 1.2);
    expect(radii[2]!).toBeGreaterThan(radii[1]! * 1.2);
    const v = vSign(25);
    const e = updateErase(false, v, A);
    expect(e.center.x).toBeCloseTo((v[8]!.x + v[12]!.x) / 2, 6);
    expect(e.center.y).toBeCloseTo((v[8]!.y + v[12]!.y) / 2, 6);
  });

  test("hysteresis on the spread", () => {
    const mid = vSign(11); // spread between exit and enter thresholds
    expect(updateErase(false, mid, A).erasing).toBe(false);
    expect(updateErase(true, mid, A).erasing).toBe(true);
  });
});

describe("drawing hand mode", () => {
  const run = (frames: Landmark[][]): DrawMode[] => {
    let mode: DrawMode = "hover";
    return frames.map((lm) => (mode = readDrawingHand(mode, lm, A).mode));
  };

  test("pinch draws, V erases, pointing hovers at the index tip", () => {
    expect(run([point.landmarks, pinchTo(point.landmarks, 0.01, A), vSign(25), fist.landmarks])).toEqual(["hover", "draw", "erase", "hover"]);
    const hover = readDrawingHand("hover", point.landmarks, A);
    expect(hover.point).toEqual({ x: point.landmarks[8]!.x, y: point.landmarks[8]!.y });
  });
});

describe("control hand (colour and thickness)", () => {
  const feed = (state: ControlState, lm: Landmark[], frames: number): ControlState => {
    let s = state;
    for (let i = 0; i < frames; i++) s = updateControl(s, lm, A);
    return s;
  };

  test("finger count picks the colour once stable; a fist keeps it", () => {
    let s = feed(INITIAL_CONTROL, vSign(20), CONTROL_STABLE_FRAMES - 1);
    expect(s.colorIndex).toBe(INITIAL_CONTROL.colorIndex);
    s = feed(s, vSign(20), 1);
    expect(controlStyle(s).color).toBe(PALETTE[1]);
    s = feed(s, openHand(), CONTROL_STABLE_FRAMES);
    expect(controlStyle(s).color).toBe(PALETTE[3]);
    s = feed(s, fist.landmarks, 20);
    expect(controlStyle(s).color).toBe(PALETTE[3]);
    s = feed(s, point.landmarks, CONTROL_STABLE_FRAMES);
    expect(controlStyle(s).color).toBe(PALETTE[0]);
  });

  test("a raised hand is thicker, a lowered one thinner, without flicker at a boundary", () => {
    const high = feed(INITIAL_CONTROL, translate(fist.landmarks, 0, -0.5), 1);
    const low = feed(INITIAL_CONTROL, translate(fist.landmarks, 0, 0.15), 1);
    expect(controlStyle(high).width).toBe(THICKNESS_LEVELS[THICKNESS_LEVELS.length - 1]!);
    expect(controlStyle(low).width).toBe(THICKNESS_LEVELS[0]!);
    // Wobble around the midpoint between two levels: the level must not toggle.
    let s = feed(INITIAL_CONTROL, translate(fist.landmarks, 0, -0.2), 1);
    const settled = s.thicknessIndex;
    for (let i = 0; i < 50; i++) s = updateControl(s, translate(fist.landmarks, 0, -0.2 + (i % 2 ? 0.03 : -0.03)), A);
    expect(s.thicknessIndex).toBe(settled);
  });
});

describe("hand assignment and mirroring", () => {
  const hand = (lm: Landmark[], handedness: "Left" | "Right"): TrackedHand => ({ handedness, score: 0.9, landmarks: lm });
  const right = hand(translate(point.landmarks, -0.25, 0), "Right");
  const left = hand(mirrorLandmarks(right.landmarks), "Left");

  test("one hand always draws; with two, the dominant one draws", () => {
    expect(assignHands([left])).toEqual({ draw: left, control: null });
    expect(assignHands([left, right])).toEqual({ draw: right, control: left });
    expect(assignHands([right, left], "Left")).toEqual({ draw: left, control: right });
    expect(assignHands([])).toEqual({ draw: null, control: null });
  });

  test("two hands with the same label: position decides", () => {
    const both = [{ ...left, handedness: "Right" as const }, right];
    // The person's right hand is on the image's left in an un-mirrored frame.
    expect(assignHands(both, "Right").draw).toBe(right);
    expect(assignHands(both, "Left").draw).toBe(both[0]!);
  });

  test("mirroring is its own inverse and flips handedness", () => {
    const twice = mirrorLandmarks(mirrorLandmarks(point.landmarks));
    twice.forEach((p, i) => {
      expect(p.x).toBeCloseTo(point.landmarks[i]!.x, 12);
      expect(p.y).toBe(point.landmarks[i]!.y);
    });
    expect(mirrorPoint({ x: 0.2, y: 0.7 })).toEqual({ x: 0.8, y: 0.7 });
    expect(mirrorHandedness("Left")).toBe("Right");
    // Gestures do not change under mirroring.
    const v = vSign(25);
    expect(updateErase(false, mirrorLandmarks(v), A).erasing).toBe(true);
    expect(updatePinch(false, mirrorLandmarks(pinchTo(point.landmarks, 0.02, A)), A).pinching).toBe(true);
  });
});
