/**
 * Pure, serializable stroke model for the shared drawing. Coordinates are normalized to the
 * camera frame (0..1, x right, y down, NOT mirrored; mirror at render time for the selfie view),
 * widths and radii in frame-height units (see drawing/gestures.ts). Distances use the frame's
 * aspect (width / height) so an eraser is a circle on screen.
 *
 * Every change is an op with an id `${source}:${seq}` (idMaker): seq counts up from 1 per source
 * (a peer, or a peer's session). applyOp keeps the highest seq applied per source and ignores
 * anything at or below it, so ops can be re-sent or echoed safely and the bookkeeping stays one
 * number per source. Ops from one source must therefore arrive in order (an ordered data
 * channel); ops with a malformed id are ignored. Concurrent ops from two peers converge in the
 * common cases: an erase that splits a stroke still being drawn keeps the stroke's id on the
 * piece holding its end (an empty stub if the end was erased), so the drawer's later "add" ops
 * still land. Split-off pieces get deterministic ids (`${strokeId}~${eraseOpId}~${k}`).
 */
import type { Point, Stroke, StrokeDoc, StrokeOp } from "../protocol/draw-shapes.ts";

export type { Point, Stroke, StrokeDoc, StrokeOp };

export function emptyDoc(aspect = 16 / 9): StrokeDoc {
  return { strokes: [], applied: {}, aspect };
}

/** Splits `${source}:${seq}`; null when malformed. The source may itself contain ":". */
export function parseOpId(id: string): { source: string; seq: number } | null {
  const cut = id.lastIndexOf(":");
  if (cut <= 0) return null;
  const seq = Number(id.slice(cut + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? { source: id.slice(0, cut), seq } : null;
}

/** Applies one op; returns the same doc object when the op was already applied or is malformed. */
export function applyOp(doc: StrokeDoc, op: StrokeOp): StrokeDoc {
  const parsed = parseOpId(op.id);
  if (!parsed || parsed.seq <= (doc.applied[parsed.source] ?? 0)) return doc;
  const strokes = nextStrokes(doc, op);
  return { ...doc, strokes, applied: { ...doc.applied, [parsed.source]: parsed.seq } };
}

export function applyOps(doc: StrokeDoc, ops: readonly StrokeOp[]): StrokeDoc {
  return ops.reduce(applyOp, doc);
}

function nextStrokes(doc: StrokeDoc, op: StrokeOp): Stroke[] {
  switch (op.type) {
    case "begin": {
      if (doc.strokes.some((s) => s.id === op.strokeId)) return doc.strokes;
      const stroke: Stroke = { id: op.strokeId, color: op.color, width: op.width, points: [op.point], done: false };
      if (op.author !== undefined) stroke.author = op.author;
      return [...doc.strokes, stroke];
    }
    case "add":
      return doc.strokes.map((s) => (s.id === op.strokeId && !s.done ? { ...s, points: [...s.points, ...op.points] } : s));
    case "end":
      return doc.strokes.flatMap((s) => (s.id !== op.strokeId ? [s] : s.points.length ? [{ ...s, done: true }] : []));
    case "erase":
      return doc.strokes.flatMap((s) => eraseStroke(s, op.center, op.radius, doc.aspect, op.id));
    case "clear":
      return [];
  }
}

/**
 * Parameters t in [0, 1] where segment a→b is inside the circle (centre c, radius r), or null.
 * Works in pixel-proportional space: x scaled by aspect.
 */
function insideInterval(a: Point, b: Point, c: Point, r: number, aspect: number): [number, number] | null {
  const ax = (a.x - c.x) * aspect;
  const ay = a.y - c.y;
  const dx = (b.x - a.x) * aspect;
  const dy = b.y - a.y;
  const A = dx * dx + dy * dy;
  const B = 2 * (ax * dx + ay * dy);
  const C = ax * ax + ay * ay - r * r;
  if (A < 1e-12) return C <= 0 ? [0, 1] : null;
  const disc = B * B - 4 * A * C;
  if (disc <= 0) return null;
  const sq = Math.sqrt(disc);
  const t1 = (-B - sq) / (2 * A);
  const t2 = (-B + sq) / (2 * A);
  if (t2 <= 0 || t1 >= 1) return null;
  return [Math.max(0, t1), Math.min(1, t2)];
}

const lerp = (a: Point, b: Point, t: number): Point => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });

function isInside(p: Point, c: Point, r: number, aspect: number): boolean {
  return Math.hypot((p.x - c.x) * aspect, p.y - c.y) <= r;
}

/**
 * Cuts the parts of a stroke within `radius` (plus half the stroke width) of `center` out of it.
 * Returns [] (all erased), [stroke] (untouched, same object) or the remaining pieces.
 */
export function eraseStroke(stroke: Stroke, center: Point, radius: number, aspect: number, opId: string): Stroke[] {
  const r = radius + stroke.width / 2;
  const pts = stroke.points;
  if (pts.length === 0) return [stroke];
  if (pts.length === 1) return isInside(pts[0]!, center, r, aspect) ? keepStub(stroke) : [stroke];

  const pieces: Point[][] = [];
  let current: Point[] = isInside(pts[0]!, center, r, aspect) ? [] : [pts[0]!];
  let touched = current.length === 0;
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[i + 1]!;
    const hit = insideInterval(a, b, center, r, aspect);
    if (!hit) {
      current.push(b);
      continue;
    }
    touched = true;
    const [t1, t2] = hit;
    if (t1 > 0) current.push(lerp(a, b, t1));
    if (current.length >= 2) pieces.push(current);
    current = [];
    if (t2 < 1) current.push(lerp(a, b, t2), b);
  }
  if (!touched) return [stroke];
  const endKept = current.length >= 2;
  if (endKept) pieces.push(current);

  const out: Stroke[] = pieces.map((points, k) => {
    const last = endKept && k === pieces.length - 1;
    return { ...stroke, id: last ? stroke.id : `${stroke.id}~${opId}~${k}`, points, done: last ? stroke.done : true };
  });
  return endKept ? out : [...out, ...keepStub(stroke)];
}

/** A stroke still being drawn whose end was erased keeps an empty stub, so later adds land. */
function keepStub(stroke: Stroke): Stroke[] {
  return stroke.done ? [] : [{ ...stroke, points: [] }];
}

/** Drawable strokes (stubs have no points). */
export function visibleStrokes(doc: StrokeDoc): Stroke[] {
  return doc.strokes.filter((s) => s.points.length > 0);
}

/**
 * Makes op (and stroke) ids for one source: `${source}:1`, `${source}:2`, ... Use a fresh source
 * per session (e.g. the peer id plus a random suffix) so a reload does not reuse old seqs.
 */
export function idMaker(source: string): () => string {
  let n = 0;
  return () => `${source}:${++n}`;
}
