/**
 * Module Web Worker: background blur and replacement. MediaPipe Tasks ImageSegmenter (the selfie
 * segmentation model, CPU delegate, VIDEO mode) gives a person mask per frame; the frame is painted
 * with the person kept and the rest blurred or replaced. Built to build/public/workers/segmenter.js
 * by scripts/build-worker.ts; the page side is machines/media/background.ts.
 *
 * Frames arrive as a stream (pipe: MediaStreamTrackProcessor's readable and a
 * MediaStreamTrackGenerator's writable, transferred, so no frame touches the main thread) or one
 * at a time as ImageBitmaps (process: the canvas path). Each camera frame (YUV) is read once,
 * straight onto the output canvas; everything else is drawn from there: the model's input, scaled
 * down to the model's own size (so MediaPipe does not scale a 720p frame itself), a quarter-size
 * copy that is blurred (as blurred, and 16x less work), and the hand tracker's copy. The mask is
 * 256x144. A blur cuts the person out of the quarter-size blurred copy and lays that, upscaled
 * bilinearly, over the camera: one pass over the full frame after reading it. A picture takes the
 * background out of the camera and puts the picture behind: two passes (it must stay sharp, so it
 * is not cut at quarter size), where cutting the person out at full size took three. When the model cannot keep up with
 * the camera it runs on every other frame (segmenter-pacing.ts).
 * Hand tracking, when on, takes its frames from here (feedHands): a downscaled copy of a camera
 * frame this worker read anyway, posted to the hand worker's port each time it asks for one.
 */
import * as Comlink from "comlink";
import { FilesetResolver, ImageSegmenter } from "@mediapipe/tasks-vision";
import { allowSameOriginFetchOnly } from "./same-origin-fetch.ts";
import { modelDone, newPacing, shouldRunModel } from "./segmenter-pacing.ts";
import type { BackgroundEffect, SegmenterApi, SegmenterInit, SegmenterInitResult, SegmenterStats } from "../protocol/background.ts";
import type { FedFrame, FeedRequest } from "../protocol/hand-tracker.ts";

allowSameOriginFetchOnly("segmenter");

let segmenter: ImageSegmenter | null = null;
let effect: BackgroundEffect = { kind: "blur", strength: "light" };
let lastTimestamp = -1;
/** False while the camera is off or not shown: the pipe reads no frames. */
let running = true;
let wake: (() => void) | null = null;
const stats: SegmenterStats = { frames: 0, modelFrames: 0, segmentMs: 0, composeMs: 0, handFrames: 0 };
/** The camera's frame gap as it states it (init), where the pacing starts from; undefined if unknown. */
let statedFrameMs: number | undefined;
let pacing = newPacing();
/** The model's input width (selfie_segmenter_landscape takes 256x144): frames are scaled to it here, keeping their shape. */
const MODEL_WIDTH = 256;

/** Hand trackers reading our frames: each has asked for `wanted` frames (one each "want", the next camera frames), and has its own canvas at its width. */
interface HandFeed {
  port: MessagePort;
  maxWidth: number;
  wanted: number;
  copy: ReturnType<typeof canvas> | null;
}
const handFeeds = new Set<HandFeed>();

/** A copy of the camera frame on `camera` (w x h) at most `maxWidth` wide for each hand feed that asked. */
function feedHands(camera: OffscreenCanvas, w: number, h: number): void {
  if (!w || !h) return;
  for (const f of handFeeds) {
    if (f.wanted <= 0) continue;
    const width = Math.min(w, f.maxWidth);
    const height = Math.max(1, Math.round((h * width) / w));
    if (f.copy?.canvas.width !== width || f.copy.canvas.height !== height) f.copy = canvas(width, height);
    f.copy.ctx.drawImage(camera, 0, 0, width, height);
    const bitmap = f.copy.canvas.transferToImageBitmap();
    const fed: FedFrame = { bitmap, aspect: w / h };
    f.wanted--;
    f.port.postMessage(fed, [bitmap]);
    stats.handFrames++;
  }
}

type Ctx = OffscreenCanvasRenderingContext2D;
function canvas(w: number, h: number): { canvas: OffscreenCanvas; ctx: Ctx } {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext("2d");
  if (!ctx) throw new Error("segmenter: no 2d context");
  return { canvas: c, ctx };
}

