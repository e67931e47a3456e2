/**
 * Module Web Worker: MediaPipe Tasks HandLandmarker (CPU delegate, VIDEO running mode) behind
 * Comlink. Built to build/public/workers/hand-tracker.js by scripts/build-worker.ts; create it
 * with drawing/hand-tracker-client.ts. Models and wasm are served by our own server
 * (scripts/build-models.ts); the worker refuses any cross-origin fetch, which also silences the
 * usage logging tasks-vision would otherwise POST to a Google endpoint.
 *
 * Pitfalls handled here: Comlink.expose runs at top level (an await before it would lose the
 * first call); the wasm is loaded as an ES module (FilesetResolver.forVisionTasks(base, true)),
 * since module workers have no importScripts; tasks-vision needs a WebGL2 context even with the
 * CPU delegate; the first detect is slow, so init() warms the graph up.
 *
 * Frames come from the page (detect) or, while a background effect runs, straight from the
 * segmenter worker over a MessagePort (takeFrames, detectNext), one per request; with no hand in
 * view for a second, on every other camera frame (hand-search-pacing.ts): the feed's next frame
 * is asked for later, and detect() tells the page how long to wait (nextInMs).
 */
import * as Comlink from "comlink";
import { FilesetResolver, HandLandmarker, type HandLandmarkerResult } from "@mediapipe/tasks-vision";
import { askDelay, handsFound, idle, newSearchPacing } from "./hand-search-pacing.ts";
import { allowSameOriginFetchOnly } from "./same-origin-fetch.ts";
import type {
  DetectResult,
  FedDetectResult,
  FedFrame,
  FeedRequest,
  HandTrackerApi,
  Handedness,
  InitErrorCode,
  InitOptions,
  InitResult,
  LoadProgress,
  TrackedHand,
} from "../protocol/hand-tracker.ts";

allowSameOriginFetchOnly("hand-tracker");

let landmarker: HandLandmarker | null = null;
/**
 * The probe: the same model in IMAGE mode for two hands, run on a frame now and then while one hand
 * is tracked (detect's `probe`), to see whether a second hand came into view. A full search on one
 * frame, beside the tracking landmarker, which keeps its graph and its tracked hand; before, the
 * tracker itself was rebuilt for two hands (and back), with the palm search on every frame between.
 * Loaded after init() is ready, in the background; null until then (or if it failed).
 */
let prober: HandLandmarker | null = null;
/** Bumped by init() and close(): a slower, superseded init() discards what it built. */
let generation = 0;
let lastTimestamp = -1;
let framesMirrored = false;

function fail(code: InitErrorCode, error: unknown): InitResult {
  return { ok: false, code, message: error instanceof Error ? error.message : String(error) };
}

function hasWebGL2(): boolean {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext("webgl2");
    gl?.getExtension("WEBGL_lose_context")?.loseContext(); // browsers cap live contexts
    return gl !== null;
  } catch {
    return false;
  }
}

async function fetchModel(url: string, report: (p: LoadProgress) => void): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length")) || undefined;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (performance.now() - lastReport > 100) {
      lastReport = performance.now();
      report({ phase: "model", loaded, total });
    }
  }
  report({ phase: "model", loaded, total: total ?? loaded });
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function toHands(result: HandLandmarkerResult): TrackedHand[] {
  return result.landmarks.map((points, i) => {
    const category = result.handedness[i]?.[0];
    const label: Handedness = category?.categoryName === "Left" ? "Left" : "Right";
    // MediaPipe assumes mirrored input; un-mirrored camera frames get the opposite label.
    const handedness: Handedness = framesMirrored ? label : label === "Left" ? "Right" : "Left";
    return {
      handedness,
      score: category?.score ?? 0,
      landmarks: points.map((p) => ({ x: p.x, y: p.y, z: p.z })),
    };
  });
}

function closeLandmarker(): void {
  landmarker?.close();
  landmarker = null;
  prober?.close();
  prober = null;
}

type Fileset = Awaited<ReturnType<typeof FilesetResolver.forVisionTasks>>;

/**
 * tasks-vision takes the wasm's factory from globalThis.ModuleFactory, which its loader module sets
 * when it runs, and clears it once a task is made; in a module worker the loader is imported (and
 * runs) only once, so a second task would find none ("ModuleFactory not set."). The loader also
 * exports the factory: put it back before making a task.
 */
async function provideModuleFactory(fileset: Fileset): Promise<void> {
  const loader = (await import(fileset.wasmLoaderPath)) as { default?: unknown };
  (globalThis as { ModuleFactory?: unknown }).ModuleFactory = loader.default;
}

