/**
 * The shared drawing on the negotiated "draw" data channel (peer to peer, ordered), as msgpack.
 *
 *   { v, type: "ops", frame, ops }        stroke ops (protocol/draw-shapes.ts), in the order they were made
 *   { v, type: "snapshot", frame, doc }   a whole stroke document (sent when a peer's channel opens)
 *
 * Strokes belong to a camera frame. `frame` is the participant id of the person whose camera it
 * is: what is drawn on a person's video shows on that person's video on every screen. `v` is
 * DRAW_WIRE_VERSION; a frame of another version is read as `other-version` (never drawn), so a
 * page can say that the other page must be reloaded instead of misdrawing.
 *
 * Points travel as flat integer arrays [x0, y0, x1, y1, ...] in 1/POINT_SCALE units of the frame
 * (0..POINT_SCALE, 3 bytes each), so points made with quantize() round-trip exactly.
 * Everything is validated at run time: decodeDraw never throws and returns null for anything odd
 * or too big (readDraw says why); colours and widths must be the pen's own (PALETTE,
 * THICKNESS_LEVELS); encoders clamp what they send to the same limits. A valid frame can still
 * ask for more than a document may hold (a stroke past DRAW_MAX_STROKE_POINTS, a drawing past
 * DRAW_MAX_DOC_POINTS or DRAW_MAX_STROKES): applyWithin applies ops within those limits, the
 * same for what is drawn here and what a peer sends, and fitDoc cuts any document down to them.
 * Also here: how a received snapshot meets the local copy (mergeDocs), and the sessionStorage
 * form of a page's docs (same encoding).
 */
import { packr } from "./packr.ts";
import { PALETTE, THICKNESS_LEVELS, type Point, type Stroke, type StrokeDoc, type StrokeOp } from "./draw-shapes.ts";
import { PEER_ID_MAX } from "./messages.ts";

/**
 * 2: frames carry `v`, and `frame` is the camera owner's participant id. (1 had no `v` and said
 * `frame` from the sender's side: "mine" for the sender's camera, "yours" for the receiver's.)
 */
export const DRAW_WIRE_VERSION = 2;

/** A camera frame: the participant id of the person whose camera it is. */
export type DrawFrame = string;
export type DrawWire = { type: "ops"; frame: DrawFrame; ops: StrokeOp[] } | { type: "snapshot"; frame: DrawFrame; doc: StrokeDoc };
/** A frame of another drawing version (`v` null: version 1, which had none). */
export type DrawOtherVersion = { type: "other-version"; v: number | null };

export const POINT_SCALE = 10_000;
/** Under Chromium's 256 KiB data-channel message limit. */
export const DRAW_MAX_FRAME_BYTES = 240_000;
export const DRAW_MAX_OPS = 64;
export const DRAW_MAX_ADD_POINTS = 256;
/** Points in one ops frame, all its ops together: a page sends its strokes as they are drawn, a few points a frame. */
export const DRAW_MAX_FRAME_POINTS = 256;
export const DRAW_MAX_STROKES = 1000;
export const DRAW_MAX_STROKE_POINTS = 5000;
export const DRAW_MAX_DOC_POINTS = 25_000;
export const DRAW_MAX_SOURCES = 512;
/** Cameras a page keeps drawings for: everyone in a call of 20, and some who have left. */
export const DRAW_MAX_FRAMES = 32;
/**
 * How much ink, in frame units (the length of a stroke's line, x and y in 0..1): painting costs
 * what the line covers, so 25 000 points scattered over the frame (~13 000 units) took seconds to
 * paint where a drawing made by hand, point after point, is ~0.003 units a point. A stroke may be
 * 50 units long (a scribble across the frame 50 times), a drawing 200.
 */
export const DRAW_MAX_STROKE_LENGTH = 50;
export const DRAW_MAX_DOC_LENGTH = 200;
const MAX_OP_ID = 80;
/** Erases split strokes into pieces named `${strokeId}~${eraseId}~${k}`: ids grow a little each time. */
const MAX_STROKE_ID = 1024;
export const DRAW_MAX_RADIUS = 0.5;