type Surface = ReturnType<typeof canvas>;
/** Canvases reused from frame to frame, remade when the frame size changes. */
let surfaces: { w: number; h: number; out: Surface; small: Surface; modelInput: Surface } | null = null;
let mask: { canvas: OffscreenCanvas; ctx: Ctx; pixels: ImageData } | null = null;
/** The background image drawn at the frame's size, for the current effect. */
let backdrop: { key: string; canvas: OffscreenCanvas } | null = null;

function surfacesFor(w: number, h: number) {
  if (surfaces?.w !== w || surfaces.h !== h) {
    const out = canvas(w, h);
    // The mask (256x144) and the blurred quarter-size copy are scaled up bilinearly: "high" costs more and shows no better.
    out.ctx.imageSmoothingQuality = "low";
    const small = canvas(Math.max(1, Math.round(w / 4)), Math.max(1, Math.round(h / 4)));
    const modelInput = canvas(MODEL_WIDTH, Math.max(1, Math.round((h * MODEL_WIDTH) / w)));
    surfaces = { w, h, out, small, modelInput };
    backdrop = null;
  }
  return surfaces;
}

/** Paints a built-in background: soft shapes, no image files. */
function paintBuiltin(ctx: Ctx, name: "dusk" | "studio", w: number, h: number): void {
  if (name === "dusk") {
    const sky = ctx.createLinearGradient(0, 0, 0, h);
    sky.addColorStop(0, "#1d2b53");
    sky.addColorStop(0.55, "#7e2553");
    sky.addColorStop(1, "#ff8c42");
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = "#2b1b3d";
    ctx.beginPath();
    ctx.moveTo(0, h);
    for (let x = 0; x <= w; x += w / 8) ctx.lineTo(x, h * (0.72 + 0.08 * Math.sin((x / w) * Math.PI * 3)));
    ctx.lineTo(w, h);
    ctx.fill();
  } else {
    const light = ctx.createRadialGradient(w * 0.5, h * 0.35, h * 0.05, w * 0.5, h * 0.45, w * 0.7);
    light.addColorStop(0, "#d9dde3");
    light.addColorStop(1, "#4a5562");
    ctx.fillStyle = light;
    ctx.fillRect(0, 0, w, h);
  }
}

function backdropFor(e: Exclude<BackgroundEffect, { kind: "blur" }>, w: number, h: number): OffscreenCanvas {
  const key = `${e.kind === "builtin" ? e.name : "image"}:${w}x${h}`;
  if (backdrop?.key === key) return backdrop.canvas;
  const { canvas: c, ctx } = canvas(w, h);
  if (e.kind === "builtin") paintBuiltin(ctx, e.name, w, h);
  else {
    // Cover: fill the frame, crop what overflows, keep the picture's shape.
    const scale = Math.max(w / e.image.width, h / e.image.height);
    const dw = e.image.width * scale;
    const dh = e.image.height * scale;
    ctx.drawImage(e.image, (w - dw) / 2, (h - dh) / 2, dw, dh);
  }
  backdrop = { key, canvas: c };
  return c;
}

/**
 * What a mask's alpha is: the person's confidence (a blur cuts the person out of its background
 * copy) or 1 - that (a picture takes the background out of the camera). Either way the composite
 * op is "destination-out", which Chromium's canvas draws directly; "destination-in" and "source-in"
 * (the picture's old cut) it draws through a layer the size of the canvas, composited after.
 */
type MaskOf = "person" | "background";
/** The mask of `frame` (alpha: `of`'s share of each pixel) as a canvas of the model's size, or null when the model gave none. */
function segment(frame: OffscreenCanvas, timestampMs: number, of: MaskOf): OffscreenCanvas | null {
  if (!segmenter) throw new Error("segmenter is not initialised");
  const timestamp = Math.max(Math.round(timestampMs), lastTimestamp + 1);
  lastTimestamp = timestamp;
  let painted: OffscreenCanvas | null = null;
  segmenter.segmentForVideo(frame, timestamp, (result) => {
    const confidence = result.confidenceMasks?.[0];
    if (!confidence) return;
    const { width, height } = confidence;
    if (mask?.pixels.width !== width || mask.pixels.height !== height) {
      const m = canvas(width, height);
      mask = { ...m, pixels: new ImageData(width, height) };
    }
    const values = confidence.getAsFloat32Array();
    const data = mask.pixels.data;
    if (of === "person") for (let i = 0; i < values.length; i++) data[i * 4 + 3] = values[i]! * 255;
    else for (let i = 0; i < values.length; i++) data[i * 4 + 3] = (1 - values[i]!) * 255;
    mask.ctx.putImageData(mask.pixels, 0, 0);
    painted = mask.canvas;
  });
  return painted;
}

