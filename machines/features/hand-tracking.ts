/**
 * Hand tracking for the drawing (invoked by machines/features/drawing.ts while hand drawing is on). It owns
 * the hand-tracker worker (created on start, terminated on stop) and the frame loop over the
 * LOCAL camera track, reads gestures (drawing/gestures.ts) with One Euro smoothing and tells the
 * drawing machine what the hands do in plain events. Points are in un-mirrored camera-frame
 * coordinates, like the strokes.
 *
 * While a background effect runs on the camera (the track we are given is its processed track,
 * machines/media/background.ts pipelineOf), the segmenter worker, which reads every camera frame
 * anyway, posts a copy at most 640 px wide straight to the hand worker each time it asks for one:
 * the camera is read once and no frame crosses the main thread. Otherwise frames come from a
 * clone of the camera track constrained to at most 640 px and 30 fps (the model looks at 192-224
 * px anyway; the call keeps sending the original), through MediaStreamTrackProcessor where the
 * browser has it (nothing buffered), else a hidden <video> and createImageBitmap. An effect
 * turned on or off switches source at the next frame. One detection is in flight at a time;
 * frames that arrive meanwhile are dropped. With no hand in view for a second, the palm search
 * runs on every other camera frame either way (workers/hand-search-pacing.ts: the worker asks the
 * pipeline for frames later, or tells this loop to read its next frame later). The camera switched
 * off (or shared screen instead) = no hands.
 *
 * How many hands the model looks for (lite model). Measured with the worker in headless Chromium,
 * 640x480 frames, software WebGL, 2 busy shared cores, configurations interleaved (ms a frame):
 * numHands 1 + one hand 20 (40 fps); numHands 2 + one hand 47 (12 fps: while fewer hands than
 * numHands are tracked the palm detector runs on every frame); two hands 34 (23 fps); no hand
 * ~28 either way; setNumHands 20-120 ms (graph rebuild). Most of the time one hand draws, so
 * chooseNumHands() keeps numHands 1 while exactly one hand is seen, goes to 2 when no hand is
 * seen (free: the detector runs every frame then anyway) and stays at 2 while two hands are seen.
 * While one hand is tracked and the pen is up, a frame every 3 s carries a probe (wantsProbe): the
 * worker also runs a full two-hand search on it with a second model in IMAGE mode, beside the
 * tracking one, and a second hand found there (colour and thickness) switches to 2. On the
 * pipeline's frames the worker asks two frames ahead while a hand is in view, so a call slower than
 * a frame gap (the probe's ~35 ms, a model call waiting for a core) costs no camera frame its
 * tracking (on our own frames one may be dropped). Before, the
 * tracker itself was switched to 2 for 0.4 s and back: two graph rebuilds, the tracked hand lost,
 * and the palm search on every frame between, about a quarter of the hand worker's time.
 */
import { createHandTracker, HAND_MODEL_URLS, MEDIAPIPE_WASM_BASE, type HandTracker } from "../../drawing/hand-tracker-client.ts";
import { pipelineOf, type BackgroundPipeline } from "../media/background.ts";
import type { LoadProgress, TrackedHand } from "../../protocol/hand-tracker.ts";
import {
  assignHands,
  controlStyle,
  INITIAL_CONTROL,
  readDrawingHand,
  updateControl,
  type ControlState,
  type DrawMode,
  type Point,
} from "../../drawing/gestures.ts";
import { filteredPoint, oneEuroPoint, type PointFilterState } from "../../drawing/one-euro.ts";

export type HandTrackingEvent =
  | { type: "HANDS.PROGRESS"; progress: LoadProgress }
  | { type: "HANDS.READY" }
  | { type: "HANDS.ERROR"; code: string; message: string }
  | { type: "HANDS.FOUND" }
  | { type: "HANDS.LOST" }
  | { type: "HANDS.HOVER"; point: Point }
  | { type: "PEN.DOWN"; point: Point }
  | { type: "PEN.MOVE"; point: Point }
  | { type: "PEN.UP" }
  | { type: "ERASE"; center: Point; radius: number }
  | { type: "ERASE.END" }
  | { type: "PEN.STYLE"; color?: string; width?: number };

export interface HandTrackingInput {
  /** The local camera as it is now; a switch arrives as HANDS.CAMERA and is followed from the next frame. */
  camera: MediaStream | null;
}
export type HandTrackingCommand = { type: "HANDS.CAMERA"; stream: MediaStream | null };

