/**
 * Drawing on the call with your hands (or a mouse or finger). Invoked by the call's `inRoom` state
 * as "drawing", it speaks FeatureInbound/FeatureOutbound on the "draw" channel.
 *
 * Strokes belong to a camera frame: docs.self is drawn on MY camera's picture (by my hands, or
 * with a pointer on my own video), docs[peer] on that participant's camera picture (a pointer on
 * their video). Each is shown over the video of that camera on every screen: my hand strokes over
 * my (mirrored) preview here and over my video on the others'. Coordinates are normalized
 * to the camera frame, un-mirrored (drawing/strokes.ts), so every screen scales them to its own
 * video rectangle. Ops go out to everyone as they are made, addressed by the camera owner's
 * participant id (protocol/draw-wire.ts; ours comes from the call, DRAW.SELF); a peer whose
 * channel opens (a late joiner, a reload) gets snapshots; the docs are kept in sessionStorage per
 * room. Frames of another drawing version are not drawn: a notice says which page to reload.
 *
 * States: off → active.hands (loading → tracking.handLost/handFound ⇄ drawing / erasing) or
 * active.error (no model, no WebGL, no camera: said in words, pointer drawing still works).
 * The worker lives exactly as long as active.hands (the handTracking actor).
 */
import { assign, enqueueActions, type EventObject, fromCallback, sendTo, setup, type ActorRefFrom, type SnapshotFrom } from "xstate";
import { applyWithin } from "../../drawing/within-limits.ts";
import {
  DRAW_MAX_ADD_POINTS,
  DRAW_MAX_FRAMES,
  DRAW_WIRE_VERSION,
  encodeDraw,
  mergeDocs,
  parseStoredDocs,
  quantize,
  readDraw,
  roomForStroke,
  roomInStroke,
  storeDocs,
} from "../../protocol/draw-wire.ts";
import type { DrawMode, Point } from "../../drawing/gestures.ts";
import { PALETTE, THICKNESS_LEVELS } from "../../protocol/draw-shapes.ts";
import type { LoadProgress } from "../../protocol/hand-tracker.ts";
import { emptyDoc, type StrokeDoc, type StrokeOp } from "../../drawing/strokes.ts";
import { transportOf, type FeatureInbound, type FeatureOutbound } from "../transport/channels.ts";
import type { HandTrackingEvent, HandTrackingInput } from "./hand-tracking.ts";
import { handTrackingActor } from "./hands-on-demand.ts";
import { anyText, readStored, writeStored } from "../storage.ts";
import { NOTIFY_ID } from "../system-ids.ts";
import { DRAW_RATE, dropped, newReceipt, type PeerReceipt, spend } from "./draw-receipts.ts";

export { DRAW_RATE };

export const SELF_FRAME = "self";

export interface DrawingInput {
  room: string;
  /** Our participant id in the room (the camera frame others address our video by); DRAW.SELF tells of it. */
  self?: string | null;
  /** The local camera (null while sharing the screen): hands are tracked on it. DRAW.CAMERA tells of a switch. */
  camera: MediaStream | null;
  /** The clock for the per-peer rates (ms); performance.now by default. */
  now?: () => number;
}

export interface DrawingContext extends DrawingInput {
  /** This page's op source (fresh per load: a reload never reuses op ids). */
  source: string;
  seq: number;
  /** SELF_FRAME or a peer id → the strokes on that camera's picture. */
  docs: Record<string, StrokeDoc>;
  pen: { color: string; width: number };
  /** The stroke the hand is drawing (on SELF_FRAME), and the pointer's. */
  handStroke: string | null;
  pointer: { frame: string; strokeId: string; last: Point } | null;
  /** Where the drawing hand is (for the on-screen pointer). */
  cursor: { mode: DrawMode; point: Point; radius: number } | null;
  progress: LoadProgress | null;
  error: { code: string; text: string } | null;
  /** A peer's page speaks another drawing version ("older": it must reload; "newer": this page must). */
  otherVersion: "older" | "newer" | null;
  /** Per-peer receipt budget and drop log (kept out of snapshots' equality: mutated in place). */
  receipts: Map<string, PeerReceipt>;
}

export type DrawUiEvent =
  | { type: "DRAW.TOGGLE" }
  | { type: "DRAW.RETRY" }
  | { type: "DRAW.CLEAR" }
  | { type: "DRAW.SET_PEN"; color?: string; width?: number }
  | { type: "DRAW.POINTER_DOWN"; frame: string; point: Point }
  | { type: "DRAW.POINTER_MOVE"; points: Point[] }
  | { type: "DRAW.POINTER_UP" };
