/**
 * The camera's background, blurred or replaced: the page side of workers/segmenter.worker.ts.
 * `startBackground(camera, effect)` gives a new video track carrying the processed picture, which
 * the local media machine sends instead of the camera (replaceTrack: no renegotiation), and
 * which `setEffect` changes in place.
 *
 * Where the browser has MediaStreamTrackProcessor and MediaStreamTrackGenerator (Chromium), their
 * streams are handed to the worker and no frame passes through the main thread. Elsewhere a
 * hidden <video> gives frames (requestVideoFrameCallback) as ImageBitmaps, the worker returns
 * painted ones, and a canvas's captureStream() is the track; one frame in flight at a time.
 */
import * as Comlink from "comlink";
import { fromCallback } from "xstate";
import { loadOwnImage } from "./own-background.ts";
import type { BackgroundChoice, BackgroundEffect, SegmenterApi, SegmenterStats } from "../../protocol/background.ts";

export const SEGMENTER_WORKER_URL = "/workers/segmenter.js";
export const SEGMENTER_MODEL_URL = "/models/selfie_segmenter_landscape.tflite";
export const MEDIAPIPE_WASM_BASE = "/mediapipe/wasm";

export interface BackgroundPipeline {
  track: MediaStreamTrack;
  setEffect(effect: BackgroundEffect): Promise<void>;
  stats(): Promise<SegmenterStats>;
  /** Off while the camera is off or not shown: no frame is read or segmented until it is on again. */
  setRunning(on: boolean): void;
  /** Hand tracking gets the camera frames the worker reads anyway, one per request on `port` (SegmenterApi.feedHands). */
  feedHands(port: MessagePort, maxWidth: number): void;
  stop(): void;
}

/** The pipelines running on this page by their processed track: hand tracking finds its frames here; tests and the bench read their figures. */
const running = new Map<MediaStreamTrack, BackgroundPipeline>();
/** The worker's own figures of every running pipeline (usually one); window.__onelinkCamera in ui/main.tsx. */
export const backgroundStats = (): Promise<SegmenterStats[]> => Promise.all([...running.values()].map((p) => p.stats()));
/** Whether hand tracking reads a running pipeline's frames; bench/camera turns it off to measure the other way. */
let handsShare = true;
export const shareFramesWithHands = (on: boolean) => void (handsShare = on);
/** The running pipeline whose processed track is `track` (what the call sends while an effect runs), if hand tracking may read it. */
export const pipelineOf = (track: MediaStreamTrack): BackgroundPipeline | null => (handsShare ? (running.get(track) ?? null) : null);
/** Lists `p` under its track until it stops. */
function listed(p: BackgroundPipeline): BackgroundPipeline {
  const pipeline = {
    ...p,
    stop() {
      if (running.get(p.track) === pipeline) running.delete(p.track);
      p.stop();
    },
  };
  running.set(p.track, pipeline);
  return pipeline;
}

type Processor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };
type Generator = new (init: { kind: "video" }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };
const streams = globalThis as unknown as { MediaStreamTrackProcessor?: Processor; MediaStreamTrackGenerator?: Generator };

/** The worker's effect for a stored choice; null for none, or for "own image" without one. */
export async function effectOf(choice: BackgroundChoice, ownImage: () => Blob | null = loadOwnImage): Promise<BackgroundEffect | null> {
  switch (choice) {
    case "none":
      return null;
    case "blur-light":
      return { kind: "blur", strength: "light" };
    case "blur-strong":
      return { kind: "blur", strength: "strong" };
    case "image-dusk":
      return { kind: "builtin", name: "dusk" };
    case "image-studio":
      return { kind: "builtin", name: "studio" };
    case "image-own": {
      const blob = ownImage();
      return blob ? { kind: "image", image: await createImageBitmap(blob) } : null;
    }
  }
}

const transferOf = (effect: BackgroundEffect) => Comlink.transfer(effect, effect.kind === "image" ? [effect.image] : []);

/**
 * Rejects if the worker's script fails to load (the site gone offline, as a call without a server
 * allows): its calls would otherwise wait for ever, and the camera go out as it is with nobody told.
 */
const loadFailure = (worker: Worker) =>
  new Promise<never>((_, reject) => worker.addEventListener("error", () => reject(new Error("background: the worker did not load")), { once: true }));