// ---- gestures: pure ----

export interface GestureState {
  mode: DrawMode | "none";
  filter: PointFilterState | null;
  control: ControlState;
}
export const INITIAL_GESTURE: GestureState = { mode: "none", filter: null, control: INITIAL_CONTROL };

/** Ends whatever the drawing hand was doing. */
function release(mode: GestureState["mode"]): HandTrackingEvent[] {
  return mode === "draw" ? [{ type: "PEN.UP" }] : mode === "erase" ? [{ type: "ERASE.END" }] : [];
}

/** One frame's hands → the events for the drawing machine. `aspect` = frame width / height. */
export function gestureStep(
  s: GestureState,
  hands: readonly TrackedHand[],
  aspect: number,
  timeMs: number,
): { state: GestureState; events: HandTrackingEvent[] } {
  const { draw, control } = assignHands(hands);
  if (!draw) {
    const events = s.mode === "none" ? [] : [...release(s.mode), { type: "HANDS.LOST" } as const];
    return { state: { ...s, mode: "none", filter: null }, events };
  }
  const events: HandTrackingEvent[] = s.mode === "none" ? [{ type: "HANDS.FOUND" }] : [];
  const reading = readDrawingHand(s.mode === "none" ? "hover" : s.mode, draw.landmarks, aspect);
  // The pen point, the eraser centre and the hover point are different spots: restart smoothing.
  const filter = oneEuroPoint(reading.mode === s.mode ? s.filter : null, reading.point, timeMs);
  const point = filteredPoint(filter);
  if (reading.mode !== s.mode) events.push(...release(s.mode));
  if (reading.mode === "draw") events.push(s.mode === "draw" ? { type: "PEN.MOVE", point } : { type: "PEN.DOWN", point });
  else if (reading.mode === "erase") events.push({ type: "ERASE", center: point, radius: reading.eraseRadius });
  else events.push({ type: "HANDS.HOVER", point });
  let next = s.control;
  if (control) {
    next = updateControl(s.control, control.landmarks, aspect);
    const style = controlStyle(next);
    if (next.colorIndex !== s.control.colorIndex) events.push({ type: "PEN.STYLE", color: style.color });
    if (next.thicknessIndex !== s.control.thicknessIndex) events.push({ type: "PEN.STYLE", width: style.width });
  }
  return { state: { mode: reading.mode, filter, control: next }, events };
}

// ---- how many hands to look for: pure ----

export interface HandCountPolicy {
  numHands: 1 | 2;
  /** Since when exactly one hand is seen with numHands 2. */
  oneHandSince: number | null;
  /** With numHands 1: when to probe for a second hand next. */
  probeAt: number;
}
const ONE_HAND_MS = 1000;
const PROBE_EVERY_MS = 3000;
export const INITIAL_POLICY: HandCountPolicy = { numHands: 2, oneHandSince: null, probeAt: 0 };

/** Whether the next frame should carry a probe for a second hand (never while drawing: the probe's frame comes later). */
export const wantsProbe = (p: HandCountPolicy, now: number, penDown: boolean): boolean => p.numHands === 1 && !penDown && now >= p.probeAt;

/** After a frame with `handsSeen` hands tracked and, when it carried a probe, `probedHands` found by it. */
export function chooseNumHands(p: HandCountPolicy, handsSeen: number, now: number, probedHands?: number): HandCountPolicy {
  if (p.numHands === 2) {
    if (handsSeen !== 1) return { ...p, oneHandSince: null };
    const since = p.oneHandSince ?? now;
    return now - since >= ONE_HAND_MS ? { numHands: 1, oneHandSince: null, probeAt: now + PROBE_EVERY_MS } : { ...p, oneHandSince: since };
  }
  if (handsSeen === 0 || (probedHands ?? 0) >= 2) return { numHands: 2, oneHandSince: null, probeAt: 0 };
  if (probedHands !== undefined) return { ...p, probeAt: now + PROBE_EVERY_MS };
  return p;
}

// ---- frames ----

