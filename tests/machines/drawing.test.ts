import { describe, expect, spyOn, test } from "bun:test";
import { Packr } from "msgpackr";
import { assign, createActor, fromCallback, setup, type ActorRefFrom } from "xstate";
import type { FeatureOutbound } from "../../machines/transport/channels.ts";
import { DRAW_RATE, drawingMachine, drawStorageKey, otherVersionText, SELF_FRAME, type DrawingEvent } from "../../machines/features/drawing.ts";
import { chooseNumHands, gestureStep, INITIAL_GESTURE, INITIAL_POLICY, wantsProbe, type HandTrackingEvent } from "../../machines/features/hand-tracking.ts";
import {
  decodeDraw,
  docPoints,
  DRAW_MAX_ADD_POINTS,
  DRAW_MAX_FRAME_POINTS,
  DRAW_MAX_DOC_POINTS,
  DRAW_MAX_DOC_LENGTH,
  DRAW_MAX_STROKE_LENGTH,
  docLength,
  lineLength,
  DRAW_MAX_OPS,
  DRAW_MAX_STROKE_POINTS,
  DRAW_MAX_STROKES,
  DRAW_MAX_FRAMES,
  DRAW_WIRE_VERSION,
  encodeDraw,
  parseStoredDocs,
  storeDocs,
  type DrawWire,
} from "../../protocol/draw-wire.ts";
import { PALETTE, THICKNESS_LEVELS } from "../../drawing/gestures.ts";
import type { TrackedHand } from "../../protocol/hand-tracker.ts";
import { visibleStrokes, type StrokeOp } from "../../drawing/strokes.ts";
import { extendLike, loadFixture, pinchTo, translate } from "../hands/fixtures.ts";

const camera = (width = 640, height = 480) => ({ getVideoTracks: () => [{ getSettings: () => ({ width, height }) }] }) as unknown as MediaStream;

/** One browser tab with a drawing actor under a parent that records what it sends; storage survives reloads. */
class Tab {
  storage = new Map<string, string>();
  sent: FeatureOutbound[] = [];
  /** The fake hand tracker: how often it was started and stopped, and its sendBack while running. */
  hands = { starts: 0, stops: 0, emit: null as ((e: HandTrackingEvent) => void) | null };
  drawing!: ActorRefFrom<typeof drawingMachine>;
  /** The drawing machine's clock (ms), for the per-peer rates. */
  clock = 0;
  toasts: string[] = [];
  stop = () => {};
  constructor(
    readonly stream: MediaStream | null = camera(),
    readonly room = "room-1",
    /** Our participant id: the camera others address our video by. */
    readonly self = "me",
  ) {
    this.start();
  }
  start() {
    const drawing = drawingMachine.provide({
      actors: {
        handTracking: fromCallback(({ sendBack }) => {
          this.hands.starts++;
          this.hands.emit = sendBack;
          return () => {
            this.hands.stops++;
            this.hands.emit = null;
          };
        }),
      },
      actions: {
        loadDocs: assign({ docs: ({ context }) => parseStoredDocs(this.storage.get(drawStorageKey(context.room)) ?? null) }),
        saveDocs: ({ context }) => void this.storage.set(drawStorageKey(context.room), storeDocs(context.docs)),
      },
    });
    // The call's toasts, as the drawing finds them (system id "notify").
    const notify = fromCallback<{ type: string; text?: string }>(({ receive }) => receive((e) => void this.toasts.push(e.text ?? e.type)));
    const parent = setup({ types: { events: {} as FeatureOutbound }, actors: { drawing, notify } }).createMachine({
      invoke: [
        { id: "drawing", src: "drawing", input: { room: this.room, camera: this.stream, self: this.self, now: () => this.clock } },
        { id: "notify", systemId: "notify", src: "notify" },
      ],
      on: { "FEATURE.SEND": { actions: ({ event }) => void this.sent.push(event) } },
    });
    // Registered as the transport, as the call's transport is: features send to it.
    const actor = createActor(parent, { systemId: "transport" }).start();
    this.drawing = actor.getSnapshot().children.drawing as ActorRefFrom<typeof drawingMachine>;
    this.stop = () => actor.stop();
  }
  reload() {
    this.stop();
    this.sent = [];
    this.start();
  }
  send(event: DrawingEvent) {
    this.drawing.send(event);
  }
  hand(event: HandTrackingEvent) {
    if (!this.hands.emit) throw new Error("hand tracking is not running");
    this.hands.emit(event);
  }
  get snap() {
    return this.drawing.getSnapshot();
  }
  strokes(frame = SELF_FRAME) {
    return visibleStrokes(this.snap.context.docs[frame] ?? { strokes: [], applied: {}, aspect: 1 });
  }
  /** Takes what was sent so far, decoded. */
  drain(): { peer?: string; wire: DrawWire }[] {
    const out = this.sent.map((e) => ({ peer: e.peer, wire: decodeDraw(e.data)! }));
    this.sent = [];
    return out;
  }
}