/** `running` false: started paused (the camera is off), see BackgroundPipeline.setRunning. */
export async function startBackground(
  camera: MediaStreamTrack,
  effect: BackgroundEffect,
  running = true,
  workerUrl = SEGMENTER_WORKER_URL,
): Promise<BackgroundPipeline> {
  const worker = new Worker(workerUrl, { type: "module", name: "segmenter" });
  const remote = Comlink.wrap<SegmenterApi>(worker);
  const stopWorker = () => {
    remote[Comlink.releaseProxy]();
    worker.terminate();
  };
  try {
    const ready = await Promise.race([
      remote.init({ modelUrl: SEGMENTER_MODEL_URL, wasmBase: MEDIAPIPE_WASM_BASE, frameRate: camera.getSettings().frameRate }),
      loadFailure(worker),
    ]);
    if (!ready.ok) throw new Error(`background: ${ready.message}`);
    await remote.setEffect(transferOf(effect));
    await remote.setRunning(running);
  } catch (err) {
    stopWorker();
    throw err;
  }
  const source = camera.clone();
  const common = {
    setEffect: (next: BackgroundEffect) => remote.setEffect(transferOf(next)),
    stats: () => remote.stats(),
    // Not awaited: a pipeline stopping meanwhile never answers; the hand worker then waits in vain and looks again.
    feedHands: (port: MessagePort, maxWidth: number) => void remote.feedHands(Comlink.transfer(port, [port]), maxWidth).catch(() => undefined),
  };
  const { MediaStreamTrackProcessor, MediaStreamTrackGenerator } = streams;
  if (MediaStreamTrackProcessor && MediaStreamTrackGenerator) {
    const frames = new MediaStreamTrackProcessor({ track: source, maxBufferSize: 1 }).readable;
    const track = new MediaStreamTrackGenerator({ kind: "video" });
    void remote.pipe(Comlink.transfer(frames, [frames]), Comlink.transfer(track.writable, [track.writable])).catch(() => undefined);
    return listed({
      ...common,
      track,
      setRunning: (on) => void remote.setRunning(on).catch(() => undefined),
      stop() {
        track.stop();
        source.stop();
        stopWorker();
      },
    });
  }
  const pipeline = listed(canvasPipeline(source, remote, common, stopWorker));
  pipeline.setRunning(running);
  return pipeline;
}

/** Where streams cannot go to the worker: bitmaps there and back, painted on a captured canvas. */
function canvasPipeline(
  source: MediaStreamTrack,
  remote: Comlink.Remote<SegmenterApi>,
  common: Pick<BackgroundPipeline, "setEffect" | "stats" | "feedHands">,
  stopWorker: () => void,
): BackgroundPipeline {
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([source]);
  void video.play().catch(() => undefined);
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  const frameRate = source.getSettings().frameRate ?? 30;
  const track = canvas.captureStream(frameRate).getVideoTracks()[0]!;
  let stopped = false;
  let paused = false;
  /** A frame is awaited or being painted: the one chain of frames is alive. */
  let chained = false;
  const next = () => {
    chained = !stopped && !paused;
    if (chained) video.requestVideoFrameCallback(onFrame);
  };
  const onFrame = async (now: number) => {
    try {
      if (paused) return;
      if (!video.videoWidth) return;
      const bitmap = await createImageBitmap(video);
      const painted = await remote.process(Comlink.transfer(bitmap, [bitmap]), now);
      if (canvas.width !== painted.width || canvas.height !== painted.height) [canvas.width, canvas.height] = [painted.width, painted.height];
      ctx?.drawImage(painted, 0, 0);
      painted.close();
    } catch {
      // A frame lost (the worker going away on stop): the next one tries again.
    } finally {
      next();
    }
  };
  next();
  return {
    ...common,
    track,
    setRunning(on) {
      paused = !on;
      if (on && !chained) next();
    },
    stop() {
      stopped = true;
      track.stop();
      source.stop();
      video.srcObject = null;
      stopWorker();
    },
  };
}

export type BackgroundEvent = { type: "BACKGROUND.TRACK"; track: MediaStreamTrack; camera: MediaStreamTrack } | { type: "BACKGROUND.FAILED"; message: string };
/** `shown` false: the camera is off or a screen is sent instead, so the pipeline starts paused. */
export type BackgroundInput = { camera: MediaStreamTrack; choice: BackgroundChoice; shown: boolean };
export type BackgroundCommand = { type: "BACKGROUND.EFFECT"; choice: BackgroundChoice } | { type: "BACKGROUND.SHOWN"; on: boolean };

/**
 * The pipeline for one camera track, for as long as it is invoked: reports the processed track,
 * takes effect changes in place, and stops everything it made when it is stopped.
 */
export const backgroundActor = fromCallback<BackgroundCommand, BackgroundInput, BackgroundEvent>(({ input, sendBack, receive }) => {
  let pipeline: BackgroundPipeline | null = null;
  let stopped = false;
  type EffectCommand = Extract<BackgroundCommand, { type: "BACKGROUND.EFFECT" }>;
  let latest: EffectCommand | null = null;
  let shown = input.shown;
  receive((cmd) => {
    if (cmd.type === "BACKGROUND.SHOWN") {
      if (cmd.on !== shown) pipeline?.setRunning(cmd.on);
      shown = cmd.on;
      return;
    }
    latest = cmd;
    if (pipeline) void effectOf(cmd.choice).then((e) => e && pipeline?.setEffect(e));
  });
  void (async () => {
    try {
      const effect = await effectOf(input.choice);
      if (!effect || stopped) return;
      const started = await startBackground(input.camera, effect, shown);
      if (stopped) return started.stop();
      pipeline = started;
      started.setRunning(shown); // it may have changed while the worker loaded
      const pending = latest as EffectCommand | null;
      if (pending) {
        const e = await effectOf(pending.choice);
        if (e) await started.setEffect(e);
      }
      sendBack({ type: "BACKGROUND.TRACK", track: started.track, camera: input.camera });
    } catch (err) {
      if (!stopped) sendBack({ type: "BACKGROUND.FAILED", message: err instanceof Error ? err.message : String(err) });
    }
  })();
  return () => {
    stopped = true;
    pipeline?.stop();
  };
});