const clamp01 = (v: number) => (v < 0 ? 0 : Math.min(v, 1));
/** Rounds a point to what the wire carries (and clamps it into the frame). */
export const quantize = (p: Point): Point => ({
  x: Math.round(clamp01(p.x) * POINT_SCALE) / POINT_SCALE,
  y: Math.round(clamp01(p.y) * POINT_SCALE) / POINT_SCALE,
});

// ---- encoding ----

const q = (v: number) => Math.round(clamp01(Number.isFinite(v) ? v : 0) * POINT_SCALE);
const flat = (points: readonly Point[]) => points.flatMap((p) => [q(p.x), q(p.y)]);

function opOut(op: StrokeOp): Record<string, unknown> {
  switch (op.type) {
    case "begin":
      return { type: "begin", id: op.id, strokeId: op.strokeId, color: op.color, width: op.width, point: flat([op.point]) };
    case "add":
      return { type: "add", id: op.id, strokeId: op.strokeId, points: flat(op.points.slice(0, DRAW_MAX_ADD_POINTS)) };
    case "end":
      return { type: "end", id: op.id, strokeId: op.strokeId };
    case "erase":
      return { type: "erase", id: op.id, center: flat([op.center]), radius: op.radius };
    case "clear":
      return { type: "clear", id: op.id };
  }
}

const segment = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
/** A line's length in frame units. */
export function lineLength(points: readonly Point[]): number {
  let n = 0;
  for (let i = 1; i < points.length; i++) n += segment(points[i - 1]!, points[i]!);
  return n;
}
/** The first points of a line within `maxPoints` and `maxLength` (after `from`, the point it goes on from). */
function linePrefix(points: readonly Point[], maxPoints: number, maxLength: number, from?: Point): { n: number; length: number } {
  let length = 0;
  let last = from;
  let n = 0;
  for (; n < points.length && n < maxPoints; n++) {
    const d = last ? segment(last, points[n]!) : 0;
    if (length + d > maxLength) break;
    length += d;
    last = points[n];
  }
  return { n, length };
}

/** The newest strokes that fit the limits (an over-full document loses its oldest strokes). */
function fitted(doc: StrokeDoc): Stroke[] {
  const out: Stroke[] = [];
  let points = 0;
  let length = 0;
  let same = true;
  for (let i = doc.strokes.length - 1; i >= 0 && out.length < DRAW_MAX_STROKES; i--) {
    const s = doc.strokes[i]!;
    const fit = linePrefix(s.points, DRAW_MAX_STROKE_POINTS, DRAW_MAX_STROKE_LENGTH);
    if (points + fit.n > DRAW_MAX_DOC_POINTS || length + fit.length > DRAW_MAX_DOC_LENGTH) break;
    points += fit.n;
    length += fit.length;
    if (fit.n !== s.points.length) same = false;
    out.push(fit.n === s.points.length ? s : { ...s, points: s.points.slice(0, fit.n) });
  }
  if (same && out.length === doc.strokes.length) return doc.strokes;
  return out.reverse();
}

export function encodeDraw(msg: DrawWire): Uint8Array<ArrayBuffer> {
  const v = DRAW_WIRE_VERSION;
  if (msg.type === "ops") return packr.pack({ v, type: "ops", frame: msg.frame, ops: msg.ops.slice(0, DRAW_MAX_OPS).map(opOut) }) as Uint8Array<ArrayBuffer>;
  const applied = Object.entries(msg.doc.applied).slice(-DRAW_MAX_SOURCES);
  const strokes = fitted(msg.doc).map((s) => ({ id: s.id, color: s.color, width: s.width, points: flat(s.points), done: s.done }));
  return packr.pack({
    v,
    type: "snapshot",
    frame: msg.frame,
    doc: { strokes, applied: Object.fromEntries(applied), aspect: msg.doc.aspect },
  }) as Uint8Array<ArrayBuffer>;
}

