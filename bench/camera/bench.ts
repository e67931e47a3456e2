/**
 * Camera pipeline bench (not a test), from a generated fixture camera
 * (tests/helpers/fixture-video.ts, 30 fps) at 640x360 and 1280x720:
 * - the pre-join preview's frames per second with each background choice (the preview shows the
 *   processed track, so its rate is the whole pipeline's), the segmenter worker's own frames per
 *   second and ms per frame split into the model and painting (SegmenterApi.stats(), reached
 *   through window.__onelinkCamera), the share of frames the model ran on (it may skip every
 *   other frame when it cannot keep up), and the main thread's long tasks (> 50 ms) meanwhile;
 * - in a call with Blur (light) and hand drawing on: the same, plus the hand tracker's detections
 *   per second (its worker's detect() and detectNext() calls, counted inside the worker), with the
 *   hand tracker reading its own copy of the camera ("own", as before hand tracking shared the
 *   pipeline's frames: window.__onelinkCamera.shareFramesWithHands(false)) and reading the
 *   pipeline's frames ("shared"), interleaved twice on the same page;
 * - the noise suppressor: RNNoise's processFrame on the real wasm in a loop here (Bun), ms per
 *   480-sample frame against the 10 ms of audio it stands for; and in Chromium, the app's worklet
 *   rendering 30 s of audio offline, less the same graph without it.
 * Run `node_modules/.bin/bun scripts/build.ts` first.
 *
 * With hands, also the model's own ms per call (detectForVideo, timed inside the hand worker) and
 * the hands it saw per call.
 *
 *   node_modules/.bin/bun bench/camera/bench.ts [seconds]
 *   BENCH_SIZES=1280x720 node_modules/.bin/bun bench/camera/bench.ts [seconds]   # one size only
 * BENCH_ROWS=hands: only the "+ hands" rows; BENCH_WAYS=shared (or own): only that way, twice
 * (BENCH_ROUNDS=3: three times each way);
 * BENCH_HAND=1 (or 2): a camera with a raised hand (two hands) beside the person (bench/camera/hand-fixture.ts).
 * After the "+ hands" rows: the browser's resident memory by process and the hand worker's wasm
 * heaps (one per model: the tracker's, then the probe's), read through a few lines put before the
 * worker's script; BENCH_PROBE=0 makes its second model fail to load, as a page without the probe.
 * BENCH_ROWS=blur: only None and Blur (light), then the "+ hands" rows.
 * BENCH_THROTTLE=4: a phone-class CPU, the browser's renderers let run a quarter of the time
 * (bench/camera/throttle.ts; the camera keeps its 30 fps).
 */
import { readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Worker } from "playwright-core";
import { Denoiser, FRAME } from "../../machines/media/rnnoise.ts";
import { button, launchBrowser, moreButton, newPerson, startApp, waitFor, waitForStatus } from "../../tests/e2e/harness.ts";
import { writeFixtureY4m } from "../../tests/helpers/fixture-video.ts";
import { writeHandFixtureY4m } from "./hand-fixture.ts";
import { cpuPerSecond, residentMb, sampleThreads } from "./threads.ts";

const seconds = Number(process.argv[2] ?? 10);
/** BENCH_SIZES=1280x720 (or "640x360,1280x720") picks the sizes; both by default. */
const SIZES = (process.env.BENCH_SIZES ?? "640x360,1280x720").split(",").map((size) => {
  const [w, h] = size.split("x").map(Number);
  if (!w || !h) throw new Error(`BENCH_SIZES: "${size}" is not WIDTHxHEIGHT`);
  return [w, h] as const;
});
const CHOICES =
  process.env.BENCH_ROWS === "hands"
    ? []
    : process.env.BENCH_ROWS === "blur"
      ? ["None", "Blur (light)"]
      : ["None", "Blur (light)", "Blur (strong)", "Picture: dusk"];