/** From the call: the local camera changed (switched, or a screen is shared instead: null). */
export type DrawCameraEvent = { type: "DRAW.CAMERA"; stream: MediaStream | null };
/** From the call: our participant id in the room (joined). */
export type DrawSelfEvent = { type: "DRAW.SELF"; self: string };

export type DrawingEvent = FeatureInbound | DrawUiEvent | DrawCameraEvent | DrawSelfEvent | HandTrackingEvent;

/** What to tell the user when a peer's page draws in another version. */
export const otherVersionText = (kind: "older" | "newer") =>
  kind === "older"
    ? "The other person's OneLink is an older version: their drawings cannot be shown here until they reload their page."
    : "OneLink has been updated: reload this page to see the other person's drawings.";

export const drawStorageKey = (room: string) => `onelink.draw.${room}`;
/** Points closer than this to the previous one are skipped (frame units). */
const MIN_STEP = 0.002;

const ERROR_TEXT: Record<string, string> = {
  "webgl-unavailable": "Hand drawing needs WebGL, which is turned off in this browser.",
  "wasm-load-failed": "The hand-tracking program could not be loaded.",
  "code-load-failed": "The hand-tracking program could not be loaded.",
  "model-fetch-failed": "The hand-tracking model could not be loaded.",
  "model-invalid": "The hand-tracking model is damaged.",
  "no-camera": "Hand drawing needs your camera.",
  timeout: "Hand tracking did not start in time.",
};
export const errorText = (code: string) => ERROR_TEXT[code] ?? "Hand tracking stopped.";

/** The camera frame on the wire: its owner's participant id (null for ours before we joined: nobody to tell yet). */
const wireFrame = (ctx: DrawingContext, frame: string) => (frame === SELF_FRAME ? (ctx.self ?? null) : frame);
/** The local camera frame of a frame on the wire; null if it names one this page may not add. */
function localFrame(ctx: DrawingContext, frame: string): string | null {
  if (frame === ctx.self) return SELF_FRAME;
  if (frame === SELF_FRAME) return null; // our own key, not a participant id
  return ctx.docs[frame] || Object.keys(ctx.docs).length < DRAW_MAX_FRAMES ? frame : null;
}

/** What is drawn on a camera goes to everyone (they all show it on that person's video). */
function outbound(ctx: DrawingContext, frame: string, ops: StrokeOp[]): FeatureOutbound | null {
  const owner = wireFrame(ctx, frame);
  return owner === null ? null : { type: "FEATURE.SEND", channel: "draw", data: encodeDraw({ type: "ops", frame: owner, ops }) };
}

type OpDraft = StrokeOp extends infer O ? (O extends StrokeOp ? Omit<O, "id"> : never) : never;

/** Gives drafts their ids, applies them to the frame's doc and says what to send. */
function commit(ctx: DrawingContext, frame: string, drafts: OpDraft[]) {
  let seq = ctx.seq;
  const ops = drafts.map((d) => ({ ...d, id: `${ctx.source}:${++seq}` }) as StrokeOp);
  const doc = applyWithin(ctx.docs[frame] ?? emptyDoc(), ops).doc;
  return { seq, docs: { ...ctx.docs, [frame]: doc }, send: outbound(ctx, frame, ops) };
}

/** Room for a new stroke in this frame's doc (DRAW_MAX_STROKES, DRAW_MAX_DOC_POINTS)? */
const hasRoom = (doc: StrokeDoc | undefined) => roomForStroke(doc);

const far = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y) >= MIN_STEP;

/** The points worth adding after `last` (thinned), and the new last point. */
function thin(last: Point, points: readonly Point[]): { kept: Point[]; last: Point } {
  const kept: Point[] = [];
  for (const raw of points) {
    const p = quantize(raw);
    if (far(last, p)) kept.push((last = p));
  }
  return { kept, last };
}

const newSource = () => crypto.randomUUID().replaceAll("-", "").slice(0, 10);

/**
 * Keeps a room's docs in sessionStorage, debounced (strokes change many times a second): the
 * last one asked for is written 300 ms later, at once when the page goes away, and when the
 * drawing stops (leaving the room, a restart) so nothing pending is lost.
 */
