/**
 * Browser harness for the hand-tracker worker: a tiny Bun.serve on 127.0.0.1 (build/public, a
 * test page bundled from tests/hands/page.ts, the fingerpose photos) and headless Chromium with
 * software WebGL (tasks-vision needs a WebGL2 context even on the CPU delegate).
 * Used by worker.browser.test.ts, make-fixtures.ts and bench/hands.bench.ts.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import { existsSync } from "node:fs";
import { join, normalize, resolve } from "node:path";
import type { FedDetectResult, DetectResult, InitResult, ModelVariant } from "../../protocol/hand-tracker.ts";
import { NO_BROWSER_UI } from "../e2e/harness.ts";

const ROOT = resolve(import.meta.dir, "../..");
export const PUBLIC_DIR = join(ROOT, "build", "public");
const PHOTO_DIR = join(ROOT, "node_modules", "fingerpose", "assets");
export const PHOTOS = ["nocurl", "halfcurl", "fullcurl"] as const;
export type Photo = (typeof PHOTOS)[number];

export const HAND_CHROMIUM_ARGS = [
  "--no-sandbox",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--ignore-gpu-blocklist",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  // No renderer for the address bar's popup in each new window (tests/e2e/harness.ts CHROMIUM_ARGS).
  `--disable-features=${NO_BROWSER_UI.join(",")}`,
];

/** What the page (tests/hands/page.ts) puts on window.hands. */
export interface PageApi {
  /** (Re)creates the worker (default URL: the built /workers/hand-tracker.js) and init()s it. */
  init(variant: ModelVariant, numHands: number, workerUrl?: string): Promise<InitResult & { phases: string[] }>;
  /** Draws the photos side by side (each fitted into its half/whole) on a width x height canvas. */
  /** `roundTripMs`: from handing the frame to the worker to its answer, as the page times it. */
  detectPhotos(photos: string[], width: number, height: number, timestampMs: number, probe?: boolean): Promise<DetectResult & { roundTripMs: number }>;
  /**
   * detect() on the photos (a little motion) for `durationMs`, one call in flight. `secondHand`: every
   * 3 s look for a second hand as the app did before (numHands 2 for 0.4 s, "peek") or does now
   * (one frame with a probe, "probe"); the worker should be at numHands 1.
   */
  run(photos: string[], width: number, height: number, durationMs: number, secondHand?: "peek" | "probe"): Promise<RunStats>;
  setNumHands(numHands: number): Promise<{ ms: number }>;
  /**
   * Feeds the worker over a MessagePort the way the segmenter does (takeFrames), the photos as one
   * frame per "want" (none when `silent`), calls detectNext `times` times, then ends the feed.
   * Returns the results, what the worker said on the port and, for each "want" after a frame was
   * sent, the ms since that frame was sent.
   */
  detectFed(
    photos: string[],
    width: number,
    height: number,
    times: number,
    silent: boolean,
  ): Promise<{ results: (FedDetectResult | null)[]; heard: string[]; gaps: number[] }>;
  /**
   * Feeds the worker over a MessagePort like detectFed, but frames go only just before each
   * detectNext call, one for each "want" not answered yet; a call carries a probe where `probes`
   * says. Returns the results and how many "want"s were heard after takeFrames and after each call.
   */
  feedOnCall(photos: string[], width: number, height: number, probes: boolean[]): Promise<{ results: (FedDetectResult | null)[]; wantsAfter: number[] }>;
  /** init() a throwaway worker with another model URL / wasm base, return its result. */
  tryModel(modelUrl: string, wasmBase?: string): Promise<InitResult>;
  dispose(): Promise<void>;
}

export interface RunStats {
  frames: number;
  fps: number;
  inferenceMs: number[];
  roundTripMs: number[];
  handsSeen: number[];
  longTasks: number[];
  /** setNumHands ms and probe ms, summed (secondHand). */
  switchMs: number;
  probeMs: number;
}

export interface HandServer {
  url: string;
  stop(): Promise<void>;
}

async function pageBundle(): Promise<string> {
  const result = await Bun.build({ entrypoints: [join(import.meta.dir, "page.ts")], target: "browser", format: "esm" });
  if (!result.success || !result.outputs[0]) throw new AggregateError(result.logs, "test page bundle failed");
  return result.outputs[0].text();
}

export async function startHandServer(): Promise<HandServer> {
  if (!existsSync(join(PUBLIC_DIR, "workers", "hand-tracker.js")) || !existsSync(join(PUBLIC_DIR, "models"))) {
    throw new Error("build/public is missing the worker or models: run `bun scripts/build.ts` first");
  }
  const script = await pageBundle();
  const html = `<!doctype html><meta charset="utf-8"><title>hands</title><body><script type="module" src="/page.js"></script></body>`;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const { pathname } = new URL(req.url);
      if (pathname === "/") return new Response(html, { headers: { "content-type": "text/html" } });
      if (pathname === "/page.js") return new Response(script, { headers: { "content-type": "text/javascript" } });
      const photo = /^\/photos\/(\w+)\.jpg$/.exec(pathname);
      const path = photo ? join(PHOTO_DIR, `${photo[1]}.jpg`) : normalize(join(PUBLIC_DIR, pathname));
      if (!photo && !path.startsWith(`${PUBLIC_DIR}/`)) return new Response("no", { status: 404 });
      const file = Bun.file(path);
      return (await file.exists()) ? new Response(file) : new Response("not found", { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

export function launchHandBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: HAND_CHROMIUM_ARGS });
}

export interface HandPage {
  page: Page;
  /** Requests that left 127.0.0.1 (blocked, recorded). */
  offsite: string[];
  errors: string[];
}

export async function openHandPage(browser: Browser, server: HandServer): Promise<HandPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const offsite: string[] = [];
  const errors: string[] = [];
  // Context-level, so requests from the dedicated worker are seen too.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url)) return route.continue();
    offsite.push(url);
    return route.abort();
  });
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(server.url);
  await page.waitForFunction(() => "hands" in window);
  return { page, offsite, errors };
}

/** Calls window.hands[name](...args) in the page. */
export function call<K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const api = (window as unknown as { hands: Record<string, (...x: unknown[]) => unknown> }).hands;
      return api[n as string]!(...(a as unknown[]));
    },
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