// ---- decoding ----

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max: number): x is string => typeof x === "string" && x.length > 0 && x.length <= max;
const isNum = (x: unknown, min: number, max: number): x is number => typeof x === "number" && Number.isFinite(x) && x >= min && x <= max;
const isColor = (x: unknown): x is string => (PALETTE as readonly unknown[]).includes(x);
const isWidth = (x: unknown): x is number => (THICKNESS_LEVELS as readonly unknown[]).includes(x);
const isFrame = (x: unknown): x is DrawFrame => isStr(x, PEER_ID_MAX);

/** A flat coordinate array: even length, at least 2 and at most 2 * max values, each 0..POINT_SCALE. */
function pointsIn(x: unknown, max: number): Point[] | null {
  if (!Array.isArray(x) || x.length < 2 || x.length % 2 || x.length > 2 * max) return null;
  const out: Point[] = [];
  for (let i = 0; i < x.length; i += 2) {
    const a: unknown = x[i];
    const b: unknown = x[i + 1];
    if (!Number.isInteger(a) || !Number.isInteger(b) || !isNum(a, 0, POINT_SCALE) || !isNum(b, 0, POINT_SCALE)) return null;
    out.push({ x: a / POINT_SCALE, y: b / POINT_SCALE });
  }
  return out;
}

function opIn(x: unknown): StrokeOp | null {
  if (!isObj(x) || !isStr(x.id, MAX_OP_ID)) return null;
  const id = x.id;
  const strokeOk = isStr(x.strokeId, MAX_STROKE_ID);
  switch (x.type) {
    case "begin": {
      const point = pointsIn(x.point, 1);
      if (!strokeOk || !point || !isColor(x.color) || !isWidth(x.width)) return null;
      return { type: "begin", id, strokeId: x.strokeId as string, color: x.color, width: x.width, point: point[0]! };
    }
    case "add": {
      const points = pointsIn(x.points, DRAW_MAX_ADD_POINTS);
      return strokeOk && points ? { type: "add", id, strokeId: x.strokeId as string, points } : null;
    }
    case "end":
      return strokeOk ? { type: "end", id, strokeId: x.strokeId as string } : null;
    case "erase": {
      const center = pointsIn(x.center, 1);
      return center && isNum(x.radius, 1e-6, DRAW_MAX_RADIUS) ? { type: "erase", id, center: center[0]!, radius: x.radius } : null;
    }
    case "clear":
      return { type: "clear", id };
    default:
      return null;
  }
}

function docIn(x: unknown): StrokeDoc | string {
  if (!isObj(x) || !Array.isArray(x.strokes) || !isObj(x.applied) || !isNum(x.aspect, 0.2, 5)) return "a malformed snapshot";
  if (x.strokes.length > DRAW_MAX_STROKES) return `a snapshot of ${x.strokes.length} strokes (at most ${DRAW_MAX_STROKES})`;
  const sources = Object.entries(x.applied);
  if (sources.length > DRAW_MAX_SOURCES) return `a snapshot from ${sources.length} sources (at most ${DRAW_MAX_SOURCES})`;
  const applied: Record<string, number> = {};
  for (const [source, seq] of sources) {
    if (!isStr(source, MAX_OP_ID) || !Number.isSafeInteger(seq) || (seq as number) < 1) return "a snapshot with a malformed op record";
    applied[source] = seq as number;
  }
  const strokes: Stroke[] = [];
  const ids = new Set<string>();
  let total = 0;
  let ink = 0;
  for (const s of x.strokes as unknown[]) {
    if (!isObj(s) || !isStr(s.id, MAX_STROKE_ID) || ids.has(s.id) || !isColor(s.color) || !isWidth(s.width) || typeof s.done !== "boolean")
      return "a snapshot with a malformed stroke";
    // A stroke still being drawn whose end was erased is an empty stub.
    const points = Array.isArray(s.points) && s.points.length === 0 && !s.done ? [] : pointsIn(s.points, DRAW_MAX_STROKE_POINTS);
    if (!points) return "a snapshot with malformed or too many points in a stroke";
    if ((total += points.length) > DRAW_MAX_DOC_POINTS) return `a snapshot of over ${DRAW_MAX_DOC_POINTS} points`;
    const length = lineLength(points);
    if (length > DRAW_MAX_STROKE_LENGTH || (ink += length) > DRAW_MAX_DOC_LENGTH) return "a snapshot with too long lines";
    ids.add(s.id);
    strokes.push({ id: s.id, color: s.color, width: s.width, points, done: s.done });
  }
  return { strokes, applied, aspect: x.aspect };
}