/** The newest mask, while the frame after it may still use it (segmenter-pacing.ts); `of`: what its alpha is. */
let lastMask: { canvas: OffscreenCanvas; of: MaskOf } | null = null;

/**
 * The frame with its background blurred or replaced, on the reused output canvas. `frame` is read
 * once (YUV to RGB), onto the output canvas; the model's input, the blurred copy and the hands'
 * copies come from there (a canvas drawn from is copied before it changes). Canvas drawing is
 * deferred: the passes over the frame run when the output is taken (pipe's VideoFrame).
 */
function compose(frame: CanvasImageSource, w: number, h: number, timestampMs: number, waitedMs?: number): OffscreenCanvas {
  const started = performance.now();
  const s = surfacesFor(w, h);
  s.out.ctx.globalCompositeOperation = "copy";
  s.out.ctx.drawImage(frame, 0, 0, w, h);
  feedHands(s.out.canvas, w, h);
  const read = performance.now();
  let modelMs = 0;
  const of: MaskOf = effect.kind === "blur" ? "person" : "background";
  // A mask of the other kind (the effect changed on a frame the model would skip) is not used.
  if (shouldRunModel(pacing, timestampMs, waitedMs) || (lastMask && lastMask.of !== of)) {
    s.modelInput.ctx.drawImage(s.out.canvas, 0, 0, s.modelInput.canvas.width, s.modelInput.canvas.height);
    const painted = segment(s.modelInput.canvas, timestampMs, of);
    lastMask = painted ? { canvas: painted, of } : null;
    modelMs = performance.now() - read;
    modelDone(pacing, modelMs, lastMask !== null);
    stats.modelFrames++;
  } else modelDone(pacing, null, false);
  const painting = performance.now();
  if (effect.kind === "blur") blurBehind(s, effect.strength, w, h);
  else pictureBehind(s, backdropFor(effect, w, h), w, h);
  stats.frames++;
  stats.segmentMs += modelMs;
  stats.composeMs += read - started + (performance.now() - painting);
  return s.out.canvas;
}

/**
 * Blur: the camera is on the output already; the background is made at quarter size, blurred
 * (the upscale smooths it further: light ~8 px, strong ~24 px at 720p), cut out where the mask
 * says person, and laid over the camera. One pass over the frame besides reading it.
 */
function blurBehind(s: NonNullable<typeof surfaces>, strength: "light" | "strong", w: number, h: number): void {
  const small = s.small;
  const sw = small.canvas.width;
  const sh = small.canvas.height;
  const radius = sh / (strength === "light" ? 90 : 30);
  // Drawn a blur's reach larger than the canvas, so its edges blur the picture and not the transparency beyond it.
  const pad = Math.ceil(3 * radius);
  small.ctx.globalCompositeOperation = "copy";
  small.ctx.filter = `blur(${radius.toFixed(2)}px)`;
  small.ctx.drawImage(s.out.canvas, -pad, -pad, sw + 2 * pad, sh + 2 * pad);
  small.ctx.filter = "none";
  if (lastMask) {
    small.ctx.globalCompositeOperation = "destination-out";
    small.ctx.drawImage(lastMask.canvas, 0, 0, sw, sh);
  }
  s.out.ctx.globalCompositeOperation = "source-over";
  s.out.ctx.drawImage(small.canvas, 0, 0, w, h);
}

/**
 * A picture: the camera is on the output already; the background is taken out of it (what is left
 * is the camera times the person's share) and the picture drawn behind, so the result is camera ×
 * person + picture × background as when the person was cut out and laid over the picture: two
 * passes over the frame besides reading it, where that took three.
 */