/** BENCH_ROUNDS: how many "+ hands" rows each way (2). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WAYS = Array.from({ length: ROUNDS }, () => (process.env.BENCH_WAYS ? [process.env.BENCH_WAYS === "shared"] : [false, true])).flat();
const HANDS_IN_VIEW = Number(process.env.BENCH_HAND ?? 0);
const NO_PROBE = process.env.BENCH_PROBE === "0";
const THROTTLE = Number(process.env.BENCH_THROTTLE ?? 1);
/**
 * Put before the hand worker's script: keeps each wasm instance's memory (self.__wasmMemories), and
 * with BENCH_PROBE=0 refuses a second instance (the worker then runs without its probe).
 */
const WASM_PRELUDE = `(() => {
  const memories = [];
  self.__wasmMemories = memories;
  const keep = (result, imports) => {
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    const found = [...Object.values(instance.exports), ...Object.values(imports ?? {}).flatMap((ns) => Object.values(ns ?? {}))];
    const memory = found.find((v) => v instanceof WebAssembly.Memory);
    if (memory) memories.push(memory);
    return result;
  };
  for (const name of ["instantiate", "instantiateStreaming"]) {
    const original = WebAssembly[name].bind(WebAssembly);
    WebAssembly[name] = async (source, imports) => {
      if (${NO_PROBE} && memories.length >= 1) throw new Error("bench: no second model (BENCH_PROBE=0)");
      return keep(await original(source, imports), imports);
    };
  }
})();
`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** modelFrames is absent from workers built before the model could skip frames: every frame ran it. */
type Stats = { frames: number; modelFrames?: number; segmentMs: number; composeMs: number; handFrames?: number };
const workerStats = (page: Page) =>
  page.evaluate(async () => {
    const all = await (window as never as { __onelinkCamera: { stats(): Promise<Stats[]> } }).__onelinkCamera.stats();
    return all.reduce<Required<Stats>>(
      (sum, s) => ({
        frames: sum.frames + s.frames,
        modelFrames: sum.modelFrames + (s.modelFrames ?? s.frames),
        segmentMs: sum.segmentMs + s.segmentMs,
        composeMs: sum.composeMs + s.composeMs,
        handFrames: sum.handFrames + (s.handFrames ?? 0),
      }),
      { frames: 0, modelFrames: 0, segmentMs: 0, composeMs: 0, handFrames: 0 },
    );
  });

const processing = (page: Page) =>
  page.evaluate(() => {
    const media = (
      window as never as { __onelink: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: { processed: MediaStreamTrack | null } } }> } } }
    ).__onelink.getSnapshot().children.media!;
    return media.getSnapshot().context.processed !== null;
  });

/** The preview's frames per second and the main thread's long tasks over `ms`. */
const preview = (page: Page, ms: number) =>
  page.evaluate(
    (ms) =>
      new Promise<{ fps: number; longTasks: number; longestMs: number }>((resolve) => {
        const video = document.querySelector<HTMLVideoElement>('video[aria-label^="Your video"]')!;
        let frames = 0;
        const tasks: number[] = [];
        const observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) tasks.push(e.duration);
        });
        observer.observe({ type: "longtask" });
        const started = performance.now();
        const onFrame = () => {
          frames++;
          if (performance.now() - started < ms) video.requestVideoFrameCallback(onFrame);
          else {
            observer.disconnect();
            resolve({ fps: (frames * 1000) / (performance.now() - started), longTasks: tasks.length, longestMs: Math.max(0, ...tasks) });
          }
        };
        video.requestVideoFrameCallback(onFrame);
      }),
    ms,
  );

/** The hand worker's counts: detect()/detectNext() calls, and over their answers the model's ms and the hands seen. */
type HandCounts = { detects: number; answers: number; modelMs: number; hands: number; switches: number; switchMs: number; probes: number };
const NO_HANDS: HandCounts = { detects: 0, answers: 0, modelMs: 0, hands: 0, switches: 0, switchMs: 0, probes: 0 };