/** Delivers what `from` sent to `to` (as peer `fromId`). */
function deliver(from: Tab, to: Tab, fromId: string, toId: string) {
  for (const e of from.sent) if (!e.peer || e.peer === toId) to.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: fromId, data: e.data });
  from.sent = [];
}

const p = (x: number, y: number) => ({ x, y });

describe("drawing machine", () => {
  test("Draw on: loading with progress, tracking, pen down draws, ops go out, Draw off stops the tracker", () => {
    const tab = new Tab();
    expect(tab.snap.value).toBe("off");
    expect(tab.hands.starts).toBe(0); // nothing loads before Draw is pressed
    tab.send({ type: "DRAW.TOGGLE" });
    expect(tab.snap.matches({ active: { hands: "loading" } })).toBe(true);
    expect(tab.hands.starts).toBe(1);
    tab.hand({ type: "HANDS.PROGRESS", progress: { phase: "model", loaded: 50, total: 100 } });
    expect(tab.snap.context.progress).toEqual({ phase: "model", loaded: 50, total: 100 });
    tab.hand({ type: "HANDS.READY" });
    expect(tab.snap.matches({ active: { hands: { tracking: "handLost" } } })).toBe(true);
    tab.hand({ type: "HANDS.FOUND" });
    tab.hand({ type: "HANDS.HOVER", point: p(0.2, 0.2) });
    expect(tab.snap.matches({ active: { hands: { tracking: "handFound" } } })).toBe(true);
    expect(tab.snap.context.cursor).toEqual({ mode: "hover", point: p(0.2, 0.2), radius: 0 });

    tab.hand({ type: "PEN.DOWN", point: p(0.1, 0.5) });
    expect(tab.snap.matches({ active: { hands: "drawing" } })).toBe(true);
    tab.hand({ type: "PEN.MOVE", point: p(0.2, 0.5) });
    tab.hand({ type: "PEN.MOVE", point: p(0.2001, 0.5) }); // too close: skipped
    tab.hand({ type: "PEN.MOVE", point: p(0.3, 0.5) });
    tab.hand({ type: "PEN.UP" });
    expect(tab.snap.matches({ active: { hands: { tracking: "handFound" } } })).toBe(true);

    const sent = tab.drain();
    expect(sent.every((s) => s.peer === undefined && s.wire.type === "ops" && s.wire.frame === tab.self)).toBe(true);
    const ops = sent.flatMap((s) => (s.wire.type === "ops" ? s.wire.ops : []));
    expect(ops.map((o) => o.type)).toEqual(["begin", "add", "add", "end"]);
    expect(ops[0]).toMatchObject({ type: "begin", color: PALETTE[0], width: THICKNESS_LEVELS[1], point: p(0.1, 0.5) });
    const [stroke] = tab.strokes();
    expect(stroke).toMatchObject({ done: true, points: [p(0.1, 0.5), p(0.2, 0.5), p(0.3, 0.5)] });
    expect(tab.snap.context.docs[SELF_FRAME]!.aspect).toBeCloseTo(4 / 3);

    tab.send({ type: "DRAW.TOGGLE" });
    expect(tab.snap.value).toBe("off");
    expect(tab.hands.stops).toBe(1);
    expect(tab.strokes()).toHaveLength(1); // the drawing stays on screen
  });

  test("erasing with the V, the other hand's pen style, a lost hand ends the stroke", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    tab.hand({ type: "HANDS.READY" });
    tab.hand({ type: "PEN.STYLE", color: PALETTE[2] });
    tab.hand({ type: "PEN.STYLE", width: THICKNESS_LEVELS[4] });
    tab.hand({ type: "PEN.DOWN", point: p(0.1, 0.5) });
    tab.hand({ type: "PEN.MOVE", point: p(0.9, 0.5) });
    tab.hand({ type: "HANDS.LOST" });
    expect(tab.snap.matches({ active: { hands: { tracking: "handLost" } } })).toBe(true);
    expect(tab.strokes()[0]).toMatchObject({ color: PALETTE[2], width: THICKNESS_LEVELS[4], done: true });

    tab.hand({ type: "HANDS.FOUND" });
    tab.hand({ type: "ERASE", center: p(0.5, 0.5), radius: 0.05 });
    expect(tab.snap.matches({ active: { hands: "erasing" } })).toBe(true);
    expect(tab.snap.context.cursor).toMatchObject({ mode: "erase", radius: 0.05 });
    expect(tab.strokes()).toHaveLength(2); // cut in two
    tab.hand({ type: "ERASE", center: p(0.5, 0.9), radius: 0.05 }); // nothing there: nothing sent
    tab.hand({ type: "ERASE.END" });
    expect(tab.snap.matches({ active: { hands: { tracking: "handFound" } } })).toBe(true);
    expect(tab.drain().flatMap((s) => (s.wire.type === "ops" ? s.wire.ops.map((o) => o.type) : []))).toEqual(["begin", "add", "end", "erase"]);
  });

  test("model failure: says why in words, stops the tracker, pointer drawing still works; Try again reloads", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    tab.hand({ type: "HANDS.ERROR", code: "webgl-unavailable", message: "no webgl2" });
    expect(tab.snap.matches({ active: "error" })).toBe(true);
    expect(tab.snap.context.error?.text).toContain("WebGL");
    expect(tab.hands.stops).toBe(1);

    // On the remote video: the stroke belongs to bob's camera, addressed to it, and goes to everyone (all show it on bob's video).
    tab.send({ type: "DRAW.POINTER_DOWN", frame: "bob", point: p(0.25, 0.25) });
    tab.send({ type: "DRAW.POINTER_MOVE", points: [p(0.3, 0.25), p(0.30001, 0.25), p(0.4, 0.3)] });
    tab.send({ type: "DRAW.POINTER_UP" });
    const sent = tab.drain();
    expect(sent.every((s) => s.peer === undefined && s.wire.frame === "bob")).toBe(true);
    expect(tab.strokes("bob")[0]!.points).toEqual([p(0.25, 0.25), p(0.3, 0.25), p(0.4, 0.3)]);

    tab.send({ type: "DRAW.RETRY" });
    expect(tab.snap.matches({ active: { hands: "loading" } })).toBe(true);
    expect(tab.hands.starts).toBe(2);
  });

  test("no camera: hand drawing is not offered, the pointer is", () => {
    const tab = new Tab(null);
    tab.send({ type: "DRAW.TOGGLE" });
    expect(tab.snap.matches({ active: "error" })).toBe(true);
    expect(tab.snap.context.error?.code).toBe("no-camera");
    expect(tab.hands.starts).toBe(0);
    tab.send({ type: "DRAW.POINTER_DOWN", frame: SELF_FRAME, point: p(0.5, 0.5) });
    tab.send({ type: "DRAW.POINTER_UP" });
    expect(tab.strokes()).toHaveLength(1);
  });

  test("pointer events do nothing while Draw is off", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.POINTER_DOWN", frame: SELF_FRAME, point: p(0.5, 0.5) });
    expect(tab.strokes()).toHaveLength(0);
    expect(tab.sent).toHaveLength(0);
  });

  test("remote ops land on the right picture; junk and other channels are ignored", () => {
    const tab = new Tab();
    const ops = (frame: string, source: string) =>
      encodeDraw({
        type: "ops",
        frame,
        ops: [{ type: "begin", id: `${source}:1`, strokeId: `${source}:1`, color: "#0a84ff", width: 0.014, point: p(0.5, 0.5) }],
      });
    tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: ops("bob", "b1") });
    tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: ops(tab.self, "b2") });
    tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: new Uint8Array([1, 2, 3]) });
    tab.send({ type: "FEATURE.MESSAGE", channel: "chat", peer: "bob", data: ops("bob", "b3") });
    expect(tab.strokes("bob").map((s) => s.id)).toEqual(["b1:1"]);
    expect(tab.strokes().map((s) => s.id)).toEqual(["b2:1"]);
  });

  test("a peer's channel opening gets snapshots of my camera's drawing and of what is drawn on theirs", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    tab.send({ type: "DRAW.POINTER_DOWN", frame: SELF_FRAME, point: p(0.1, 0.1) });
    tab.send({ type: "DRAW.POINTER_UP" });
    tab.send({ type: "DRAW.POINTER_DOWN", frame: "bob", point: p(0.2, 0.2) });
    tab.send({ type: "DRAW.POINTER_UP" });
    tab.drain();
    tab.send({ type: "FEATURE.PEER_OPEN", channel: "draw", peer: "bob" });
    const sent = tab.drain();
    expect(sent.map((s) => [s.peer, s.wire.type, s.wire.frame])).toEqual([
      ["bob", "snapshot", tab.self],
      ["bob", "snapshot", "bob"],
    ]);
    const first = sent[0]!.wire;
    expect(first.type === "snapshot" && first.doc.strokes[0]!.points).toEqual([p(0.1, 0.1)]);
    expect(first.type === "snapshot" && first.doc.aspect).toBeCloseTo(4 / 3);
  });

  test("two tabs: strokes show on the right side, Clear clears both, a reload gets the drawing back", () => {
    const alice = new Tab(camera(), "room-1", "alice");
    const bob = new Tab(camera(1280, 720), "room-1", "bob");
    alice.send({ type: "DRAW.TOGGLE" });
    // Alice draws on bob's video: bob sees it over his own camera picture.
    alice.send({ type: "DRAW.POINTER_DOWN", frame: "bob", point: p(0.2, 0.3) });
    alice.send({ type: "DRAW.POINTER_MOVE", points: [p(0.45, 0.3)] });
    alice.send({ type: "DRAW.POINTER_UP" });
    deliver(alice, bob, "alice", "bob");
    expect(bob.strokes()).toEqual(alice.strokes("bob"));
    expect(bob.strokes()[0]!.points).toEqual([p(0.2, 0.3), p(0.45, 0.3)]);

    // Bob reloads and his storage is gone: alice's snapshot brings it back.
    bob.storage.clear();
    bob.reload();
    expect(bob.strokes()).toHaveLength(0);
    alice.send({ type: "FEATURE.PEER_OPEN", channel: "draw", peer: "bob" });
    bob.send({ type: "FEATURE.PEER_OPEN", channel: "draw", peer: "alice" });
    deliver(alice, bob, "alice", "bob");
    deliver(bob, alice, "bob", "alice");
    expect(bob.strokes()).toEqual(alice.strokes("bob"));
    // Bob's camera is 16:9: his snapshot tells alice, who owns no say over it.
    expect(alice.snap.context.docs.bob!.aspect).toBeCloseTo(16 / 9);

    // A plain reload keeps it from sessionStorage.
    bob.reload();
    expect(bob.strokes()).toHaveLength(1);

    bob.send({ type: "DRAW.CLEAR" });
    deliver(bob, alice, "bob", "alice");
    expect(bob.strokes()).toHaveLength(0);
    expect(alice.strokes("bob")).toHaveLength(0);
  });
});