function pictureBehind(s: NonNullable<typeof surfaces>, picture: OffscreenCanvas, w: number, h: number): void {
  const out = s.out.ctx;
  if (lastMask) {
    out.globalCompositeOperation = "destination-out";
    out.drawImage(lastMask.canvas, 0, 0, w, h);
    out.globalCompositeOperation = "destination-over";
  } else out.globalCompositeOperation = "copy";
  out.drawImage(picture, 0, 0);
}

const api: SegmenterApi = {
  async init(options: SegmenterInit): Promise<SegmenterInitResult> {
    const started = performance.now();
    statedFrameMs = options.frameRate ? 1000 / options.frameRate : undefined;
    pacing = newPacing(statedFrameMs);
    try {
      const res = await fetch(options.modelUrl);
      if (!res.ok) throw new Error(`GET ${options.modelUrl}: HTTP ${res.status}`);
      const model = new Uint8Array(await res.arrayBuffer());
      const fileset = await FilesetResolver.forVisionTasks(options.wasmBase, true);
      segmenter?.close();
      segmenter = await ImageSegmenter.createFromOptions(fileset, {
        baseOptions: { modelAssetBuffer: model, delegate: "CPU" },
        runningMode: "VIDEO",
        outputConfidenceMasks: true,
        outputCategoryMask: false,
      });
      return { ok: true, loadMs: performance.now() - started };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  },

  async setEffect(next: BackgroundEffect): Promise<void> {
    if (effect.kind === "image" && effect.image !== (next.kind === "image" ? next.image : null)) effect.image.close();
    effect = next;
    backdrop = null;
  },

  async pipe(frames: ReadableStream<VideoFrame>, out: WritableStream<VideoFrame>): Promise<void> {
    const reader = frames.getReader();
    const writer = out.getWriter();
    try {
      for (;;) {
        // Camera off: nothing is read, so nothing is segmented (the processor keeps only the newest frame).
        while (!running) await new Promise<void>((resume) => (wake = resume));
        const asked = performance.now();
        const { value: frame, done } = await reader.read();
        if (done) break;
        const waitedMs = performance.now() - asked;
        try {
          if (!running) continue; // read just as the camera went off
          const painted = compose(frame, frame.displayWidth, frame.displayHeight, frame.timestamp / 1000, waitedMs);
          // Making the frame runs the canvas's deferred drawing: most of painting's time.
          const taken = performance.now();
          const made = new VideoFrame(painted, { timestamp: frame.timestamp, duration: frame.duration ?? undefined });
          stats.composeMs += performance.now() - taken;
          await writer.write(made);
        } finally {
          frame.close();
        }
      }
    } catch {
      // The page stopped the track or the generator: the pipe simply ends.
    } finally {
      void reader.cancel().catch(() => undefined);
      void writer.abort().catch(() => undefined);
    }
  },

  async feedHands(port: MessagePort, maxWidth: number): Promise<void> {
    const feed: HandFeed = { port, maxWidth, wanted: 0, copy: null };
    port.onmessage = (e: MessageEvent<FeedRequest>) => {
      if (e.data === "want") feed.wanted++;
      else if (e.data === "stop") {
        handFeeds.delete(feed);
        port.close();
      }
    };
    handFeeds.add(feed);
  },

  async setRunning(on: boolean): Promise<void> {
    running = on;
    if (on) {
      // Frames after a pause are new: the model runs on the first, and the camera's pace is learned again.
      pacing = newPacing(statedFrameMs);
      wake?.();
      wake = null;
    }
  },

  async process(frame: ImageBitmap, timestampMs: number): Promise<ImageBitmap> {
    try {
      const painted = compose(frame, frame.width, frame.height, timestampMs);
      const started = performance.now();
      const result = await createImageBitmap(painted);
      stats.composeMs += performance.now() - started;
      return Comlink.transfer(result, [result]);
    } finally {
      frame.close();
    }
  },

  async stats(): Promise<SegmenterStats> {
    return { ...stats };
  },

  async close(): Promise<void> {
    segmenter?.close();
    segmenter = null;
  },
};

Comlink.expose(api);
