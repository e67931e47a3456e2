/**
 * Plain-data contract between the page (machines/media/background.ts) and
 * workers/segmenter.worker.ts: what to put behind the person, and the pipeline's own figures.
 */

/** What the camera's background becomes. Built-in images are drawn by the worker itself (no image files). */
export type BackgroundChoice = "none" | "blur-light" | "blur-strong" | "image-dusk" | "image-studio" | "image-own";
export const BACKGROUND_CHOICES: readonly BackgroundChoice[] = ["none", "blur-light", "blur-strong", "image-dusk", "image-studio", "image-own"];
export const isBackgroundChoice = (v: unknown): v is BackgroundChoice => typeof v === "string" && (BACKGROUND_CHOICES as readonly string[]).includes(v);

/** What the worker paints behind the person; "own" carries the picture (decoded on the page, transferred). */
export type BackgroundEffect =
  | { kind: "blur"; strength: "light" | "strong" }
  | { kind: "builtin"; name: "dusk" | "studio" }
  | { kind: "image"; image: ImageBitmap };

export interface SegmenterInit {
  /** e.g. "/models/selfie_segmenter_landscape.tflite" (scripts/build-segmenter.ts). */
  modelUrl: string;
  /** Directory holding vision_wasm_module_internal.{js,wasm}, e.g. "/mediapipe/wasm". */
  wasmBase: string;
  /** The camera's frame rate as it states it (its settings), the model's pacing starts from (workers/segmenter-pacing.ts). */
  frameRate?: number;
}

export type SegmenterInitResult = { ok: true; loadMs: number } | { ok: false; message: string };

export interface SegmenterStats {
  frames: number;
  /** Frames the model ran on: all of them, or every other one when it cannot keep up with the camera. */
  modelFrames: number;
  /**
   * Sums over `frames`, ms: the model (scaling its input and running it), and reading and painting
   * the frames, with making the output frame (where the canvas's deferred drawing runs).
   */
  segmentMs: number;
  composeMs: number;
  /** Frames handed to hand tracking (feedHands), downscaled from the same camera frames. */
  handFrames: number;
}

export interface SegmenterApi {
  init(options: SegmenterInit): Promise<SegmenterInitResult>;
  setEffect(effect: BackgroundEffect): Promise<void>;
  /** Frames in, frames out, until either stream ends (MediaStreamTrackProcessor → MediaStreamTrackGenerator). */
  pipe(frames: ReadableStream<VideoFrame>, out: WritableStream<VideoFrame>): Promise<void>;
  /** One frame (the canvas path where the browser cannot hand over streams); the bitmap is closed. */
  process(frame: ImageBitmap, timestampMs: number): Promise<ImageBitmap>;
  /**
   * Hand tracking reads the frames this worker already reads: one copy at most `maxWidth` wide per
   * "want" on `port` (protocol/hand-tracker.ts FedFrame), until "stop". Transfer the port.
   */
  feedHands(port: MessagePort, maxWidth: number): Promise<void>;
  /** Off: pipe() stops reading frames until on again (the camera is off or not shown). */
  setRunning(on: boolean): Promise<void>;
  stats(): Promise<SegmenterStats>;
  close(): Promise<void>;
}
