/**
 * Test page script (bundled on the fly by tests/hands/harness.ts): drives the real worker through
 * the real client helper, feeding it fingerpose photos drawn on a canvas.
 */
import { createHandTracker, HAND_MODEL_URLS, MEDIAPIPE_WASM_BASE, type HandTracker } from "../../drawing/hand-tracker-client.ts";
import type { PageApi, RunStats } from "./harness.ts";

let tracker: HandTracker | null = null;
const photos = new Map<string, ImageBitmap>();

async function photo(name: string): Promise<ImageBitmap> {
  const cached = photos.get(name);
  if (cached) return cached;
  const res = await fetch(`/photos/${name}.jpg`);
  if (!res.ok) throw new Error(`photo ${name}: HTTP ${res.status}`);
  const bitmap = await createImageBitmap(await res.blob());
  photos.set(name, bitmap);
  return bitmap;
}

/** Photos side by side, each fitted (aspect kept, centred) into an equal-width slot. */
async function compose(names: string[], width: number, height: number): Promise<OffscreenCanvas> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2d context");
  ctx.fillStyle = "#202020";
  ctx.fillRect(0, 0, width, height);
  const slot = width / names.length;
  for (const [i, name] of names.entries()) {
    const img = await photo(name);
    const scale = Math.min(slot / img.width, height / img.height);
    const w = img.width * scale;
    const h = img.height * scale;
    ctx.drawImage(img, i * slot + (slot - w) / 2, (height - h) / 2, w, h);
  }
  return canvas;
}

function need(): HandTracker {
  if (!tracker) throw new Error("call init first");
  return tracker;
}

const api: PageApi = {
  async init(variant, numHands, workerUrl) {
    await tracker?.dispose();
    tracker = createHandTracker(workerUrl);
    const phases: string[] = [];
    const result = await tracker.init({ modelUrl: HAND_MODEL_URLS[variant], wasmBase: MEDIAPIPE_WASM_BASE, numHands }, (p) => {
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
    });
    // Progress callbacks are fire-and-forget messages: let the last ones arrive.
    await new Promise((r) => setTimeout(r, 50));
    return { ...result, phases };
  },

  async detectPhotos(names, width, height, timestampMs, probe) {
    const canvas = await compose(names, width, height);
    const bitmap = canvas.transferToImageBitmap();
    const sent = performance.now();
    const result = await need().detect(bitmap, timestampMs, probe);
    return { ...result, roundTripMs: performance.now() - sent };
  },

  async run(names, width, height, durationMs, secondHand) {
    const t = need();
    const base = await compose(names, width, height);
    const frame = new OffscreenCanvas(width, height);
    const ctx = frame.getContext("2d");
    if (!ctx) throw new Error("no 2d context");
    const stats: RunStats = { frames: 0, fps: 0, inferenceMs: [], roundTripMs: [], handsSeen: [], longTasks: [], switchMs: 0, probeMs: 0 };
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) stats.longTasks.push(entry.duration);
    });
    observer.observe({ type: "longtask" });
    const started = performance.now();
    let lookAt = started + 3000;
    let peekUntil = 0;
    while (performance.now() - started < durationMs) {
      const now = performance.now();
      if (peekUntil && now >= peekUntil) {
        stats.switchMs += (await t.setNumHands(1)).ms;
        peekUntil = 0;
      }
      const look = secondHand !== undefined && now >= lookAt;
      if (look) lookAt = now + 3000;
      if (look && secondHand === "peek") {
        stats.switchMs += (await t.setNumHands(2)).ms;
        peekUntil = performance.now() + 400;
      }
      // Small motion, like a hand held in front of a camera.
      const phase = stats.frames / 15;
      ctx.drawImage(base, Math.sin(phase) * 6, Math.cos(phase) * 4);
      const sent = performance.now();
      const result = await t.detect(frame.transferToImageBitmap(), sent, look && secondHand === "probe");
      stats.probeMs += result.probeMs ?? 0;
      stats.roundTripMs.push(performance.now() - sent);
      stats.inferenceMs.push(result.inferenceMs);
      stats.handsSeen.push(result.hands.length);
      stats.frames++;
    }
    stats.fps = stats.frames / ((performance.now() - started) / 1000);
    await new Promise((r) => setTimeout(r, 100));
    observer.disconnect();
    return stats;
  },

  setNumHands(numHands) {
    return need().setNumHands(numHands);
  },

  async detectFed(names, width, height, times, silent) {
    const t = need();
    const canvas = await compose(names, width, height);
    const { port1, port2 } = new MessageChannel();
    const heard: string[] = [];
    const gaps: number[] = [];
    let sentAt: number | null = null;
    port1.onmessage = async (e: MessageEvent<string>) => {
      heard.push(e.data);
      if (e.data !== "want" || silent) return;
      if (sentAt !== null) gaps.push(performance.now() - sentAt);
      const bitmap = await createImageBitmap(canvas);
      sentAt = performance.now();
      port1.postMessage({ bitmap, aspect: width / height }, [bitmap]);
    };
    await t.takeFrames(port2);
    const results = [];
    for (let i = 0; i < times; i++) results.push(await t.detectNext(performance.now()));
    await t.takeFrames(null);
    await new Promise((r) => setTimeout(r, 100)); // the "stop" on its way
    port1.close();
    return { results, heard, gaps };
  },

  async feedOnCall(names, width, height, probes) {
    const t = need();
    const canvas = await compose(names, width, height);
    const { port1, port2 } = new MessageChannel();
    let wants = 0;
    let sent = 0;
    port1.onmessage = (e: MessageEvent<string>) => {
      if (e.data === "want") wants++;
    };
    const settle = () => new Promise((r) => setTimeout(r, 50)); // the worker's "want"s on their way
    await t.takeFrames(port2);
    await settle();
    const wantsAfter = [wants];
    const results = [];
    for (const probe of probes) {
      for (; sent < wants; sent++) {
        const bitmap = await createImageBitmap(canvas);
        port1.postMessage({ bitmap, aspect: width / height }, [bitmap]);
      }
      results.push(await t.detectNext(performance.now(), probe));
      await settle();
      wantsAfter.push(wants);
    }
    await t.takeFrames(null);
    await settle();
    port1.close();
    return { results, wantsAfter };
  },

  async tryModel(modelUrl, wasmBase = MEDIAPIPE_WASM_BASE) {
    const other = createHandTracker();
    try {
      return await other.init({ modelUrl, wasmBase, numHands: 1 });
    } finally {
      await other.dispose();
    }
  },

  async dispose() {
    await tracker?.dispose();
    tracker = null;
  },
};

(window as unknown as { hands: PageApi }).hands = api;
