/**
 * Real landmark fixtures (tests/fixtures/hands, made by make-fixtures.ts from the fingerpose
 * photos) and geometric variants derived from them: a pinch, a V sign, an open hand, moved and
 * scaled hands. Variants move whole finger chains rigidly, so bone lengths stay real.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Handedness, Landmark } from "../../protocol/hand-tracker.ts";

export interface HandFixture {
  source: string;
  model: string;
  width: number;
  height: number;
  handedness: Handedness;
  score: number;
  landmarks: Landmark[];
}

const DIR = resolve(import.meta.dir, "../fixtures/hands");

export function loadFixture(name: "nocurl" | "halfcurl" | "fullcurl"): HandFixture {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as HandFixture;
}

export const FINGERS = {
  thumb: [1, 2, 3, 4],
  index: [5, 6, 7, 8],
  middle: [9, 10, 11, 12],
  ring: [13, 14, 15, 16],
  pinky: [17, 18, 19, 20],
} as const;
export type Finger = keyof typeof FINGERS;

const clone = (lm: Landmark[]): Landmark[] => lm.map((p) => ({ ...p }));

/** Rotates point p about c by `deg` degrees in pixel space (aspect = width / height). */
function rotate(p: Landmark, c: Landmark, deg: number, aspect: number): Landmark {
  const a = (deg * Math.PI) / 180;
  const dx = (p.x - c.x) * aspect;
  const dy = p.y - c.y;
  return { x: c.x + (dx * Math.cos(a) - dy * Math.sin(a)) / aspect, y: c.y + dx * Math.sin(a) + dy * Math.cos(a), z: p.z };
}

/**
 * Replaces `finger` by a copy of the (extended) index finger chain, moved to the finger's own
 * base joint and turned by `spreadDeg` (positive = clockwise on screen).
 */
export function extendLike(lm: Landmark[], finger: Finger, spreadDeg: number, aspect: number): Landmark[] {
  const out = clone(lm);
  const src = FINGERS.index;
  const dst = FINGERS[finger];
  const base = lm[dst[0]]!;
  const srcBase = lm[src[0]]!;
  for (let i = 1; i < 4; i++) {
    const p = lm[src[i]!]!;
    const moved = { x: p.x - srcBase.x + base.x, y: p.y - srcBase.y + base.y, z: p.z };
    out[dst[i]!] = rotate(moved, base, spreadDeg, aspect);
  }
  return out;
}

/** Turns the whole index finger about its base joint. */
export function turnFinger(lm: Landmark[], finger: Finger, deg: number, aspect: number): Landmark[] {
  const out = clone(lm);
  const chain = FINGERS[finger];
  for (let i = 1; i < 4; i++) out[chain[i]!] = rotate(lm[chain[i]!]!, lm[chain[0]]!, deg, aspect);
  return out;
}

/** Moves the thumb tip (and its last joint, rigidly) so the tip sits `gap` (normalized y units) from the index tip. */
export function pinchTo(lm: Landmark[], gap: number, aspect: number): Landmark[] {
  const out = clone(lm);
  const tip = lm[4]!;
  const target = { x: lm[8]!.x + gap / aspect, y: lm[8]!.y + gap * 0.2, z: lm[8]!.z };
  const dx = target.x - tip.x;
  const dy = target.y - tip.y;
  out[4] = { ...target };
  out[3] = { x: lm[3]!.x + dx * 0.7, y: lm[3]!.y + dy * 0.7, z: lm[3]!.z };
  return out;
}

export function translate(lm: Landmark[], dx: number, dy: number): Landmark[] {
  return lm.map((p) => ({ x: p.x + dx, y: p.y + dy, z: p.z }));
}

/** Scales the hand about its wrist (a hand nearer to / further from the camera). */
export function scaleHand(lm: Landmark[], k: number): Landmark[] {
  const w = lm[0]!;
  return lm.map((p) => ({ x: w.x + (p.x - w.x) * k, y: w.y + (p.y - w.y) * k, z: p.z * k }));
}

/** Small deterministic per-landmark noise (tracking jitter), amplitude in normalized units. */
export function jitter(lm: Landmark[], amplitude: number, seed: number): Landmark[] {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 0xffffffff) * 2 - 1;
  };
  return lm.map((p) => ({ x: p.x + rnd() * amplitude, y: p.y + rnd() * amplitude, z: p.z }));
}