/** Loads the probe (see `prober`) for init() number `myGeneration`; a failure only leaves it absent. */
async function loadProber(fileset: Fileset, model: Uint8Array, confidence: number, myGeneration: number) {
  try {
    await provideModuleFactory(fileset);
    const created = await HandLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetBuffer: model, delegate: "CPU" },
      runningMode: "IMAGE",
      numHands: 2,
      minHandDetectionConfidence: confidence,
      minHandPresenceConfidence: confidence,
    });
    if (myGeneration === generation && landmarker) prober = created;
    else created.close();
  } catch (e) {
    console.warn("hand-tracker: no probe for a second hand:", e instanceof Error ? e.message : e);
  }
}

async function load(options: InitOptions, report: (p: LoadProgress) => void): Promise<InitResult> {
  const started = performance.now();
  const myGeneration = ++generation;
  closeLandmarker();
  framesMirrored = options.framesMirrored ?? false;
  if (!hasWebGL2()) return fail("webgl-unavailable", "WebGL2 is not available in this worker (needed even on CPU)");

  let model: Uint8Array;
  try {
    model = await fetchModel(options.modelUrl, report);
  } catch (e) {
    return fail("model-fetch-failed", e);
  }
  if (myGeneration !== generation) return fail("closed", "superseded by close() or another init()");

  report({ phase: "wasm" });
  let created: HandLandmarker;
  let fileset: Fileset;
  const confidence = options.minConfidence ?? 0.5;
  try {
    fileset = await FilesetResolver.forVisionTasks(options.wasmBase, true);
    await provideModuleFactory(fileset);
    report({ phase: "graph" });
    created = await HandLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetBuffer: model, delegate: "CPU" },
      runningMode: "VIDEO",
      numHands: options.numHands ?? 2,
      minHandDetectionConfidence: confidence,
      minHandPresenceConfidence: confidence,
      minTrackingConfidence: confidence,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const wasm = /ModuleFactory|import|WebAssembly|\.wasm|Failed to fetch/i.test(message);
    return fail(wasm ? "wasm-load-failed" : "model-invalid", e);
  }
  if (myGeneration !== generation) {
    created.close();
    return fail("closed", "superseded by close() or another init()");
  }

  report({ phase: "warmup" });
  const warmStarted = performance.now();
  const canvas = new OffscreenCanvas(320, 240);
  const ctx = canvas.getContext("2d");
  if (ctx) {
    ctx.fillStyle = "#808080";
    ctx.fillRect(0, 0, 320, 240);
  }
  const blank = canvas.transferToImageBitmap();
  lastTimestamp = Math.max(lastTimestamp + 1, 0);
  try {
    created.detectForVideo(blank, lastTimestamp);
  } catch (e) {
    created.close();
    return fail("model-invalid", e);
  } finally {
    blank.close();
  }
  const warmupMs = performance.now() - warmStarted;

  landmarker = created;
  void loadProber(fileset, model, confidence, myGeneration);
  report({ phase: "ready" });
  return { ok: true, loadMs: performance.now() - started, warmupMs };
}

type MaybeReleasable = { [Comlink.releaseProxy]?: () => void };

/** How long detectNext waits for the feeder: a paused or stopped pipeline sends nothing. */
const FEED_WAIT_MS = 1000;
/** A fed frame and when it arrived (performance.now()). */
interface Arrived {
  frame: FedFrame;
  at: number;
}
/**
 * The frame feed (takeFrames). Frames are asked for ahead, one "want" each, so that they arrive
 * while the model runs and wait (`held`) for the next detectNext. While a hand is in view, two
 * ahead: a call that takes more than a frame gap (the probe's frame, ~15 + 35 ms; a model call
 * that waited for a core on a busy machine) costs no camera frame, as the frame after the one that
 * came meanwhile was asked for too and waits (at one ahead it was never tracked). While the worker
 * keeps up nothing waits (each frame is taken as it comes) and the queue drains by itself after a
 * slow call; a machine too slow for every frame tracks frames at most two frames old. With no hand
 * for a second (idle: hand-search-pacing.ts), one ahead, and the ask waits (`later`) so the palm
 * search skips frames. `waiting` is a detectNext with nothing held.
 */
interface Feed {
  port: MessagePort;
  /** Wants sent and not answered yet. */
  asked: number;
  held: Arrived[];
  waiting: ((got: Arrived | null) => void) | null;
  later: ReturnType<typeof setTimeout> | undefined;
}
let feed: Feed | null = null;
const pacing = newSearchPacing();
/** Frames asked for or held at most (see Feed), while a hand is in view. */
const MAX_AHEAD = 2;

function endFeed(): void {
  if (!feed) return;
  const { port, waiting, held, later } = feed;
  feed = null;
  clearTimeout(later);
  port.postMessage("stop" satisfies FeedRequest);
  port.close();
  for (const h of held) h.frame.bitmap.close();
  waiting?.(null);
}

