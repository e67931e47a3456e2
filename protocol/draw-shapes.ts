/**
 * The shapes a drawing is made of, as they cross the wire (protocol/draw-wire.ts) and as the
 * drawing's pure model (drawing/strokes.ts) keeps them. Coordinates are normalized to the camera
 * frame (0..1, x right, y down); widths and radii in frame-height units.
 */

/** A position in normalized frame coordinates (0..1, x right, y down). */
export interface Point {
  x: number;
  y: number;
}

export interface Stroke {
  id: string;
  color: string;
  width: number;
  points: Point[];
  /** false while the pen is down. */
  done: boolean;
  author?: string;
}

export interface StrokeDoc {
  strokes: Stroke[];
  /** Highest op seq applied, per op source. */
  applied: Record<string, number>;
  /** Frame width / height, for erase distances. */
  aspect: number;
}

export type StrokeOp =
  | { type: "begin"; id: string; strokeId: string; color: string; width: number; point: Point; author?: string }
  | { type: "add"; id: string; strokeId: string; points: Point[] }
  | { type: "end"; id: string; strokeId: string }
  | { type: "erase"; id: string; center: Point; radius: number }
  | { type: "clear"; id: string };

/** The pen's colours: nothing else is drawn or accepted from a peer. */
export const PALETTE = ["#ff3b30", "#34c759", "#0a84ff", "#ffd60a"] as const;
/** Stroke widths in frame-height units (0.004 is ~3 px at 720p). */
export const THICKNESS_LEVELS = [0.004, 0.008, 0.014, 0.022, 0.032] as const;
