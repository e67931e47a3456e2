/**
 * Module Web Worker: background blur and replacement. MediaPipe Tasks ImageSegmenter (the selfie
 * segmentation model, CPU delegate, VIDEO mode) gives a person mask per frame; the frame is painted
 * with the person kept and the rest blurred or replaced. Built to build/public/workers/segmenter.js
 * by scripts/build-worker.ts; the page side is machines/media/background.ts.
 *
 * Frames arrive as a stream (pipe: MediaStreamTrackProcessor's readable and a
 * MediaStreamTrackGenerator's writable, transferred, so no frame touches the main thread) or one
 * at a time as ImageBitmaps (process: the canvas path). The mask is 256x144; it is upscaled with
 * smoothing, which softens its edge. Blur runs on a quarter-size copy (as blurred, and 16x less work).
 * Hand tracking, when on, takes its frames from here (feedHands): a downscaled copy of a camera
 * frame this worker read anyway, posted to the hand worker's port each time it asks for one.
 */
import * as Comlink from "comlink";
import { FilesetResolver, ImageSegmenter } from "@mediapipe/tasks-vision";
import { allowSameOriginFetchOnly } from "./same-origin-fetch.ts";
import type { BackgroundEffect, SegmenterApi, SegmenterInit, SegmenterInitResult, SegmenterStats } from "../protocol/background.ts";
import type { FedFrame, FeedRequest } from "../protocol/hand-tracker.ts";

allowSameOriginFetchOnly("segmenter");

let segmenter: ImageSegmenter | null = null;
let effect: BackgroundEffect = { kind: "blur", strength: "light" };
let lastTimestamp = -1;
/** False while the camera is off or not shown: the pipe reads no frames. */
let running = true;
let wake: (() => void) | null = null;
const stats: SegmenterStats = { frames: 0, segmentMs: 0, composeMs: 0, handFrames: 0 };

/** Hand trackers reading our frames: each has asked for one (`wanted`) or not. */
interface HandFeed {
  port: MessagePort;
  maxWidth: number;
  wanted: boolean;
}
const handFeeds = new Set<HandFeed>();

/** A copy of `frame` (w x h) at most `maxWidth` wide for each hand feed that asked; done before the frame is closed. */
async function feedHands(frame: VideoFrame | ImageBitmap, w: number, h: number): Promise<void> {
  if (!w || !h) return;
  const sends = [...handFeeds]
    .filter((f) => f.wanted)
    .map(async (f) => {
      f.wanted = false;
      const width = Math.min(w, f.maxWidth);
      const bitmap = await createImageBitmap(frame, { resizeWidth: width, resizeHeight: Math.round((h * width) / w) });
      const fed: FedFrame = { bitmap, aspect: w / h };
      f.port.postMessage(fed, [bitmap]);
      stats.handFrames++;
    });
  // A copy that failed is not sent: the hand worker asks again after its wait.
  await Promise.all(sends).catch(() => undefined);
}

type Ctx = OffscreenCanvasRenderingContext2D;
function canvas(w: number, h: number): { canvas: OffscreenCanvas; ctx: Ctx } {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext("2d");
  if (!ctx) throw new Error("segmenter: no 2d context");
  return { canvas: c, ctx };
}

/** Canvases reused from frame to frame, remade when the frame size changes. */
let surfaces: { w: number; h: number; out: ReturnType<typeof canvas>; person: ReturnType<typeof canvas>; small: ReturnType<typeof canvas> } | null = null;
let mask: { canvas: OffscreenCanvas; ctx: Ctx; pixels: ImageData } | null = null;
/** The background image drawn at the frame's size, for the current effect. */
let backdrop: { key: string; canvas: OffscreenCanvas } | null = null;

function surfacesFor(w: number, h: number) {
  if (surfaces?.w !== w || surfaces.h !== h) {
    surfaces = { w, h, out: canvas(w, h), person: canvas(w, h), small: canvas(Math.max(1, Math.round(w / 4)), Math.max(1, Math.round(h / 4))) };
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

/** The person mask of `frame` as an alpha canvas (mask size), or null when the model gave none. */
function segment(frame: TexImageSource, timestampMs: number): OffscreenCanvas | null {
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
    for (let i = 0; i < values.length; i++) data[i * 4 + 3] = values[i]! * 255;
    mask.ctx.putImageData(mask.pixels, 0, 0);
    painted = mask.canvas;
  });
  return painted;
}

/** The frame with its background blurred or replaced, on the reused output canvas. */
function compose(frame: CanvasImageSource & TexImageSource, w: number, h: number, timestampMs: number): OffscreenCanvas {
  const started = performance.now();
  const personMask = segment(frame, timestampMs);
  const segmented = performance.now();
  const s = surfacesFor(w, h);
  const out = s.out.ctx;
  if (effect.kind === "blur") {
    // Blurred at quarter size (the upscale smooths it further): light ~8 px, strong ~24 px at 720p.
    const small = s.small;
    small.ctx.filter = `blur(${(small.canvas.height / (effect.strength === "light" ? 90 : 30)).toFixed(2)}px)`;
    small.ctx.drawImage(frame, 0, 0, small.canvas.width, small.canvas.height);
    out.imageSmoothingQuality = "high";
    out.drawImage(small.canvas, 0, 0, w, h);
  } else out.drawImage(backdropFor(effect, w, h), 0, 0);
  if (personMask) {
    const p = s.person.ctx;
    p.globalCompositeOperation = "copy";
    p.drawImage(frame, 0, 0, w, h);
    p.globalCompositeOperation = "destination-in";
    p.imageSmoothingQuality = "high";
    p.drawImage(personMask, 0, 0, w, h);
    out.drawImage(s.person.canvas, 0, 0);
  }
  stats.frames++;
  stats.segmentMs += segmented - started;
  stats.composeMs += performance.now() - segmented;
  return s.out.canvas;
}

const api: SegmenterApi = {
  async init(options: SegmenterInit): Promise<SegmenterInitResult> {
    const started = performance.now();
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
        const { value: frame, done } = await reader.read();
        if (done) break;
        let handed: Promise<void> | null = null;
        try {
          if (!running) continue; // read just as the camera went off
          handed = feedHands(frame, frame.displayWidth, frame.displayHeight);
          const painted = compose(frame, frame.displayWidth, frame.displayHeight, frame.timestamp / 1000);
          await writer.write(new VideoFrame(painted, { timestamp: frame.timestamp, duration: frame.duration ?? undefined }));
        } finally {
          await handed;
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
    const feed: HandFeed = { port, maxWidth, wanted: false };
    port.onmessage = (e: MessageEvent<FeedRequest>) => {
      if (e.data === "want") feed.wanted = true;
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
      wake?.();
      wake = null;
    }
  },

  async process(frame: ImageBitmap, timestampMs: number): Promise<ImageBitmap> {
    const handed = feedHands(frame, frame.width, frame.height);
    try {
      const painted = compose(frame, frame.width, frame.height, timestampMs);
      const result = await createImageBitmap(painted);
      return Comlink.transfer(result, [result]);
    } finally {
      await handed;
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