/** Asks until `ahead` frames are asked for or held. */
function ask(f: Feed, ahead = 1): void {
  clearTimeout(f.later);
  f.later = undefined;
  if (feed !== f) return;
  while (f.asked + f.held.length < ahead) {
    f.asked++;
    f.port.postMessage("want" satisfies FeedRequest);
  }
}

/** Asks for the frames after `taken`: at once (two ahead while a hand is in view), or later while the search is idle. */
function askAfter(f: Feed, taken: Arrived): void {
  const now = performance.now();
  const delay = askDelay(pacing, taken.at, now);
  if (delay <= 0) ask(f, idle(pacing, now) ? 1 : MAX_AHEAD);
  else if (f.later === undefined) f.later = setTimeout(() => ask(f), delay);
}

function startFeed(port: MessagePort): void {
  const mine: Feed = { port, asked: 0, held: [], waiting: null, later: undefined };
  feed = mine;
  port.onmessage = (e: MessageEvent<FedFrame>) => {
    mine.asked = Math.max(0, mine.asked - 1);
    if (feed !== mine) return e.data.bitmap.close();
    const got = { frame: e.data, at: performance.now() };
    if (mine.waiting) return mine.waiting(got);
    mine.held.push(got);
    // Only what was asked for comes; should more ever come, the oldest goes.
    if (mine.held.length > MAX_AHEAD) mine.held.shift()?.frame.bitmap.close();
  };
  ask(mine);
}

/** The next frame of the feed (the oldest held, else the next to come). */
function nextFed(): Promise<FedFrame | null> {
  const f = feed;
  if (!f) return Promise.resolve(null);
  const held = f.held.shift();
  if (held) {
    askAfter(f, held);
    return Promise.resolve(held.frame);
  }
  f.waiting?.(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), FEED_WAIT_MS);
    const done = (got: Arrived | null) => {
      clearTimeout(timer);
      if (f.waiting === done) f.waiting = null;
      if (got && feed === f) askAfter(f, got);
      resolve(got?.frame ?? null);
    };
    f.waiting = done;
  });
}

/** Runs the model on `frame` (closed afterwards); `probe`: the probe too (see `prober`). */
function detectOn(frame: ImageBitmap, timestampMs: number, probe = false): DetectResult {
  try {
    if (!landmarker) throw new Error("hand tracker is not initialised");
    const timestamp = Math.max(Math.round(timestampMs), lastTimestamp + 1);
    lastTimestamp = timestamp;
    const started = performance.now();
    const result = landmarker.detectForVideo(frame, timestamp);
    const inferenceMs = performance.now() - started;
    handsFound(pacing, result.landmarks.length, performance.now());
    const found = { hands: toHands(result), inferenceMs };
    if (!probe || !prober) return found;
    const probed = prober.detect(frame).landmarks.length;
    return { ...found, probedHands: probed, probeMs: performance.now() - started - inferenceMs };
  } finally {
    frame.close();
  }
}

const api: HandTrackerApi = {
  async init(options: InitOptions, onProgress?: (progress: LoadProgress) => void): Promise<InitResult> {
    const report = (p: LoadProgress): void => {
      // A Comlink proxy returns a promise; progress is best effort, never awaited.
      void Promise.resolve(onProgress?.(p)).catch(() => undefined);
    };
    try {
      return await load(options, report);
    } finally {
      // Free the callback's MessagePort (messages already sent are still delivered first).
      (onProgress as MaybeReleasable | undefined)?.[Comlink.releaseProxy]?.();
    }
  },

  async detect(frame: ImageBitmap, timestampMs: number, probe?: boolean): Promise<DetectResult> {
    const arrived = performance.now();
    const found = detectOn(frame, timestampMs, probe);
    return { ...found, nextInMs: askDelay(pacing, arrived, performance.now()) };
  },

  async takeFrames(port: MessagePort | null): Promise<void> {
    endFeed();
    if (port) startFeed(port);
  },

  async detectNext(timestampMs: number, probe?: boolean): Promise<FedDetectResult | null> {
    const frame = await nextFed();
    if (!frame) return null;
    const found = { ...detectOn(frame.bitmap, timestampMs, probe), aspect: frame.aspect };
    // A hand just came into view: the next frames at once, not after the idle search's pause.
    if (found.hands.length && feed?.later !== undefined) ask(feed, MAX_AHEAD);
    return found;
  },

  async setNumHands(numHands: number): Promise<{ ms: number }> {
    if (!landmarker) throw new Error("hand tracker is not initialised");
    const started = performance.now();
    await landmarker.setOptions({ numHands });
    return { ms: performance.now() - started };
  },

  async close(): Promise<void> {
    generation++;
    endFeed();
    closeLandmarker();
  },
};

Comlink.expose(api);