export interface Frame {
  bitmap: ImageBitmap;
  aspect: number;
}
/** One frame's hands; `aspect` = the frame's width / height; `timeMs`: when the frame was taken up (performance.now()). */
export interface Detection {
  hands: TrackedHand[];
  /** When the frame carried a probe (and the worker could run it): the hands its full search found. */
  probedHands?: number;
  aspect: number;
  timeMs: number;
}
export interface FrameSource {
  track: MediaStreamTrack;
  /** The pipeline the frames come from; null: our own clone of the track. */
  pipeline: BackgroundPipeline | null;
  /** The model on the next frame, and the probe when `probe` (FedDetectResult.probedHands); null when there was none. */
  detect(probe?: boolean): Promise<Detection | null>;
  close(): void;
}
/** Reads the frames itself; `tracker` detects on them. */
export interface OwnFrames {
  next(): Promise<Frame | null>;
  close(): void;
}

const MAX_WIDTH = 640;
/** Loading that makes no progress for this long has failed (the 13 MB wasm reports none while it downloads). */
const LOAD_STALL_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const scaled = (w: number, h: number) =>
  w > MAX_WIDTH ? { resizeWidth: MAX_WIDTH, resizeHeight: Math.round((h * MAX_WIDTH) / w) } : { resizeWidth: w, resizeHeight: h };

type ProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };

/**
 * A clone of the camera track scaled down at the source to what the model needs (the call keeps
 * sending the original at full size): pixels are not copied around on the main thread for nothing.
 */
async function smallClone(track: MediaStreamTrack): Promise<MediaStreamTrack> {
  const clone = track.clone();
  await clone.applyConstraints({ width: { max: MAX_WIDTH }, height: { max: MAX_WIDTH }, frameRate: { max: 30 } }).catch(() => {});
  return clone;
}

function processorFrames(track: MediaStreamTrack, Processor: ProcessorCtor): OwnFrames {
  const clone = smallClone(track);
  const reader = clone.then((t) => new Processor({ track: t, maxBufferSize: 1 }).readable.getReader());
  return {
    async next() {
      const { value, done } = await (await reader).read();
      if (done || !value) return null;
      try {
        const w = value.displayWidth;
        const h = value.displayHeight;
        return w && h ? { bitmap: await createImageBitmap(value, scaled(w, h)), aspect: w / h } : null;
      } finally {
        value.close();
      }
    },
    close() {
      void reader.then((r) => r.cancel()).catch(() => {});
      void clone.then((t) => t.stop());
    },
  };
}

function videoFrames(track: MediaStreamTrack): OwnFrames {
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  const clone = smallClone(track).then((t) => {
    video.srcObject = new MediaStream([t]);
    void video.play().catch(() => {});
    return t;
  });
  return {
    async next() {
      await clone;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        video.requestVideoFrameCallback?.(() => (clearTimeout(timer), resolve()));
      });
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (video.readyState < 2 || !w || !h) return null;
      return { bitmap: await createImageBitmap(video, scaled(w, h)), aspect: w / h };
    },
    close() {
      video.pause();
      video.srcObject = null;
      void clone.then((t) => t.stop());
    },
  };
}