/** Preview, worker figures and (when `hands` counts them) hand detections over the bench's seconds. */
async function measure(page: Page, hands?: () => Promise<HandCounts>) {
  const before = await workerStats(page);
  const handsBefore = (await hands?.()) ?? NO_HANDS;
  const threadsBefore = sampleThreads();
  const started = performance.now();
  const got = await preview(page, seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuPerSecond(threadsBefore, sampleThreads(), elapsed);
  const after = await workerStats(page);
  const handsAfter = (await hands?.()) ?? NO_HANDS;
  const n = after.frames - before.frames;
  const answers = handsAfter.answers - handsBefore.answers;
  return {
    ...got,
    workerFps: n / elapsed,
    modelMs: n ? (after.segmentMs - before.segmentMs) / n : 0,
    modelShare: n ? (after.modelFrames - before.modelFrames) / n : 0,
    paintMs: n ? (after.composeMs - before.composeMs) / n : 0,
    handFps: hands ? (handsAfter.detects - handsBefore.detects) / elapsed : null,
    /** Hand model calls per frame the segmenter read (the camera's frames), and the copies it made for them. */
    handsPerFrame: n ? (handsAfter.detects - handsBefore.detects) / n : 0,
    copiesPerFrame: n ? (after.handFrames - before.handFrames) / n : 0,
    handModelMs: answers ? (handsAfter.modelMs - handsBefore.modelMs) / answers : 0,
    handsPerCall: answers ? (handsAfter.hands - handsBefore.hands) / answers : 0,
    switches: handsAfter.switches - handsBefore.switches,
    switchMs: handsAfter.switchMs - handsBefore.switchMs,
    probes: handsAfter.probes - handsBefore.probes,
    cpu,
  };
}

function row(label: string, m: Awaited<ReturnType<typeof measure>>) {
  const worker = m.workerFps
    ? `worker ${m.workerFps.toFixed(1)} fps, model ${m.modelMs.toFixed(1)} ms + paint ${m.paintMs.toFixed(1)} ms, model on ${(m.modelShare * 100).toFixed(0)}% of frames`
    : "no worker";
  const hands =
    m.handFps === null
      ? ""
      : `  hands ${m.handFps.toFixed(1)} fps, ${m.handsPerFrame.toFixed(3)} a camera frame (copies ${m.copiesPerFrame.toFixed(3)}) (model ${m.handModelMs.toFixed(1)} ms a call, ${m.handsPerCall.toFixed(2)} hands seen, numHands switched ${m.switches} times, ${m.switchMs.toFixed(0)} ms, ${m.probes} probes)`;
  console.log(
    `${label.padEnd(40)} preview ${m.fps.toFixed(1).padStart(5)} fps  ${worker}${hands}  long tasks ${m.longTasks} (longest ${m.longestMs.toFixed(0)} ms)  load ${load()}`,
  );
  console.log(`${"".padEnd(40)} ${m.cpu}`);
}

function denoiserBench() {
  const wasm = readFileSync(join(import.meta.dir, "../../node_modules/@jitsi/rnnoise-wasm/dist/rnnoise.wasm"));
  const denoiser = new Denoiser(new WebAssembly.Module(wasm));
  const frame = new Float32Array(FRAME);
  let seed = 1;
  const fill = () => {
    for (let k = 0; k < FRAME; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      frame[k] = (seed / 2 ** 32 - 0.5) * 0.2 + 0.3 * Math.sin((k * 2 * Math.PI * 220) / 48_000);
    }
  };
  for (let i = 0; i < 200; i++) fill(), denoiser.processFrame(frame); // warm-up
  const frames = 3000; // 30 s of audio
  let spent = 0;
  for (let i = 0; i < frames; i++) {
    fill();
    const t = performance.now();
    denoiser.processFrame(frame);
    spent += performance.now() - t;
  }
  denoiser.destroy();
  const ms = spent / frames;
  console.log(
    `rnnoise processFrame (Bun, real wasm): ${ms.toFixed(3)} ms per 480-sample frame = ${((ms / 10) * 100).toFixed(1)}% of its 10 ms  load ${load()}`,
  );
}

/**
 * RNNoise in Chromium: 30 s of audio rendered offline (OfflineAudioContext) through the app's own
 * worklet and wasm (what the call runs, under V8 on an audio thread), less the same graph without
 * the worklet; the worklet's second render, after the first warmed it up.
 */
async function denoiserInChromium(page: Page) {
  const { plain, denoised, frames } = await page.evaluate(async () => {
    const seconds = 30;
    const rate = 48_000;
    const module = await WebAssembly.compileStreaming(fetch("/rnnoise/rnnoise.wasm"));
    const render = async (worklet: boolean) => {
      const ctx = new OfflineAudioContext(1, seconds * rate, rate);
      const buffer = ctx.createBuffer(1, seconds * rate, rate);
      const data = buffer.getChannelData(0);
      let seed = 1;
      for (let k = 0; k < data.length; k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        data[k] = (seed / 2 ** 32 - 0.5) * 0.2 + 0.3 * Math.sin((k * 2 * Math.PI * 220) / rate);
      }
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      if (worklet) {
        await ctx.audioWorklet.addModule("/rnnoise/denoise.worklet.js");
        const node = new AudioWorkletNode(ctx, "onelink-denoise", {
          numberOfInputs: 1,
          numberOfOutputs: 1,
          outputChannelCount: [1],
          processorOptions: { module },
        });
        source.connect(node).connect(ctx.destination);
      } else source.connect(ctx.destination);
      source.start();
      const started = performance.now();
      await ctx.startRendering();
      return performance.now() - started;
    };
    const plain = await render(false);
    await render(true);
    return { plain, denoised: await render(true), frames: (seconds * rate) / 480 };
  });
  const ms = (denoised - plain) / frames;
  console.log(
    `rnnoise in Chromium (the worklet, offline render): ${ms.toFixed(3)} ms per 480-sample frame = ${((ms / 10) * 100).toFixed(1)}% of its 10 ms (30 s of audio: ${denoised.toFixed(0)} ms, ${plain.toFixed(0)} without it)  load ${load()}`,
  );
}

/**
 * BENCH_HAND_SCRIPTS="a=/path/a.js,b=/path/b.js": the hand worker's script is read from these
 * files in turn (built hand-tracker.js of two builds), a "+ hands" row with each, hand drawing
 * turned off and on between them (a new worker), so builds compare on one page seconds apart.
 */
const HAND_SCRIPTS = (process.env.BENCH_HAND_SCRIPTS ?? "")
  .split(",")
  .filter(Boolean)
  .map((entry) => {
    const [label, path] = entry.split("=");
    if (!label || !path) throw new Error(`BENCH_HAND_SCRIPTS: "${entry}" is not LABEL=PATH`);
    return { label, path };
  });
let handScript = HAND_SCRIPTS[0] ?? null;

/** Turns hand drawing on and waits for the hand worker's first detection; counts its calls (see HandCounts). */
async function startHands(page: Page) {
  const started = page.waitForEvent("worker", { predicate: (wk) => wk.url().endsWith("/hand-tracker.js"), timeout: 20_000 });
  await (await moreButton(page, "Draw")).click();
  const handWorker = await started;
  await handWorker.evaluate(() => {
    // Comlink's messages name the method called: count detect() and detectNext() calls; its
    // answers go out through self.postMessage: read the model's ms and the hands from them.
    type Answer = { value?: { inferenceMs?: number; probeMs?: number; hands?: unknown[]; ms?: number } } | null;
    const scope = self as unknown as {
      __hands: { detects: number; answers: number; modelMs: number; hands: number; switches: number; switchMs: number; probes: number };
      addEventListener(type: "message", f: (e: MessageEvent) => void): void;
      postMessage(message: unknown, transfer?: Transferable[]): void;
    };
    scope.__hands = { detects: 0, answers: 0, modelMs: 0, hands: 0, switches: 0, switchMs: 0, probes: 0 };
    scope.addEventListener("message", (e) => {
      const method = (e.data as { path?: string[] } | null)?.path?.[0];
      if (method === "detect" || method === "detectNext") scope.__hands.detects++;
    });
    const post = scope.postMessage.bind(scope);
    scope.postMessage = (message, transfer) => {
      const value = (message as Answer)?.value;
      if (typeof value?.inferenceMs === "number" && Array.isArray(value.hands)) {
        scope.__hands.answers++;
        scope.__hands.modelMs += value.inferenceMs + (value.probeMs ?? 0);
        if (typeof value.probeMs === "number") scope.__hands.probes++;
        scope.__hands.hands += value.hands.length;
      } else if (typeof value?.ms === "number") {
        // setNumHands's answer: the graph rebuilt for another number of hands.
        scope.__hands.switches++;
        scope.__hands.switchMs += value.ms;
      }
      post(message, transfer);
    };
  });
  const detects = () => handWorker.evaluate(() => ({ ...(self as unknown as { __hands: HandCounts }).__hands }));
  await waitFor(detects, (n) => n.detects > 0, 120_000);
  return { worker: handWorker, detects };
}

/** Turns hand drawing off and waits for its worker to end. */
async function stopHands(page: Page, handWorker: Worker) {
  const closed = new Promise((resolve) => handWorker.once("close", resolve));
  await (await moreButton(page, "Draw")).click();
  await closed;
}

denoiserBench();
const app = await startApp();
try {
  for (const [w, h] of SIZES) {
    const fixture = join(tmpdir(), `onelink-bench-${w}x${h}-${process.pid}.y4m`);
    if (HANDS_IN_VIEW === 1 || HANDS_IN_VIEW === 2) await writeHandFixtureY4m(fixture, w, h, HANDS_IN_VIEW);
    else writeFixtureY4m(fixture, w, h, 10);
    const browser = await launchBrowser([`--use-file-for-fake-video-capture=${fixture}`]);
    const throttler = THROTTLE > 1 ? Bun.spawn([process.execPath, join(import.meta.dir, "throttle.ts"), String(THROTTLE), String(process.pid)]) : null;
    try {
      const { page, context } = await newPerson(browser, app.url);
      await context.route("**/workers/hand-tracker.js", async (route) => {
        const response = await route.fetch();
        const headers = { "content-type": "text/javascript", "cache-control": "no-store" };
        const script = handScript ? readFileSync(handScript.path, "utf8") : await response.text();
        await route.fulfill({ status: response.status(), headers, body: WASM_PRELUDE + script });
      });
      await page.goto(`${app.url}/c/${crypto.randomUUID()}`);
      if (w === SIZES[0]![0] && h === SIZES[0]![1]) await denoiserInChromium(page);
      for (const choice of CHOICES) {
        await page.getByRole("combobox", { name: "Background" }).selectOption({ label: choice });
        await waitFor(
          () => processing(page),
          (on) => on === (choice !== "None"),
          30_000,
        );
        await Bun.sleep(2000); // warm-up
        row(`${w}x${h} ${choice}`, await measure(page));
      }
      // In the call, alone, with Blur (light) and hand drawing: both workers on one camera.
      await page.getByRole("combobox", { name: "Background" }).selectOption({ label: "Blur (light)" });
      await button(page, "Join").click();
      await waitForStatus(page, "Waiting for someone to join", 20_000);
      await waitFor(
        () => processing(page),
        (on) => on,
        30_000,
      );
      let hands = await startHands(page);
      const scripts = HAND_SCRIPTS.length ? HAND_SCRIPTS : [null];
      for (const [round, shared] of WAYS.entries()) {
        // Every other round in the opposite order, so no script always follows the same one.
        for (const script of round % 2 ? [...scripts].reverse() : scripts) {
          if (script && script !== handScript) {
            await stopHands(page, hands.worker);
            handScript = script;
            hands = await startHands(page);
          }
          await page.evaluate(
            (on) => (window as never as { __onelinkCamera: { shareFramesWithHands(on: boolean): void } }).__onelinkCamera.shareFramesWithHands(on),
            shared,
          );
          await Bun.sleep(2000);
          const label = `${w}x${h} Blur (light) + hands, ${shared ? "shared" : "own"}${script ? ` [${script.label}]` : ""}`;
          row(label, await measure(page, hands.detects));
        }
      }
      const handWorker = hands.worker;
      const heaps = await handWorker.evaluate(() =>
        (self as unknown as { __wasmMemories?: WebAssembly.Memory[] }).__wasmMemories?.map((m) => m.buffer.byteLength / 2 ** 20),
      );
      console.log(
        `${w}x${h} memory${NO_PROBE ? " (no probe)" : ""}: hand worker wasm heaps ${heaps?.map((mb) => mb.toFixed(1)).join(" + ") ?? "unread"} MB; resident MB ${residentMb()}  load ${load()}`,
      );
    } finally {
      throttler?.kill();
      await throttler?.exited;
      await browser.close();
    }
  }
} finally {
  await app.stop();
}
