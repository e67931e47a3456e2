/**
 * Pure gesture recognition over the 21 MediaPipe hand landmarks (normalized frame coordinates,
 * x right / y down in 0..1). Frames are rarely square, so every distance is measured in frame
 * *height* units: x is multiplied by `aspect` (frame width / height) first. Thresholds are
 * relative to the hand's own size, so they hold near to and far from the camera.
 *
 * Drawing hand (see assignHands):
 *   - pinch (thumb tip on index tip) = pen down; hysteresis (enter < 0.30, leave > 0.42 hand
 *     sizes) keeps tracking jitter from breaking a stroke;
 *   - erase = index and middle fingers extended and spread (a "V", an open hand also counts):
 *     the eraser sits between the two fingertips and its radius is half their distance, so
 *     spreading the fingers wider erases wider, in screen space, as the user sees it;
 *   - anything else = hover (pointer shown, nothing drawn).
 * Other hand (colour/thickness control, see updateControl):
 *   - extended fingers (index..pinky, thumb ignored: its extension is unreliable) pick the
 *     colour: 1..4 fingers = PALETTE[0..3]; a fist (0) keeps the current one. A count must be
 *     stable for CONTROL_STABLE_FRAMES frames before it applies;
 *   - hand height picks the thickness: raised high = thickest, low = thinnest, quantized to
 *     THICKNESS_LEVELS with a dead zone so it does not flicker between levels.
 */
import { PALETTE, THICKNESS_LEVELS, type Point } from "../protocol/draw-shapes.ts";
import type { Handedness, Landmark, TrackedHand } from "../protocol/hand-tracker.ts";

export { PALETTE, THICKNESS_LEVELS, type Point };

export const WRIST = 0;
export const THUMB_TIP = 4;
export const INDEX_MCP = 5;
export const INDEX_TIP = 8;
export const MIDDLE_MCP = 9;
export const MIDDLE_TIP = 12;
export const PINKY_MCP = 17;
/** [mcp, pip, dip, tip] for index, middle, ring, pinky. */
export const FINGER_CHAINS = [
  [5, 6, 7, 8],
  [9, 10, 11, 12],
  [13, 14, 15, 16],
  [17, 18, 19, 20],
] as const;

function at(lm: readonly Landmark[], i: number): Landmark {
  const p = lm[i];
  if (!p) throw new RangeError(`expected 21 landmarks, missing #${i}`);
  return p;
}

/** Distance between landmarks i and j in frame-height units. */
export function dist(lm: readonly Landmark[], i: number, j: number, aspect = 1): number {
  const a = at(lm, i);
  const b = at(lm, j);
  return Math.hypot((a.x - b.x) * aspect, a.y - b.y);
}