function cameraFrames(track: MediaStreamTrack): OwnFrames {
  const Processor = (globalThis as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor;
  return Processor ? processorFrames(track, Processor) : videoFrames(track);
}

/**
 * Frames this page reads itself, one at a time; the next is read when the worker says
 * (`nextInMs`: later while no hand is in view, so the palm search skips camera frames as it does
 * on the pipeline's frames). Exported for tests, which give `frames` and `tracker` of their own.
 */
export function ownSource(track: MediaStreamTrack, tracker: Pick<HandTracker, "detect">, frames: OwnFrames = cameraFrames(track)): FrameSource {
  let readAt = 0;
  return {
    track,
    pipeline: null,
    async detect(probe) {
      const wait = readAt - performance.now();
      if (wait > 0) await sleep(wait);
      const frame = await frames.next();
      if (!frame) return null;
      const timeMs = performance.now();
      const { hands, nextInMs = 0, probedHands } = await tracker.detect(frame.bitmap, timeMs, probe);
      readAt = performance.now() + nextInMs;
      return { hands, aspect: frame.aspect, timeMs, probedHands };
    },
    close: () => frames.close(),
  };
}

/** The background pipeline's own camera frames, posted by its worker straight to the hand worker. */
function pipelineSource(track: MediaStreamTrack, pipeline: BackgroundPipeline, tracker: HandTracker): FrameSource {
  const { port1, port2 } = new MessageChannel();
  pipeline.feedHands(port1, MAX_WIDTH);
  const taken = tracker.takeFrames(port2);
  return {
    track,
    pipeline,
    async detect(probe) {
      await taken;
      const found = await tracker.detectNext(performance.now(), probe);
      if (!found) return null;
      const timeMs = performance.now() - found.inferenceMs - (found.probeMs ?? 0);
      return { hands: found.hands, aspect: found.aspect, timeMs, probedHands: found.probedHands };
    },
    close: () => void tracker.takeFrames(null).catch(() => undefined),
  };
}

const openSource = (track: MediaStreamTrack, tracker: HandTracker): FrameSource => {
  const pipeline = pipelineOf(track);
  return pipeline ? pipelineSource(track, pipeline, tracker) : ownSource(track, tracker);
};

const liveCamera = (camera: MediaStream | null) => {
  const track = camera?.getVideoTracks()[0];
  return track && track.readyState === "live" ? track : null;
};

// ---- the actor ----

/** What an actor gives its logic: the hand-tracking actor (hands-on-demand.ts) runs trackHands once this module is loaded. */
export interface HandTrackingLink {
  input: HandTrackingInput;
  sendBack: (e: HandTrackingEvent) => void;
  receive: (listener: (c: HandTrackingCommand) => void) => void;
}

/** Tracks hands on the local camera until the returned function is called. */
export function trackHands({ input, sendBack, receive }: HandTrackingLink): () => void {
  let stopped = false;
  let camera = input.camera;
  receive((e) => {
    if (e.type === "HANDS.CAMERA") camera = e.stream;
  });
  const send = (e: HandTrackingEvent) => {
    if (!stopped) sendBack(e);
  };
  if (!liveCamera(camera)) {
    send({ type: "HANDS.ERROR", code: "no-camera", message: "no camera track" });
    return () => {};
  }
  const tracker = createHandTracker();
  let source: FrameSource | null = null;

  // A worker that never answers (its script failed to load) would leave us loading forever.
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => send({ type: "HANDS.ERROR", code: "timeout", message: `no progress in ${LOAD_STALL_MS} ms` }), LOAD_STALL_MS);
  };
  const run = async () => {
    watch();
    const ready = await tracker.init({ modelUrl: HAND_MODEL_URLS.lite, wasmBase: MEDIAPIPE_WASM_BASE, numHands: INITIAL_POLICY.numHands }, (progress) => {
      watch();
      send({ type: "HANDS.PROGRESS", progress });
    });
    clearTimeout(watchdog);
    if (!ready.ok) return send({ type: "HANDS.ERROR", code: ready.code, message: ready.message });
    send({ type: "HANDS.READY" });
    let gesture = INITIAL_GESTURE;
    let policy = INITIAL_POLICY;
    let empty = 0;
    const lose = () => {
      const step = gestureStep(gesture, [], 1, performance.now());
      gesture = step.state;
      step.events.forEach(send);
    };
    while (!stopped) {
      const track = liveCamera(camera);
      if (!track?.enabled) {
        lose(); // camera off: nothing is tracked
        source?.close();
        source = null;
        await sleep(250);
        continue;
      }
      if (source?.track !== track || source.pipeline !== pipelineOf(track)) {
        source?.close();
        source = openSource(track, tracker);
      }
      const frame = await source.detect(wantsProbe(policy, performance.now(), gesture.mode === "draw"));
      if (stopped) break;
      if (!frame) {
        // No picture yet; a source with none for a second is opened again (its stream may have ended).
        if (++empty % 20 === 0) {
          source.close();
          source = null;
        }
        await sleep(50);
        continue;
      }
      empty = 0;
      const { hands, timeMs: now } = frame;
      const step = gestureStep(gesture, hands, frame.aspect, now);
      gesture = step.state;
      step.events.forEach(send);
      const next = chooseNumHands(policy, hands.length, now, frame.probedHands);
      if (next.numHands !== policy.numHands) await tracker.setNumHands(next.numHands);
      policy = next;
    }
  };
  run().catch((err: unknown) => send({ type: "HANDS.ERROR", code: "closed", message: err instanceof Error ? err.message : String(err) }));

  return () => {
    stopped = true;
    clearTimeout(watchdog);
    source?.close();
    void tracker.dispose().catch(() => {});
  };
}