/**
 * The frame, a frame of another version, or why it is refused (never throws). `anyVersion`: read
 * what this page kept itself (sessionStorage), whichever version wrote it.
 */
export function readDraw(data: ArrayBuffer | Uint8Array, { anyVersion = false } = {}): DrawWire | DrawOtherVersion | string {
  try {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (bytes.byteLength === 0) return "an empty frame";
    if (bytes.byteLength > DRAW_MAX_FRAME_BYTES) return `a frame of ${bytes.byteLength} bytes (at most ${DRAW_MAX_FRAME_BYTES})`;
    const x: unknown = packr.unpack(bytes);
    if (!isObj(x)) return "not a drawing frame";
    if (x.v !== DRAW_WIRE_VERSION && !anyVersion) {
      if (x.v === undefined && (x.frame === "mine" || x.frame === "yours")) return { type: "other-version", v: null };
      if (Number.isSafeInteger(x.v)) return { type: "other-version", v: x.v as number };
      return "not a drawing frame";
    }
    if (!isFrame(x.frame)) return "not a drawing frame";
    if (x.type === "ops") {
      if (!Array.isArray(x.ops) || x.ops.length === 0) return "a malformed ops frame";
      if (x.ops.length > DRAW_MAX_OPS) return `a frame of ${x.ops.length} ops (at most ${DRAW_MAX_OPS})`;
      const ops: StrokeOp[] = [];
      let points = 0;
      for (const [i, raw] of (x.ops as unknown[]).entries()) {
        const op = opIn(raw);
        if (!op) return `a malformed op (#${i}${isObj(raw) && typeof raw.type === "string" ? `, ${raw.type.slice(0, 10)}` : ""})`;
        points += op.type === "add" ? op.points.length : 1;
        if (points > DRAW_MAX_FRAME_POINTS) return `a frame of more than ${DRAW_MAX_FRAME_POINTS} points`;
        ops.push(op);
      }
      return { type: "ops", frame: x.frame, ops };
    }
    if (x.type === "snapshot") {
      const doc = docIn(x.doc);
      return typeof doc === "string" ? doc : { type: "snapshot", frame: x.frame, doc };
    }
    return "not a drawing frame";
  } catch {
    return "not msgpack";
  }
}

export function decodeDraw(data: ArrayBuffer | Uint8Array, options?: { anyVersion?: boolean }): DrawWire | null {
  const wire = readDraw(data, options);
  return typeof wire === "string" || wire.type === "other-version" ? null : wire;
}

// ---- documents within the limits ----

export const docPoints = (doc: StrokeDoc) => doc.strokes.reduce((n, s) => n + s.points.length, 0);
export const docLength = (doc: StrokeDoc) => doc.strokes.reduce((n, s) => n + lineLength(s.points), 0);

/** The document cut down to the limits: its newest strokes that fit, its newest op sources. Itself when it fits. */
export function fitDoc(doc: StrokeDoc): StrokeDoc {
  const strokes = fitted(doc);
  const sources = Object.keys(doc.applied);
  if (strokes === doc.strokes && sources.length <= DRAW_MAX_SOURCES) return doc;
  const applied = sources.length <= DRAW_MAX_SOURCES ? doc.applied : Object.fromEntries(Object.entries(doc.applied).slice(-DRAW_MAX_SOURCES));
  return { ...doc, strokes, applied };
}