describe("drawing with many people", () => {
  test("a stroke on a participant's video shows on that participant's video on every screen", () => {
    const alice = new Tab(camera(), "room-1", "alice");
    const bob = new Tab(camera(), "room-1", "bob");
    const carol = new Tab(camera(), "room-1", "carol");
    alice.send({ type: "DRAW.TOGGLE" });
    alice.send({ type: "DRAW.POINTER_DOWN", frame: "carol", point: p(0.2, 0.3) });
    alice.send({ type: "DRAW.POINTER_MOVE", points: [p(0.45, 0.3)] });
    alice.send({ type: "DRAW.POINTER_UP" });
    const sent = [...alice.sent];
    deliver(alice, carol, "alice", "carol");
    alice.sent = sent;
    deliver(alice, bob, "alice", "bob");
    expect(carol.strokes()).toEqual(alice.strokes("carol")); // on her own camera
    expect(bob.strokes("carol")).toEqual(alice.strokes("carol")); // on carol's video at bob's
    expect(bob.strokes()).toHaveLength(0);
    // A late joiner gets it too: every drawing goes in the snapshots.
    const dave = new Tab(camera(), "room-1", "dave");
    bob.send({ type: "FEATURE.PEER_OPEN", channel: "draw", peer: "dave" });
    deliver(bob, dave, "bob", "dave");
    expect(dave.strokes("carol")).toEqual(alice.strokes("carol"));
  });

  test("a peer names at most DRAW_MAX_FRAMES cameras; a frame named as our own local key is not taken", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    try {
      const begin = (camera: string, n: number) =>
        encodeDraw({
          type: "ops",
          frame: camera,
          ops: [{ type: "begin", id: `b:${n}`, strokeId: `b:${n}`, color: PALETTE[0], width: THICKNESS_LEVELS[0], point: p(0.5, 0.5) }],
        });
      for (let n = 1; n <= DRAW_MAX_FRAMES + 5; n++) tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: begin(`cam${n}`, n) });
      expect(Object.keys(tab.snap.context.docs)).toHaveLength(DRAW_MAX_FRAMES);
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: begin(SELF_FRAME, 99) });
      expect(tab.strokes()).toHaveLength(0);
    } finally {
      warn.mockRestore();
    }
  });

  test("frames of another drawing version are not drawn; a notice (once) says which page to reload", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const packr = new Packr({ useRecords: false, mapsAsObjects: true });
    try {
      const begin = { type: "begin", id: "b:1", strokeId: "b:1", color: PALETTE[0], width: THICKNESS_LEVELS[0], point: [5, 5] };
      // The previous wire: no version, cameras said from the sender's side.
      const old = packr.pack({ type: "ops", frame: "mine", ops: [begin] });
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: old });
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: old });
      expect(tab.snap.context.docs.bob).toBeUndefined();
      expect(tab.strokes()).toHaveLength(0);
      expect(tab.snap.context.otherVersion).toBe("older");
      expect(tab.toasts).toEqual([otherVersionText("older")]);
      // A newer page: this one is to reload.
      tab.send({
        type: "FEATURE.MESSAGE",
        channel: "draw",
        peer: "bob",
        data: packr.pack({ v: DRAW_WIRE_VERSION + 1, type: "ops", frame: "bob", ops: [begin] }),
      });
      expect(tab.snap.context.docs.bob).toBeUndefined();
      expect(tab.snap.context.otherVersion).toBe("newer");
      expect(tab.toasts).toEqual([otherVersionText("older"), otherVersionText("newer")]);
      expect(otherVersionText("newer")).toContain("reload this page");
    } finally {
      warn.mockRestore();
    }
  });
});