const docSaver = fromCallback<{ type: "SAVE"; room: string; docs: Record<string, StrokeDoc> }>(({ receive }) => {
  let pending: { timer: ReturnType<typeof setTimeout>; write: () => void } | null = null;
  const flush = () => pending?.write();
  receive(({ room, docs }) => {
    if (pending) clearTimeout(pending.timer);
    const write = () => {
      if (pending?.write === write) pending = null;
      writeStored("session", drawStorageKey(room), storeDocs(docs));
    };
    pending = { timer: setTimeout(write, 300), write };
  });
  globalThis.addEventListener?.("pagehide", flush);
  return () => {
    globalThis.removeEventListener?.("pagehide", flush);
    if (pending) clearTimeout(pending.timer);
    flush();
  };
});

export const drawingMachine = setup({
  types: { input: {} as DrawingInput, context: {} as DrawingContext, events: {} as DrawingEvent },
  actors: { handTracking: handTrackingActor, docSaver },
  guards: {
    drawChannel: ({ event }) => "channel" in event && event.channel === "draw",
    hasCamera: ({ context }) => (context.camera?.getVideoTracks().length ?? 0) > 0,
  },
  actions: {
    setPen: assign({
      pen: ({ context, event }) =>
        event.type === "DRAW.SET_PEN" || event.type === "PEN.STYLE"
          ? { color: event.color ?? context.pen.color, width: event.width ?? context.pen.width }
          : context.pen,
    }),
    /** The docs of this room from sessionStorage (a reload keeps the drawing). */
    loadDocs: assign({ docs: ({ context }) => parseStoredDocs(readStored("session", drawStorageKey(context.room), anyText)) }),
    /** Debounced by the saver (see docSaver). */
    saveDocs: sendTo("saver", ({ context }) => ({ type: "SAVE" as const, room: context.room, docs: context.docs })),
    /** My doc's aspect is my camera's (erase distances are measured on the picture). */
    measureFrame: assign({
      docs: ({ context }) => {
        const s = context.camera?.getVideoTracks()[0]?.getSettings();
        const doc = context.docs[SELF_FRAME] ?? emptyDoc(4 / 3);
        return { ...context.docs, [SELF_FRAME]: s?.width && s.height ? { ...doc, aspect: s.width / s.height } : doc };
      },
    }),
    beginHandStroke: enqueueActions(({ context, event, enqueue, system, self }) => {
      if (event.type !== "PEN.DOWN" || !hasRoom(context.docs[SELF_FRAME])) return;
      const point = quantize(event.point);
      const strokeId = `${context.source}:${context.seq + 1}`;
      const c = commit(context, SELF_FRAME, [{ type: "begin", strokeId, color: context.pen.color, width: context.pen.width, point }]);
      enqueue.assign({ seq: c.seq, docs: c.docs, handStroke: strokeId, cursor: { mode: "draw", point, radius: 0 } });
      if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
    }),
    extendHandStroke: enqueueActions(({ context, event, enqueue, system, self }) => {
      if (event.type !== "PEN.MOVE") return;
      const point = quantize(event.point);
      enqueue.assign({ cursor: { mode: "draw", point, radius: 0 } });
      const id = context.handStroke;
      const stroke = context.docs[SELF_FRAME]?.strokes.find((s) => s.id === id);
      const last = stroke?.points.at(-1);
      if (!id || !stroke || (last && !far(last, point)) || roomInStroke(context.docs[SELF_FRAME], id, [point]).n === 0) return;
      const c = commit(context, SELF_FRAME, [{ type: "add", strokeId: id, points: [point] }]);
      enqueue.assign({ seq: c.seq, docs: c.docs });
      if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
    }),
    endHandStroke: enqueueActions(({ context, enqueue, system, self }) => {
      if (!context.handStroke) return;
      const c = commit(context, SELF_FRAME, [{ type: "end", strokeId: context.handStroke }]);
      enqueue.assign({ seq: c.seq, docs: c.docs, handStroke: null });
      if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
    }),
    erase: enqueueActions(({ context, event, enqueue, system, self }) => {
      if (event.type !== "ERASE") return;
      const center = quantize(event.center);
      enqueue.assign({ cursor: { mode: "erase", point: center, radius: event.radius } });
      const c = commit(context, SELF_FRAME, [{ type: "erase", center, radius: event.radius }]);
      const before = context.docs[SELF_FRAME]?.strokes ?? [];
      const after = c.docs[SELF_FRAME]!.strokes;
      if (after.length === before.length && after.every((s, i) => s === before[i])) return; // nothing under the eraser
      enqueue.assign({ seq: c.seq, docs: c.docs });
      if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
    }),
    endPointerStroke: enqueueActions(({ context, enqueue, system, self }) => {
      const p = context.pointer;
      if (!p) return;
      const c = commit(context, p.frame, [{ type: "end", strokeId: p.strokeId }]);
      enqueue.assign({ seq: c.seq, docs: c.docs, pointer: null });
      if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
    }),
  },
}).createMachine({
  id: "drawing",
  context: ({ input }) => ({
    ...input,
    self: input.self ?? null,
    otherVersion: null,
    source: newSource(),
    seq: 0,
    docs: {},
    pen: { color: PALETTE[0], width: THICKNESS_LEVELS[1] },
    handStroke: null,
    pointer: null,
    cursor: null,
    progress: null,
    error: null,
    receipts: new Map(),
  }),
  invoke: { id: "saver", src: "docSaver" },
  entry: ["loadDocs", "measureFrame"],
  on: {
    "DRAW.SELF": { actions: assign({ self: ({ event }) => event.self }) },
    "DRAW.CAMERA": {
      actions: enqueueActions(({ event, enqueue, self }) => {
        enqueue.assign({ camera: event.stream });
        if (self.getSnapshot().children.handTracking) enqueue.sendTo("handTracking", { type: "HANDS.CAMERA", stream: event.stream });
      }),
    },
    "FEATURE.MESSAGE": {
      guard: "drawChannel",
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const now = (context.now ?? (() => performance.now()))();
        let r = context.receipts.get(event.peer);
        if (!r) context.receipts.set(event.peer, (r = newReceipt(now)));
        if (!spend(r, now, event.data.byteLength, 0)) return dropped(r, event.peer, now, "over the rate (bytes)");
        const wire = readDraw(event.data);
        if (typeof wire === "string") return dropped(r, event.peer, now, wire);
        if (wire.type === "other-version") {
          // Not drawn (it would land on the wrong picture): the user hears once which page to reload.
          const kind = wire.v !== null && wire.v > DRAW_WIRE_VERSION ? "newer" : "older";
          const notify = system.get(NOTIFY_ID);
          if (context.otherVersion !== kind && notify) enqueue.sendTo(notify, { type: "NOTIFY.SHOW", text: otherVersionText(kind) } as EventObject);
          enqueue.assign({ otherVersion: kind });
          return dropped(r, event.peer, now, `another drawing version (${wire.v ?? 1})`);
        }
        const cost = wire.type === "ops" ? wire.ops.reduce((n, op) => n + (op.type === "erase" ? DRAW_RATE.eraseCost : 1), 0) : 1;
        if (!spend(r, now, 0, cost)) return dropped(r, event.peer, now, "over the rate (ops)");
        const frame = localFrame(context, wire.frame);
        if (frame === null) return dropped(r, event.peer, now, `a drawing on camera ${wire.frame.slice(0, 16)}, not taken`);
        const local = context.docs[frame];
        let doc: StrokeDoc;
        if (wire.type === "ops") {
          const applied = applyWithin(local ?? emptyDoc(), wire.ops);
          if (!spend(r, now, 0, 0, applied.inked)) return dropped(r, event.peer, now, "over the rate (ink)");
          if (applied.refused || applied.cut) dropped(r, event.peer, now, `the drawing is full (${applied.refused} op(s) refused, ${applied.cut} cut)`);
          doc = applied.doc;
        } else doc = mergeDocs(local, wire.doc, wire.frame === event.peer);
        if (doc === local) return;
        enqueue.assign({ docs: { ...context.docs, [frame]: doc } });
        enqueue("saveDocs");
      }),
    },
    /** A peer's channel opened: it gets every drawing here, my camera's first (with two people: mine, then what is drawn on theirs). */
    "FEATURE.PEER_OPEN": {
      guard: "drawChannel",
      actions: enqueueActions(({ context, event, enqueue, system, self }) => {
        const frames = [SELF_FRAME, event.peer, ...Object.keys(context.docs).filter((f) => f !== SELF_FRAME && f !== event.peer)];
        for (const frame of frames) {
          const doc = context.docs[frame];
          const owner = wireFrame(context, frame);
          if (!doc || owner === null) continue;
          const data = encodeDraw({ type: "snapshot", frame: owner, doc });
          enqueue.sendTo(transportOf({ system, self }), { type: "FEATURE.SEND", channel: "draw", peer: event.peer, data });
        }
      }),
    },
    /** Clears every picture, here and on the other side. */
    "DRAW.CLEAR": {
      actions: enqueueActions(({ context, enqueue, system, self }) => {
        let ctx: DrawingContext = context;
        for (const frame of Object.keys(context.docs)) {
          if (context.docs[frame]!.strokes.length === 0) continue;
          const c = commit(ctx, frame, [{ type: "clear" }]);
          ctx = { ...ctx, seq: c.seq, docs: c.docs };
          if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
        }
        enqueue.assign({ seq: ctx.seq, docs: ctx.docs, pointer: null, handStroke: null });
        enqueue("saveDocs");
      }),
    },
    "DRAW.SET_PEN": { actions: "setPen" },
  },
  initial: "off",
  states: {
    off: {
      on: { "DRAW.TOGGLE": "active" },
    },
    active: {
      exit: ["endPointerStroke", "saveDocs", assign({ cursor: null, progress: null })],
      on: {
        "DRAW.TOGGLE": "off",
        "PEN.STYLE": { actions: "setPen" },
        "DRAW.POINTER_DOWN": {
          actions: [
            "endPointerStroke",
            enqueueActions(({ context, event, enqueue, system, self }) => {
              if (!hasRoom(context.docs[event.frame])) return;
              const point = quantize(event.point);
              const strokeId = `${context.source}:${context.seq + 1}`;
              const c = commit(context, event.frame, [{ type: "begin", strokeId, color: context.pen.color, width: context.pen.width, point }]);
              enqueue.assign({ seq: c.seq, docs: c.docs, pointer: { frame: event.frame, strokeId, last: point } });
              if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
            }),
          ],
        },
        "DRAW.POINTER_MOVE": {
          actions: enqueueActions(({ context, event, enqueue, system, self }) => {
            const p = context.pointer;
            if (!p) return;
            const { kept, last } = thin(p.last, event.points);
            const room = roomInStroke(context.docs[p.frame], p.strokeId, kept.slice(0, DRAW_MAX_ADD_POINTS)).n;
            if (room === 0) return;
            const c = commit(context, p.frame, [{ type: "add", strokeId: p.strokeId, points: kept.slice(0, room) }]);
            enqueue.assign({ seq: c.seq, docs: c.docs, pointer: { ...p, last } });
            if (c.send) enqueue.sendTo(transportOf({ system, self }), c.send);
          }),
        },
        "DRAW.POINTER_UP": { actions: ["endPointerStroke", "saveDocs"] },
      },
      initial: "starting",
      states: {
        starting: {
          always: [
            { guard: "hasCamera", target: "hands" },
            { target: "error", actions: assign({ error: { code: "no-camera", text: errorText("no-camera") } }) },
          ],
        },
        hands: {
          entry: assign({ error: null, progress: null }),
          invoke: { id: "handTracking", src: "handTracking", input: ({ context }): HandTrackingInput => ({ camera: context.camera }) },
          on: {
            "HANDS.ERROR": { target: "error", actions: assign({ error: ({ event }) => ({ code: event.code, text: errorText(event.code) }) }) },
          },
          initial: "loading",
          states: {
            loading: {
              on: {
                "HANDS.PROGRESS": { actions: assign({ progress: ({ event }) => event.progress }) },
                "HANDS.READY": "tracking",
              },
            },
            tracking: {
              initial: "handLost",
              states: {
                handLost: { entry: assign({ cursor: null }), on: { "HANDS.FOUND": "handFound" } },
                handFound: { on: { "HANDS.LOST": "handLost" } },
              },
              on: {
                "HANDS.HOVER": { actions: assign({ cursor: ({ event }) => ({ mode: "hover" as const, point: event.point, radius: 0 }) }) },
                "PEN.DOWN": { target: "drawing", actions: "beginHandStroke" },
                ERASE: { target: "erasing", actions: ["erase", "saveDocs"] },
              },
            },
            drawing: {
              exit: ["endHandStroke", "saveDocs"],
              on: {
                "PEN.MOVE": { actions: "extendHandStroke" },
                "PEN.UP": "tracking.handFound",
                ERASE: { target: "erasing", actions: ["erase", "saveDocs"] },
                "HANDS.LOST": "tracking.handLost",
              },
            },
            erasing: {
              on: {
                ERASE: { actions: ["erase", "saveDocs"] },
                "ERASE.END": "tracking.handFound",
                "PEN.DOWN": { target: "drawing", actions: "beginHandStroke" },
                "HANDS.LOST": "tracking.handLost",
              },
            },
          },
        },
        error: {
          on: { "DRAW.RETRY": "hands" },
        },
      },
    },
  },
});

export type DrawingActor = ActorRefFrom<typeof drawingMachine>;
export type DrawingSnapshot = SnapshotFrom<typeof drawingMachine>;
