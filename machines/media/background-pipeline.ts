/**
 * The camera's background pipeline itself (background.ts has the actor that runs it): a worker
 * (workers/segmenter.worker.ts) driven through comlink. A chunk of its own, loaded the first time
 * a background is wanted: most calls never blur, and a join need not compile it (issue 21).
 *
 * Where the browser has MediaStreamTrackProcessor and MediaStreamTrackGenerator (Chromium), their
 * streams are handed to the worker and no frame passes through the main thread. Elsewhere a
 * hidden <video> gives frames (requestVideoFrameCallback) as ImageBitmaps, the worker returns
 * painted ones, and a canvas's captureStream() is the track; one frame in flight at a time.
 */
import * as Comlink from "comlink";
import type { BackgroundEffect, SegmenterApi } from "../../protocol/background.ts";
import type { BackgroundPipeline } from "./background.ts";

export const SEGMENTER_WORKER_URL = "/workers/segmenter.js";
export const SEGMENTER_MODEL_URL = "/models/selfie_segmenter_landscape.tflite";
export const MEDIAPIPE_WASM_BASE = "/mediapipe/wasm";

type Processor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };
type Generator = new (init: { kind: "video" }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };
const streams = globalThis as unknown as { MediaStreamTrackProcessor?: Processor; MediaStreamTrackGenerator?: Generator };

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
    return {
      ...common,
      track,
      setRunning: (on) => void remote.setRunning(on).catch(() => undefined),
      stop() {
        track.stop();
        source.stop();
        stopWorker();
      },
    };
  }
  const pipeline = canvasPipeline(source, remote, common, stopWorker);
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