describe("hand gestures to drawing events", () => {
  const point = loadFixture("nocurl");
  const A = point.width / point.height;
  const hand = (landmarks = point.landmarks, handedness: "Left" | "Right" = "Right"): TrackedHand => ({ handedness, score: 0.9, landmarks });
  const run = (frames: TrackedHand[][]) => {
    let state = INITIAL_GESTURE;
    return frames.map((hands, i) => {
      const step = gestureStep(state, hands, A, i * 33);
      state = step.state;
      return step.events.map((e) => e.type);
    });
  };

  test("found, pinch = pen down/move/up, V = erase, gone = lost", () => {
    const pinch = pinchTo(point.landmarks, 0.01, A);
    const v = extendLike(point.landmarks, "middle", 25, A);
    expect(run([[hand()], [hand(pinch)], [hand(translate(pinch, 0.01, 0))], [hand(v)], [hand()], []])).toEqual([
      ["HANDS.FOUND", "HANDS.HOVER"],
      ["PEN.DOWN"],
      ["PEN.MOVE"],
      ["PEN.UP", "ERASE"],
      ["ERASE.END", "HANDS.HOVER"],
      ["HANDS.LOST"],
    ]);
  });

  test("numHands: 2 while no hand or two hands are seen, 1 with one hand, a probe for a second hand now and then", () => {
    let p = chooseNumHands(INITIAL_POLICY, 1, 0);
    expect(p.numHands).toBe(2);
    expect(wantsProbe(p, 0, false)).toBe(false); // at 2 the tracker searches by itself
    p = chooseNumHands(p, 1, 1000);
    expect(p.numHands).toBe(1);
    expect(wantsProbe(p, 2000, false)).toBe(false);
    expect(chooseNumHands(p, 1, 2000)).toEqual(p);
    expect(wantsProbe(p, 4000, true)).toBe(false); // never while drawing
    expect(wantsProbe(p, 4000, false)).toBe(true);
    // The probe found only the tracked hand: still 1, the next probe 3 s later.
    const alone = chooseNumHands(p, 1, 4000, 1);
    expect(alone.numHands).toBe(1);
    expect(wantsProbe(alone, 6900, false)).toBe(false);
    expect(wantsProbe(alone, 7000, false)).toBe(true);
    // No probe ran (its model not loaded yet): asked again on the next frame.
    expect(wantsProbe(chooseNumHands(p, 1, 4000), 4033, false)).toBe(true);
    // The probe found a second hand: 2, which keeps it while two hands are tracked.
    const both = chooseNumHands(p, 1, 4000, 2);
    expect(both.numHands).toBe(2);
    expect(chooseNumHands(both, 2, 4500).numHands).toBe(2);
    expect(chooseNumHands(p, 0, 2000).numHands).toBe(2);
  });
});