/** A document's size, for the limits. */
export interface DocSize {
  points: number;
  length: number;
}
export const docSize = (doc: StrokeDoc | undefined): DocSize => (doc ? { points: docPoints(doc), length: docLength(doc) } : { points: 0, length: 0 });

/**
 * How many of `points` may go on the end of the stroke within the limits (points and length of
 * the stroke and of the drawing), and the length they add; none if there is no such stroke
 * still being drawn.
 */
export function roomInStroke(doc: StrokeDoc | undefined, strokeId: string, points: readonly Point[], size = docSize(doc)): { n: number; length: number } {
  const stroke = doc?.strokes.find((s) => s.id === strokeId);
  if (!stroke || stroke.done) return { n: 0, length: 0 };
  const maxPoints = Math.min(DRAW_MAX_STROKE_POINTS - stroke.points.length, DRAW_MAX_DOC_POINTS - size.points);
  const maxLength = Math.min(DRAW_MAX_STROKE_LENGTH - lineLength(stroke.points), DRAW_MAX_DOC_LENGTH - size.length);
  return maxPoints <= 0 || maxLength < 0 ? { n: 0, length: 0 } : linePrefix(points, maxPoints, maxLength, stroke.points.at(-1));
}

/** Room for a new stroke? */
export const roomForStroke = (doc: StrokeDoc | undefined, size = docSize(doc)) =>
  !doc || (doc.strokes.length < DRAW_MAX_STROKES && size.points < DRAW_MAX_DOC_POINTS && size.length < DRAW_MAX_DOC_LENGTH);

// ---- snapshots meet local copies ----

/** Has `a` applied everything `b` has? */
const covers = (a: StrokeDoc, b: StrokeDoc) => Object.entries(b.applied).every(([source, seq]) => (a.applied[source] ?? 0) >= seq);

/**
 * What a received snapshot of a frame's doc makes of our copy. The one that has seen every op the
 * other has seen wins (a reload that lost its copy, a late joiner); if each saw ops the other did
 * not (both drew while apart), strokes missing here are added. The camera's owner says what the
 * frame's aspect is: `remoteOwnsFrame` when the snapshot comes from the camera's owner.
 * Returns `local` itself when nothing changes.
 */
export function mergeDocs(local: StrokeDoc | undefined, remote: StrokeDoc, remoteOwnsFrame: boolean): StrokeDoc {
  if (!local) return fitDoc(remote);
  const aspect = remoteOwnsFrame ? remote.aspect : local.aspect;
  if (covers(local, remote)) return aspect === local.aspect ? local : { ...local, aspect };
  if (covers(remote, local)) return fitDoc({ ...remote, aspect });
  const ids = new Set(local.strokes.map((s) => s.id));
  const applied = { ...local.applied };
  for (const [source, seq] of Object.entries(remote.applied)) applied[source] = Math.max(applied[source] ?? 0, seq);
  return fitDoc({ strokes: [...local.strokes, ...remote.strokes.filter((s) => !ids.has(s.id))], applied, aspect });
}

// ---- kept in sessionStorage ----

const toBase64 = (bytes: Uint8Array) => {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
};
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** sessionStorage form of a page's docs (frame → doc): each doc as a base64 msgpack snapshot (validated again when read, of any version). */
export function storeDocs(docs: Record<string, StrokeDoc>): string {
  const out: Record<string, string> = {};
  for (const [frame, doc] of Object.entries(docs)) out[frame] = toBase64(encodeDraw({ type: "snapshot", frame, doc }));
  return JSON.stringify(out);
}

export function parseStoredDocs(raw: string | null): Record<string, StrokeDoc> {
  const docs: Record<string, StrokeDoc> = {};
  try {
    const x: unknown = raw ? JSON.parse(raw) : null;
    if (!x || typeof x !== "object") return docs;
    for (const [frame, b64] of Object.entries(x)) {
      const wire = typeof b64 === "string" ? decodeDraw(fromBase64(b64), { anyVersion: true }) : null;
      if (wire?.type === "snapshot") docs[frame] = wire.doc;
    }
  } catch {
    // A damaged entry: start afresh.
  }
  return docs;
}
