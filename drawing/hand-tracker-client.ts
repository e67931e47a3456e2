/**
 * Main-thread side of the hand tracker: starts the bundled module worker served at
 * /workers/hand-tracker.js (scripts/build-worker.ts) and talks to it with Comlink.
 *
 *   const tracker = createHandTracker();
 *   const ready = await tracker.init({ modelUrl: HAND_MODEL_URLS.lite, wasmBase: MEDIAPIPE_WASM_BASE });
 *   if (!ready.ok) show(ready.code);
 *   const { hands } = await tracker.detect(await createImageBitmap(video), performance.now());
 *
 * detect() transfers the bitmap to the worker (it is unusable afterwards). Keep at most one
 * detect() in flight and drop camera frames meanwhile, so latency never builds up.
 */
import * as Comlink from "comlink";
import type { DetectResult, FedDetectResult, HandTrackerApi, InitOptions, InitResult, LoadProgress, ModelVariant } from "../protocol/hand-tracker.ts";

export type * from "../protocol/hand-tracker.ts";

export const HAND_TRACKER_WORKER_URL = "/workers/hand-tracker.js";
export const MEDIAPIPE_WASM_BASE = "/mediapipe/wasm";
export const HAND_MODEL_URLS: Record<ModelVariant, string> = {
  lite: "/models/hand_landmarker_lite.task",
  full: "/models/hand_landmarker_full.task",
};

export interface HandTracker {
  init(options: InitOptions, onProgress?: (progress: LoadProgress) => void): Promise<InitResult>;
  /** Transfers `frame` to the worker, which closes it. `probe`: also a full search for more hands (DetectResult.probedHands). */
  detect(frame: ImageBitmap, timestampMs: number, probe?: boolean): Promise<DetectResult>;
  setNumHands(numHands: number): Promise<{ ms: number }>;
  /** Frames for detectNext() come from `port` (transferred), fed by another worker; null ends that. */
  takeFrames(port: MessagePort | null): Promise<void>;
  /** The model on the feed's next frame; null when none came (see HandTrackerApi.detectNext). */
  detectNext(timestampMs: number, probe?: boolean): Promise<FedDetectResult | null>;
  /** Frees the model and terminates the worker. */
  dispose(): Promise<void>;
  /** The raw Comlink remote, for callers that manage transfers themselves. */
  readonly remote: Comlink.Remote<HandTrackerApi>;
}

export function createHandTracker(workerUrl: string = HAND_TRACKER_WORKER_URL): HandTracker {
  const worker = new Worker(workerUrl, { type: "module", name: "hand-tracker" });
  const remote = Comlink.wrap<HandTrackerApi>(worker);
  let disposed = false;
  return {
    remote,
    init(options, onProgress) {
      return remote.init(options, onProgress ? Comlink.proxy(onProgress) : undefined);
    },
    detect(frame, timestampMs, probe) {
      return remote.detect(Comlink.transfer(frame, [frame]), timestampMs, probe);
    },
    setNumHands(numHands) {
      return remote.setNumHands(numHands);
    },
    takeFrames(port) {
      return remote.takeFrames(port ? Comlink.transfer(port, [port]) : null);
    },
    detectNext(timestampMs, probe) {
      return remote.detectNext(timestampMs, probe);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        await remote.close();
      } finally {
        remote[Comlink.releaseProxy]();
        worker.terminate();
      }
    },
  };
}