/** Points `step` apart along rows across the frame (none closer than the thinning step). */
const path = (n: number, from = 0) =>
  Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return p(0.05 + (i % 300) * 0.003, 0.02 + (Math.floor(i / 300) % 95) * 0.01);
  });
/** Every point that went out in ops (begin's point and adds' points). */
const sentPoints = (sent: { wire: DrawWire }[]) =>
  sent.flatMap((s) => (s.wire.type === "ops" ? s.wire.ops : [])).reduce((n, o) => n + (o.type === "begin" ? 1 : o.type === "add" ? o.points.length : 0), 0);

/** A pointer stroke of `n` points on `frame`, sent 256 points at a time. */
function pointerStroke(tab: Tab, frame: string, n: number, from = 0) {
  const pts = path(n, from);
  tab.send({ type: "DRAW.POINTER_DOWN", frame, point: pts[0]! });
  for (let i = 1; i < n; i += 256) tab.send({ type: "DRAW.POINTER_MOVE", points: pts.slice(i, i + 256) });
  tab.send({ type: "DRAW.POINTER_UP" });
}

/** Ops as the frames the wire takes: at most DRAW_MAX_OPS ops and DRAW_MAX_FRAME_POINTS points each. */
function framesOf(ops: StrokeOp[], frame: string) {
  const out: Uint8Array[] = [];
  let cur: StrokeOp[] = [];
  let n = 0;
  for (const op of ops) {
    const k = op.type === "add" ? op.points.length : 1;
    if (cur.length && (n + k > DRAW_MAX_FRAME_POINTS || cur.length >= DRAW_MAX_OPS)) {
      out.push(encodeDraw({ type: "ops", frame, ops: cur }));
      cur = [];
      n = 0;
    }
    cur.push(op);
    n += k;
  }
  if (cur.length) out.push(encodeDraw({ type: "ops", frame, ops: cur }));
  return out;
}