export function midpoint(lm: readonly Landmark[], i: number, j: number): Point {
  const a = at(lm, i);
  const b = at(lm, j);
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/**
 * Hand size in frame-height units: wrist to middle-finger base, or the knuckle width scaled to
 * the same length, whichever is larger (each one shrinks when the hand turns a different way).
 */
export function handSize(lm: readonly Landmark[], aspect = 1): number {
  return Math.max(dist(lm, WRIST, MIDDLE_MCP, aspect), dist(lm, INDEX_MCP, PINKY_MCP, aspect) * 1.25, 1e-6);
}

/**
 * How straight a finger is: chord mcp→tip over the bone path length. 1 = straight; > 0.88
 * counts as extended; a hooked finger is ~0.8, a curled one ~0.45 (measured on the fixtures).
 * `finger` 0..3 = index..pinky.
 */
export function straightness(lm: readonly Landmark[], finger: number, aspect = 1): number {
  const chain = FINGER_CHAINS[finger];
  if (!chain) throw new RangeError(`finger ${finger}`);
  const [mcp, pip, dip, tip] = chain;
  const path = dist(lm, mcp, pip, aspect) + dist(lm, pip, dip, aspect) + dist(lm, dip, tip, aspect);
  return path > 0 ? dist(lm, mcp, tip, aspect) / path : 0;
}

/** Extended = nearly straight and pointing away from the wrist. */
export function isExtended(lm: readonly Landmark[], finger: number, aspect = 1): boolean {
  const chain = FINGER_CHAINS[finger];
  if (!chain) throw new RangeError(`finger ${finger}`);
  return straightness(lm, finger, aspect) > 0.88 && dist(lm, WRIST, chain[3], aspect) > dist(lm, WRIST, chain[1], aspect) * 1.1;
}

export function extendedFingerCount(lm: readonly Landmark[], aspect = 1): number {
  let n = 0;
  for (let f = 0; f < 4; f++) if (isExtended(lm, f, aspect)) n++;
  return n;
}

// ---- pinch ----

export const PINCH_ENTER = 0.3;
export const PINCH_EXIT = 0.42;

export interface PinchReading {
  pinching: boolean;
  /** Thumb-tip to index-tip distance over hand size. */
  ratio: number;
  /** Pen position: between the two fingertips. */
  point: Point;
}

export function updatePinch(wasPinching: boolean, lm: readonly Landmark[], aspect = 1): PinchReading {
  const ratio = dist(lm, THUMB_TIP, INDEX_TIP, aspect) / handSize(lm, aspect);
  const pinching = wasPinching ? ratio < PINCH_EXIT : ratio < PINCH_ENTER;
  return { pinching, ratio, point: midpoint(lm, THUMB_TIP, INDEX_TIP) };
}

// ---- erase ----

export const ERASE_SPREAD_ENTER = 0.32;
export const ERASE_SPREAD_EXIT = 0.22;
export const ERASE_RADIUS_MIN = 0.015;
export const ERASE_RADIUS_MAX = 0.2;

export interface EraseReading {
  erasing: boolean;
  /** Index-tip to middle-tip distance over hand size. */
  spread: number;
  center: Point;
  /** Frame-height units (a stroke point p is erased when its pixel distance / height < radius). */
  radius: number;
}

export function updateErase(wasErasing: boolean, lm: readonly Landmark[], aspect = 1): EraseReading {
  const size = handSize(lm, aspect);
  const tipGap = dist(lm, INDEX_TIP, MIDDLE_TIP, aspect);
  const spread = tipGap / size;
  const fingersUp = isExtended(lm, 0, aspect) && isExtended(lm, 1, aspect);
  const erasing = fingersUp && (wasErasing ? spread > ERASE_SPREAD_EXIT : spread > ERASE_SPREAD_ENTER);
  const radius = Math.min(ERASE_RADIUS_MAX, Math.max(ERASE_RADIUS_MIN, tipGap / 2));
  return { erasing, spread, center: midpoint(lm, INDEX_TIP, MIDDLE_TIP), radius };
}

// ---- the drawing hand's mode ----

export type DrawMode = "draw" | "erase" | "hover";

export interface DrawReading {
  mode: DrawMode;
  /** Where to draw / the eraser centre / the hover pointer. */
  point: Point;
  eraseRadius: number;
  pinch: PinchReading;
  erase: EraseReading;
}

/** Pinch wins over erase (a pinch never has index and middle spread apart anyway). */
export function readDrawingHand(prev: DrawMode, lm: readonly Landmark[], aspect = 1): DrawReading {
  const pinch = updatePinch(prev === "draw", lm, aspect);
  const erase = updateErase(prev === "erase", lm, aspect);
  const mode: DrawMode = pinch.pinching ? "draw" : erase.erasing ? "erase" : "hover";
  const point = mode === "erase" ? erase.center : mode === "draw" ? pinch.point : { x: at(lm, INDEX_TIP).x, y: at(lm, INDEX_TIP).y };
  return { mode, point, eraseRadius: erase.radius, pinch, erase };
}

// ---- the other hand: colour and thickness ----

export const CONTROL_STABLE_FRAMES = 4;

export interface ControlState {
  colorIndex: number;
  thicknessIndex: number;
  /** Finger count seen in the last frames and for how many frames in a row. */
  candidateCount: number;
  candidateFrames: number;
}

export const INITIAL_CONTROL: ControlState = { colorIndex: 0, thicknessIndex: 1, candidateCount: -1, candidateFrames: 0 };

/** Continuous thickness level 0..(levels-1) from the palm centre height: top of frame = thickest. */
export function thicknessLevel(lm: readonly Landmark[]): number {
  const y = (at(lm, WRIST).y + at(lm, MIDDLE_MCP).y) / 2;
  const t = Math.min(1, Math.max(0, (0.85 - y) / 0.7)); // y 0.85 → 0, y 0.15 → 1
  return t * (THICKNESS_LEVELS.length - 1);
}

export function updateControl(prev: ControlState, lm: readonly Landmark[], aspect = 1): ControlState {
  const count = extendedFingerCount(lm, aspect);
  const candidateFrames = count === prev.candidateCount ? prev.candidateFrames + 1 : 1;
  const colorIndex = count > 0 && candidateFrames >= CONTROL_STABLE_FRAMES ? count - 1 : prev.colorIndex;
  const level = thicknessLevel(lm);
  // Dead zone: move to a new level only when clearly past the midpoint between levels.
  const thicknessIndex = Math.abs(level - prev.thicknessIndex) > 0.75 ? Math.round(level) : prev.thicknessIndex;
  return { colorIndex, thicknessIndex, candidateCount: count, candidateFrames };
}

export function controlStyle(state: ControlState): { color: string; width: number } {
  return {
    color: PALETTE[state.colorIndex] ?? PALETTE[0],
    width: THICKNESS_LEVELS[state.thicknessIndex] ?? THICKNESS_LEVELS[1],
  };
}

// ---- which hand does what ----

/**
 * Splits detected hands into the drawing hand and the control hand. With one hand visible it
 * always draws (handedness scores of a lone hand are often near 0.5). With two, the one labelled
 * `dominant` draws; if both carry the same label, the one on the dominant side of the person
 * draws (in an un-mirrored camera frame the person's right hand is on the image's left).
 */
export function assignHands(hands: readonly TrackedHand[], dominant: Handedness = "Right"): { draw: TrackedHand | null; control: TrackedHand | null } {
  const [a, b] = hands;
  if (!a) return { draw: null, control: null };
  if (!b) return { draw: a, control: null };
  if (a.handedness !== b.handedness) return a.handedness === dominant ? { draw: a, control: b } : { draw: b, control: a };
  const ax = at(a.landmarks, WRIST).x;
  const bx = at(b.landmarks, WRIST).x;
  const aIsDominantSide = dominant === "Right" ? ax < bx : ax > bx;
  return aIsDominantSide ? { draw: a, control: b } : { draw: b, control: a };
}

// ---- mirroring for the selfie view ----

/**
 * The local preview is shown mirrored (like a mirror), while the camera frame, the landmarks
 * and the shared strokes are not. Use these to go between the two (it is its own inverse).
 */
export function mirrorPoint(p: Point): Point {
  return { x: 1 - p.x, y: p.y };
}

export function mirrorLandmarks(lm: readonly Landmark[]): Landmark[] {
  return lm.map((p) => ({ x: 1 - p.x, y: p.y, z: p.z }));
}

export function mirrorHandedness(h: Handedness): Handedness {
  return h === "Left" ? "Right" : "Left";
}
