/**
 * Plain-data contract between the page (drawing/hand-tracker-client.ts) and workers/hand-tracker.worker.ts (structured-clone safe).
 * Landmark coordinates are normalized to the frame given to detect(): x right, y down, 0..1;
 * z is depth relative to the wrist (smaller = closer to the camera), roughly in x units.
 */

export type Handedness = "Left" | "Right";

export interface Landmark {
  x: number;
  y: number;
  z: number;
}

export interface TrackedHand {
  /** The person's own hand (see InitOptions.framesMirrored). */
  handedness: Handedness;
  /** Handedness classification score, 0..1. */
  score: number;
  /** Always 21 points, MediaPipe order: 0 wrist, 4 thumb tip, 8 index tip, 12 middle tip, ... */
  landmarks: Landmark[];
}

export interface DetectResult {
  hands: TrackedHand[];
  /** Wall time of the model call inside the worker. */
  inferenceMs: number;
  /**
   * detect() only: how long to wait before giving it the next frame (0: at once). While no hand is
   * in view the palm search runs on every other camera frame (workers/hand-search-pacing.ts).
   */
  nextInMs?: number;
  /**
   * When the call asked for a probe: how many hands a full search of this frame found (a second
   * model, in IMAGE mode, beside the tracking one, so the tracked hands and the graph are left as
   * they are). Absent when no probe was asked or the second model is not loaded (yet, or failed).
   */
  probedHands?: number;
  /** Wall time of the probe, when it ran (not in inferenceMs). */
  probeMs?: number;
}

export type ModelVariant = "lite" | "full";

export interface InitOptions {
  /** e.g. "/models/hand_landmarker_lite.task" (built by scripts/build-models.ts). */
  modelUrl: string;
  /** Directory holding vision_wasm_module_internal.{js,wasm}, e.g. "/mediapipe/wasm". */
  wasmBase: string;
  /** 1 or 2. Default 2. */
  numHands?: number;
  /** Palm detection / presence / tracking thresholds. Default 0.5. */
  minConfidence?: number;
  /**
   * MediaPipe labels handedness as if the frame were a mirrored selfie. Frames taken straight
   * from a camera track (createImageBitmap(video)) are NOT mirrored, so by default the worker
   * swaps the labels and "Left" means the person's left hand. Pass true if you feed frames that
   * are already mirrored.
   */
  framesMirrored?: boolean;
}

export type InitErrorCode = "webgl-unavailable" | "wasm-load-failed" | "model-fetch-failed" | "model-invalid" | "closed";

export type InitResult = { ok: true; loadMs: number; warmupMs: number } | { ok: false; code: InitErrorCode; message: string };

export type LoadPhase = "wasm" | "model" | "graph" | "warmup" | "ready";

export interface LoadProgress {
  phase: LoadPhase;
  /** Bytes, during phase "model". */
  loaded?: number;
  total?: number;
}

/**
 * Frames from another worker (the background segmenter, which already reads the camera): over a
 * MessagePort each "want" from the hand worker gets one `FedFrame` back, of the next camera frame
 * (its bitmap transferred). The hand worker asks ahead, as it takes a frame, so the next arrives
 * while the model runs: two "want"s out while a hand is in view (a call slower than a frame gap
 * then loses no frame), one while it only searches; so at most two frames wait. "stop" ends the feed.
 */
export type FeedRequest = "want" | "stop";
export interface FedFrame {
  /** Scaled down to at most the feed's width, un-mirrored like the camera. */
  bitmap: ImageBitmap;
  /** The camera frame's width / height. */
  aspect: number;
}
export type FedDetectResult = DetectResult & { aspect: number };

/** The object the worker exposes with Comlink. */
export interface HandTrackerApi {
  /** Loads wasm and model, warms the graph up. Safe to call again (replaces the model). */
  init(options: InitOptions, onProgress?: (progress: LoadProgress) => void): Promise<InitResult>;
  /**
   * Runs the model on one frame (VIDEO mode: timestamps must increase; the worker bumps equal
   * or decreasing ones). The bitmap is closed by the worker; transfer it.
   */
  detect(frame: ImageBitmap, timestampMs: number, probe?: boolean): Promise<DetectResult>;
  /**
   * Changes how many hands are looked for, keeping the loaded model. While fewer hands than
   * numHands are tracked the palm detector runs on every frame, so numHands 2 with one hand in
   * view costs about twice numHands 1. Returns how long the graph rebuild took.
   */
  setNumHands(numHands: number): Promise<{ ms: number }>;
  /** Frames for detectNext() come from `port` (see FedFrame); null ends the feed. Transfer the port. */
  takeFrames(port: MessagePort | null): Promise<void>;
  /**
   * Asks the feed for its next frame and runs the model on it; null when no feed is set or no frame
   * came within a second (the feeder paused or went away).
   */
  detectNext(timestampMs: number, probe?: boolean): Promise<FedDetectResult | null>;
  /** Frees the model. The worker can be init()-ed again or terminated. */
  close(): Promise<void>;
}