/** A long stroke from the peer: a new stroke and 63 adds of 256 points, as the frames the wire takes (source `src`, batch `f`). */
function bigStroke(src: string, f: number, frame = "bob") {
  const strokeId = `${src}:${f * 64 + 1}`;
  const ops: StrokeOp[] = [{ type: "begin", id: strokeId, strokeId, color: PALETTE[0], width: THICKNESS_LEVELS[1], point: p(0.5, 0.5) }];
  for (let k = 1; k < DRAW_MAX_OPS; k++) ops.push({ type: "add", id: `${src}:${f * 64 + k + 1}`, strokeId, points: path(DRAW_MAX_ADD_POINTS, k * 256) });
  return framesOf(ops, frame);
}

describe("drawing within the limits", () => {
  test("a pointer stroke stops at the stroke's point limit, here and in what is sent", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    pointerStroke(tab, "bob", DRAW_MAX_STROKE_POINTS + 1500);
    expect(tab.strokes("bob")[0]!.points).toHaveLength(DRAW_MAX_STROKE_POINTS);
    expect(sentPoints(tab.drain())).toBe(DRAW_MAX_STROKE_POINTS);
  });

  test("a hand stroke stops at the stroke's point limit, here and in what is sent", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    tab.hand({ type: "HANDS.READY" });
    const pts = path(DRAW_MAX_STROKE_POINTS + 300);
    tab.hand({ type: "PEN.DOWN", point: pts[0]! });
    for (const point of pts.slice(1)) tab.hand({ type: "PEN.MOVE", point });
    tab.hand({ type: "PEN.UP" });
    expect(tab.strokes()[0]!.points).toHaveLength(DRAW_MAX_STROKE_POINTS);
    expect(sentPoints(tab.drain())).toBe(DRAW_MAX_STROKE_POINTS);
    // (Thousands of moves through the real machine: ~1.5 s in CI, several on a busy machine.)
  }, 30_000);

  test("local strokes stop at the drawing's point limit (mid-stroke), and a full drawing takes no new stroke", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    for (let k = 0; k < 8; k++) pointerStroke(tab, SELF_FRAME, 4000, k * 4000);
    const doc = tab.snap.context.docs[SELF_FRAME]!;
    expect(doc.strokes.map((s) => s.points.length)).toEqual([4000, 4000, 4000, 4000, 4000, 4000, 1000]);
    expect(docPoints(doc)).toBe(DRAW_MAX_DOC_POINTS);
    const sent = tab.drain();
    expect(sentPoints(sent)).toBe(DRAW_MAX_DOC_POINTS);
    expect(sent.flatMap((s) => (s.wire.type === "ops" ? s.wire.ops : [])).filter((o) => o.type === "begin")).toHaveLength(7);
  }, 30_000);

  test("frames from the peer: a stroke stops at its point limit, the drawing at its own, whatever the peer sends", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    try {
      for (let f = 0; f < 6; f++) {
        for (const frame of ["bob", tab.self]) {
          // Within the rate: the peer's ink budget fills again between strokes, a frame at a time.
          for (const data of bigStroke(`b${frame}`, f, frame)) {
            tab.clock += 1000;
            tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data });
          }
        }
      }
      for (const frame of ["bob", SELF_FRAME]) {
        const doc = tab.snap.context.docs[frame]!;
        expect(doc.strokes[0]!.points).toHaveLength(DRAW_MAX_STROKE_POINTS);
        expect(Math.max(...doc.strokes.map((s) => s.points.length))).toBe(DRAW_MAX_STROKE_POINTS);
        expect(docPoints(doc)).toBe(DRAW_MAX_DOC_POINTS);
      }
      expect(warn).toHaveBeenCalled();
      expect(String(warn.mock.calls[0]![0])).toContain("drawing is full");
    } finally {
      warn.mockRestore();
    }
  }, 30_000);

  test("a pointer stroke zigzagging across the frame stops at the stroke's length", () => {
    const tab = new Tab();
    tab.send({ type: "DRAW.TOGGLE" });
    tab.send({ type: "DRAW.POINTER_DOWN", frame: SELF_FRAME, point: p(0, 0) });
    for (let i = 0; i < 20; i++)
      tab.send({ type: "DRAW.POINTER_MOVE", points: Array.from({ length: 10 }, (_, k) => p((i * 10 + k) % 2, ((i * 10 + k) * 0.37) % 1)) });
    tab.send({ type: "DRAW.POINTER_UP" });
    const stroke = tab.strokes()[0]!;
    expect(lineLength(stroke.points)).toBeLessThanOrEqual(DRAW_MAX_STROKE_LENGTH);
    expect(lineLength(stroke.points)).toBeGreaterThan(DRAW_MAX_STROKE_LENGTH - 1.5);
    const sent = tab.drain().flatMap((s) => (s.wire.type === "ops" ? s.wire.ops : []));
    const line = sent.flatMap((o) => (o.type === "begin" ? [o.point] : o.type === "add" ? o.points : []));
    expect(line).toEqual(stroke.points);
  });

  test("frames from the peer scattering points over the frame: the drawing stops at its length, and a peer inks at most its rate", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    try {
      /** A new stroke of ~50 units of ink (after a clear), from points far apart. */
      const scattered = (f: number, clear = false) => {
        const strokeId = `b:${f * 64 + 2}`;
        const ops: StrokeOp[] = [clear ? { type: "clear", id: `b:${f * 64 + 1}` } : { type: "end", id: `b:${f * 64 + 1}`, strokeId: "none" }];
        ops.push({ type: "begin", id: strokeId, strokeId, color: PALETTE[0], width: THICKNESS_LEVELS[4], point: p(0, 0) });
        ops.push({
          type: "add",
          id: `b:${f * 64 + 3}`,
          strokeId,
          // About 10 units of ink: points a frame apart, as no hand draws them.
          points: Array.from({ length: 10 }, (_, i) => p(i % 2, (i * 0.37) % 1)),
        });
        return encodeDraw({ type: "ops", frame: "bob", ops });
      };
      // Never past the drawing's length.
      for (let f = 0; f < 30; f++) {
        tab.clock += 2000; // a full burst of ink each time
        tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: scattered(f) });
      }
      expect(docLength(tab.snap.context.docs.bob!)).toBeLessThanOrEqual(DRAW_MAX_DOC_LENGTH);
      expect(docLength(tab.snap.context.docs.bob!)).toBeGreaterThan(DRAW_MAX_DOC_LENGTH - 10);
      // Clearing and drawing again, all at once: no more ink than the burst in all, then the rate.
      tab.clock += 10_000;
      let ink = 0;
      for (let f = 40; f < 60; f++) {
        tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: scattered(f, true) });
        const doc = tab.snap.context.docs.bob!;
        if (doc.strokes[0]?.id === `b:${f * 64 + 2}`) ink += docLength(doc);
      }
      expect(ink).toBeLessThanOrEqual(DRAW_RATE.burstInk);
      expect(ink).toBeGreaterThan(DRAW_RATE.burstInk * 0.6);
      tab.clock += 3000; // a full burst again
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: scattered(60, true) });
      expect(tab.snap.context.docs.bob!.strokes[0]?.id).toBe(`b:${60 * 64 + 2}`);
    } finally {
      warn.mockRestore();
    }
  });

  test("frames from the peer: new strokes stop at the stroke limit", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    try {
      for (let f = 0; f < 20; f++) {
        tab.clock += 1000;
        const ops = Array.from({ length: DRAW_MAX_OPS }, (_, k): StrokeOp => {
          const id = `b:${f * 64 + k + 1}`;
          return { type: "begin", id, strokeId: id, color: PALETTE[1], width: THICKNESS_LEVELS[0], point: p(0.5, 0.5) };
        });
        tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: encodeDraw({ type: "ops", frame: "bob", ops }) });
      }
      expect(tab.snap.context.docs.bob!.strokes).toHaveLength(DRAW_MAX_STROKES);
    } finally {
      warn.mockRestore();
    }
  });

  test("a peer over its rate: frames dropped (one log line, not one per frame) until its budget fills again", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    try {
      // A clear and a one-point stroke per frame, made costly with erases far from it (each counts as many ops).
      const frame = (n: number, camera = "bob") => {
        const id = (k: number) => `b:${n * 64 + k}`;
        const ops: StrokeOp[] = [
          { type: "clear", id: id(1) },
          { type: "begin", id: id(2), strokeId: id(2), color: PALETTE[2], width: THICKNESS_LEVELS[2], point: p(0.5, 0.5) },
          ...Array.from({ length: 8 }, (_, k): StrokeOp => ({ type: "erase", id: id(k + 3), center: p(0.01, 0.01), radius: 0.001 })),
        ];
        return encodeDraw({ type: "ops", frame: camera, ops });
      };
      const ids = () => tab.snap.context.docs.bob?.strokes.map((s) => s.id) ?? [];
      let accepted = 0;
      for (let n = 0; n < 100; n++) {
        tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: frame(n) });
        if (ids()[0] === `b:${n * 64 + 2}`) accepted++;
      }
      expect(accepted).toBeGreaterThan(3);
      expect(accepted).toBeLessThan(20);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain("over the rate");
      // Another peer has its own budget.
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "carol", data: frame(0, "carol") });
      expect(tab.snap.context.docs.carol?.strokes).toHaveLength(1);
      // A second later bob may send again.
      tab.clock += 1000;
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: frame(200) });
      expect(ids()).toEqual([`b:${200 * 64 + 2}`]);
    } finally {
      warn.mockRestore();
    }
  });

  test("frames with values the pen never makes are dropped whole, with a log", () => {
    const tab = new Tab();
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const packr = new Packr({ useRecords: false, mapsAsObjects: true });
    try {
      const begin = (extra: Record<string, unknown>) =>
        packr.pack({
          v: DRAW_WIRE_VERSION,
          type: "ops",
          frame: "bob",
          ops: [{ type: "begin", id: "b:1", strokeId: "b:1", color: PALETTE[0], width: THICKNESS_LEVELS[0], point: [5, 5], ...extra }],
        });
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: begin({ color: "#123456" }) });
      expect(String(warn.mock.calls[0]![0])).toContain("malformed op (#0, begin)");
      for (const extra of [{ width: 0.2 }, { point: [Number.NaN, 5] }, { point: [1e308, 5] }])
        tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: begin(extra) });
      expect(tab.snap.context.docs.bob).toBeUndefined();
      tab.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "bob", data: begin({}) });
      expect(tab.strokes("bob")).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });
});
