/**
 * End-to-end harness: the real server as its own process (so tests can kill and restart it),
 * Debian's Chromium through playwright-core with fake camera and microphone, and probes that read
 * what a user would see (status text, decoded remote frames).
 */
import { afterAll, beforeAll } from "bun:test";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { resolve } from "node:path";
import { type ClientMessage, decodeClient, decodeServer, type ServerMessage } from "../../protocol/index.ts";

const ROOT = resolve(import.meta.dir, "../..");
export const BUN = resolve(ROOT, "node_modules/.bin/bun");

export interface AppServer {
  url: string;
  port: number;
  proc: ReturnType<typeof Bun.spawn>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** What the server wrote to stderr, once stopped (only when started with `stderr: "pipe"`). */
  stderr(): Promise<string>;
  /** What it printed on stdout until it was listening. */
  startup: string;
}

/** A TCP port free on 127.0.0.1 right now, for a server that must come back on the same port. */
export { freePort } from "../../scripts/janus.ts";

/**
 * Starts `signal-server/main.ts` on 127.0.0.1 (an ephemeral port unless one is given). Its stderr
 * goes to ours, or with `stderr: "pipe"` is kept for the test to read what an operator would.
 * Without a Janus (SFU=off) unless the test asks for one: `SFU_URLS` of its own (tests/helpers/janus.ts)
 * or `SFU: "on"` for the server's own. `opts.root`: another checkout of the project to run
 * (bench/join/compare.ts: a variant's own build beside this one).
 */
export async function startApp(env: Record<string, string> = {}, port = 0, opts: { stderr?: "pipe" | "inherit"; root?: string } = {}): Promise<AppServer> {
  const proc = Bun.spawn([BUN, "signal-server/main.ts"], {
    cwd: opts.root ?? ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), STUN_URLS: "", NODE_ENV: "production", ...(env.SFU_URLS ? {} : { SFU: "off" }), ...env },
    stdout: "pipe",
    stderr: opts.stderr ?? "inherit",
  });
  const reader = proc.stdout.getReader();
  let seen = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
    const match = /Listening on http:\/\/localhost:(\d+)/.exec(seen);
    if (match) {
      reader.releaseLock();
      void proc.stdout.pipeTo(new WritableStream()).catch(() => {});
      const actualPort = Number(match[1]);
      return {
        url: `http://127.0.0.1:${actualPort}`,
        port: actualPort,
        proc,
        async stop(signal = "SIGTERM") {
          proc.kill(signal);
          await proc.exited;
        },
        stderr: () => (proc.stderr instanceof ReadableStream ? new Response(proc.stderr).text() : Promise.resolve("")),
        startup: seen,
      };
    }
  }
  proc.kill("SIGKILL");
  throw new Error(`server did not start: ${seen}`);
}

/** The browser's own UI pages that a headless window would start (see CHROMIUM_ARGS). */
export const NO_BROWSER_UI = ["WebUIOmniboxPopup", "WebUIOmniboxAimPopup"];

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
  // Host candidates are real addresses (no mDNS names): loopback here, and inside the test network
  // namespace (scripts/netns.sh) its veth addresses too, which is how browsers reach Janus.
  // Headless Chromium opens each context as a window of its own, and each window starts a renderer
  // for the address bar's popup (a WebUI page, chrome://omnibox-popup.top-chrome): ~1.7 s of CPU in
  // its first 2 s, each time, on these 2 cores, while the test (or bench) is already measuring. A
  // person's browser made it once, long before a call. Both features are needed to keep it out.
  `--disable-features=${["WebRtcHideLocalIpsWithMdns", ...NO_BROWSER_UI].join(",")}`,
  "--allow-loopback-in-peer-connection",
];

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
  // Every context, however a test makes it, records CSP violations (tests/helpers/csp-check.ts).
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => watchCsp(await newContext(options));
  return browser;
}

/**
 * Runs a test tool's script file (axe-core) in the page. Not a <script> element, which the page's
 * CSP refuses (and reports) as inline script: DevTools evaluation is not subject to the page's CSP.
 */
export async function runScriptFile(page: Page, path: string): Promise<void> {
  await page.evaluate(await Bun.file(path).text());
}

/** Where recorded violations go; tests/helpers/csp-check.ts (preloaded) fails a test that left any. */
export const cspViolations: string[] = ((globalThis as { __onelinkCspViolations?: string[] }).__onelinkCspViolations ??= []);
const watched = new WeakSet<BrowserContext>();

/**
 * An init script (see watchCsp): reports each `securitypolicyviolation` the page sees to the test.
 * Runs in the page: it may use nothing from outside itself.
 */
export function recordCspViolations() {
  const report = (window as unknown as { __onelinkCspViolation?: (text: string) => void }).__onelinkCspViolation;
  document.addEventListener("securitypolicyviolation", (e) => {
    report?.(`${location.pathname}: ${e.effectiveDirective} refused ${e.blockedURI || "(inline)"} at ${e.sourceFile || "?"}:${e.lineNumber}`);
  });
}

/** Records the context's CSP violations: its pages' events, and what workers log about the policy. */
export async function watchCsp(context: BrowserContext): Promise<BrowserContext> {
  if (watched.has(context)) return context;
  watched.add(context);
  await context.exposeFunction("__onelinkCspViolation", (text: string) => void cspViolations.push(String(text)));
  await context.addInitScript(recordCspViolations);
  // A worker's violations do not reach the page's listener; Chromium logs them on the console.
  context.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(`console: ${msg.text()}`);
  });
  return context;
}

export async function newPerson(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ permissions: ["camera", "microphone"], viewport: { width: 1100, height: 720 } });
  await context.grantPermissions(["camera", "microphone", "clipboard-read", "clipboard-write"], { origin });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  return { context, page };
}

/**
 * An init script (`context.addInitScript(recordPeerConnections)`): keeps every RTCPeerConnection
 * the page makes in `window.__pcs`, so a test can read its descriptions and stats. Runs in the
 * page: it may use nothing from outside itself.
 */
export function recordPeerConnections() {
  const w = window as unknown as { __pcs: RTCPeerConnection[]; RTCPeerConnection: typeof RTCPeerConnection };
  w.__pcs = [];
  const Native = w.RTCPeerConnection;
  w.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      w.__pcs.push(this);
    }
  };
}

/**
 * An init script (`context.addInitScript(slowDevices, ms)`): every getUserMedia resolves `ms` later
 * than the fake devices do, as a slow webcam; `window.__devicesOpen` says when the first did.
 */
export function slowDevices(ms: number) {
  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  const w = window as unknown as { __devicesOpen?: number };
  media.getUserMedia = (constraints) =>
    getUserMedia(constraints).then(
      (stream) =>
        new Promise<MediaStream>((resolve) =>
          setTimeout(() => {
            w.__devicesOpen ??= performance.now();
            resolve(stream);
          }, ms),
        ),
    );
}

/** The sound energy a page has received so far on its open connections' incoming audio (inbound-rtp totalAudioEnergy; needs recordPeerConnections). */
export const audioEnergy = (page: Page) =>
  page.evaluate(async () => {
    let energy = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") energy += r.totalAudioEnergy ?? 0;
      });
    }
    return energy;
  });

/**
 * An init script (`context.addInitScript(recordDataChannels)`): keeps every data channel the page
 * creates in `window.__channels`, so a test can send on the app's own negotiated channels as a
 * scripted peer would. Runs in the page: it may use nothing from outside itself.
 */
export function recordDataChannels() {
  const w = window as unknown as { __channels: RTCDataChannel[] };
  w.__channels = [];
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...args: Parameters<typeof create>) {
    const channel = create.apply(this, args);
    w.__channels.push(channel);
    return channel;
  };
}

/**
 * Bytes each simulcast layer (by rid) of the page's published video sent over `ms`, and whether the browser counts it active
 * (the page needs `recordPeerConnections`).
 */
export async function layersSent(page: Page, ms: number): Promise<Record<string, { bytes: number; active: boolean }>> {
  const read = () =>
    page.evaluate(async () => {
      const out: [string, number, boolean][] = [];
      const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
      for (const pc of pcs) {
        if (pc.connectionState === "closed") continue;
        (await pc.getStats()).forEach((s) => {
          if (s.type === "outbound-rtp" && s.kind === "video" && s.rid) out.push([s.rid, s.bytesSent ?? 0, s.active !== false]);
        });
      }
      return out;
    });
  const before = new Map((await read()).map(([rid, bytes]) => [rid, bytes]));
  await Bun.sleep(ms);
  return Object.fromEntries((await read()).map(([rid, bytes, active]) => [rid, { bytes: bytes - (before.get(rid) ?? 0), active }]));
}

export const statusOf = (page: Page) => page.getByRole("status").first().innerText();

/**
 * An init script: keeps every frame the page's WebSockets send and receive (as bytes), so a test
 * can say what left the page and what it heard. Runs in the page: it may use nothing from outside.
 */
export function recordSocketFrames() {
  const w = window as unknown as { __frames: { out: number[][]; in: number[][] }; WebSocket: typeof WebSocket };
  w.__frames = { out: [], in: [] };
  const bytes = (data: unknown) =>
    data instanceof ArrayBuffer
      ? [...new Uint8Array(data)]
      : ArrayBuffer.isView(data)
        ? [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]
        : [];
  const Native = w.WebSocket;
  w.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (ev) => w.__frames.in.push(bytes(ev.data)));
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      w.__frames.out.push(bytes(data));
      super.send(data);
    }
  };
}

/** The frames a page sent (`out`) or heard (`in`) so far, decoded (recordSocketFrames). */
export async function frames<D extends "out" | "in">(page: Page, dir: D): Promise<D extends "out" ? ClientMessage[] : ServerMessage[]> {
  const raw = await page.evaluate((d) => (window as unknown as { __frames: Record<string, number[][]> }).__frames[d]!, dir);
  return raw.map((b) => {
    const decoded = (dir === "out" ? decodeClient : decodeServer)(new Uint8Array(b));
    if (!decoded.ok) throw new Error(`a frame that does not decode: ${decoded.text}`);
    return decoded.msg;
  }) as never;
}

export async function waitForStatus(page: Page, text: string | RegExp, timeout = 15_000) {
  await page.getByRole("status").filter({ hasText: text }).first().waitFor({ timeout });
}

/** "New call" on the start page: once the call waits for someone, its link (the key in its fragment). */
export async function newCall(page: Page): Promise<string> {
  await button(page, "New call").click();
  await waitForStatus(page, "Waiting for someone to join");
  return page.getByRole("textbox", { name: "Call link" }).inputValue();
}

/**
 * Resolves once the named video has decoded `count` new frames (requestVideoFrameCallback), so
 * a frozen or black-holed stream fails. Returns how long that took in ms.
 */
export async function waitForNewFrames(page: Page, label = "Remote video", count = 5, timeout = 15_000): Promise<number> {
  return page.evaluate(
    ({ label, count, timeout }) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        let seen = 0;
        // On failure, what the page's video and (when recorded, recordPeerConnections) its connections say, so a
        // frozen picture tells whether packets, decoding or the element stopped.
        const state = async () => {
          const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
          const tracks = (video?.srcObject as MediaStream | null)
            ?.getVideoTracks()
            .map((t) => `${t.readyState}${t.muted ? " muted" : ""}${t.enabled ? "" : " disabled"}`);
          const shown = video?.checkVisibility() ? "" : " not visible";
          const parts = [
            video
              ? `video ${video.videoWidth}x${video.videoHeight} ready ${video.readyState}${video.paused ? " paused" : ""}${shown}, tracks [${tracks}]`
              : "no video",
            `status "${[...document.querySelectorAll('[role="status"]')]
              .map((el) => el.textContent?.trim())
              .filter(Boolean)
              .join(" | ")}"`,
          ];
          for (const pc of (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []) {
            if (pc.connectionState === "closed") continue;
            const rtp: string[] = [];
            (await pc.getStats()).forEach((r) => {
              if (r.kind !== "video") return;
              if (r.type === "inbound-rtp")
                rtp.push(`in ${r.packetsReceived} pkts ${r.framesReceived ?? 0}/${r.framesDecoded ?? 0} frames, ${r.pliCount ?? 0} pli`);
              if (r.type === "outbound-rtp") rtp.push(`out ${r.packetsSent} pkts ${r.framesEncoded ?? 0} frames`);
            });
            parts.push(`pc ${pc.connectionState}/${pc.iceConnectionState}/${pc.signalingState}: ${rtp.join(", ")}`);
          }
          return parts.join("; ");
        };
        const timer = setTimeout(async () => {
          const message = `only ${seen}/${count} new frames on "${label}" in ${timeout} ms`;
          reject(
            new Error(
              await state().then(
                (s) => `${message} (${s})`,
                () => message,
              ),
            ),
          );
        }, timeout);
        const watch = () => {
          // "Remote video" finds "Remote video: Ada" too (a participant's video is named after them).
          const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
          if (!video) return void setTimeout(watch, 50);
          const onFrame = () => {
            seen++;
            if (seen >= count) {
              clearTimeout(timer);
              resolve(performance.now() - started);
            } else video.requestVideoFrameCallback(onFrame);
          };
          video.requestVideoFrameCallback(onFrame);
          // The same picture drawn anew (the first pre-join screen replaced by the app's, ui/quick-lobby.ts): counted on there.
          const moved = () => {
            if (seen >= count) return;
            if (video.isConnected) return void setTimeout(moved, 100);
            watch();
          };
          setTimeout(moved, 100);
        };
        watch();
      }),
    { label, count, timeout },
  );
}

/** Reads until `ok` holds (every 250 ms), and returns that value; throws with the last value on timeout. */
export async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeout = 20_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await Bun.sleep(250);
    v = await read();
  }
  return v;
}

/** Waits (up to 5 s) until the element's attribute has this value: React may render a tick after the event. */
export async function expectAttribute(locator: Locator, name: string, value: string | null) {
  await waitFor(
    () => locator.getAttribute(name),
    (v) => v === value,
    5_000,
  );
}

export const button = (page: Page, name: string) => page.getByRole("button", { name, exact: true });

/**
 * A control in the call's More menu, More opened first. The menu closes once a control in it is
 * pressed; the locator still finds the control then (hidden), to read its state.
 */
export async function moreButton(page: Page, name: string): Promise<Locator> {
  const more = button(page, "More");
  if ((await more.getAttribute("aria-expanded")) !== "true") await more.click();
  return page.getByRole("button", { name, exact: true, includeHidden: true });
}

/** Whether nothing else is drawn over the element: its corners and centre are its own (a QR code must be whole to scan). */
export function isUncovered(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    // 8 px in from each corner: inside a rounded corner (a QR code's white box has one), still in its quiet zone.
    const points = [
      [r.left + 8, r.top + 8],
      [r.right - 8, r.top + 8],
      [r.left + 8, r.bottom - 8],
      [r.right - 8, r.bottom - 8],
      [(r.left + r.right) / 2, (r.top + r.bottom) / 2],
    ];
    return points.every(([x, y]) => {
      const top = document.elementFromPoint(x!, y!);
      return top !== null && (top === el || el.contains(top));
    });
  });
}

/**
 * One app server and one Chromium for a whole test file, started before and stopped after it.
 * Read `ctx.app` / `ctx.browser` inside tests.
 */
export function useAppAndBrowser(env: Record<string, string> = {}, browserArgs: string[] = []) {
  const ctx = {} as { app: AppServer; browser: Browser };
  beforeAll(async () => {
    ctx.app = await startApp(env);
    ctx.browser = await launchBrowser(browserArgs);
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.app?.stop();
  });
  return ctx;
}

/**
 * Opens a call link as a person would: the pre-join screen, then Join. (The page's own address
 * again is loaded afresh: going to the same URL with a fragment would only scroll.)
 */
export async function openCallLink(page: Page, url: string) {
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await button(page, "Join").click();
}

/**
 * Waits until the page shows `n` remote videos and each has shown `frames` new frames since the
 * wait began (requestVideoFrameCallback; a video that appears meanwhile counts from then): every
 * picture advancing, a frozen one never. Counted, not a rate over a window: a busy machine renders
 * a moving picture at a few frames a second. Returns the counts, in page order.
 */
export function waitForMoving(page: Page, n: number, timeout = 30_000, frames = 3): Promise<number[]> {
  return page.evaluate(
    ({ n, frames, timeout }) =>
      new Promise<number[]>((resolve, reject) => {
        const counts = new Map<HTMLVideoElement, number>();
        let done = false;
        const current = () => [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')];
        const watch = (v: HTMLVideoElement) => {
          counts.set(v, 0);
          const tick = () => {
            if (done) return;
            counts.set(v, counts.get(v)! + 1);
            v.requestVideoFrameCallback(tick);
          };
          v.requestVideoFrameCallback(tick);
        };
        const now = () => current().map((v) => counts.get(v) ?? 0);
        const timer = setTimeout(() => {
          done = true;
          reject(new Error(`not ${n} remote videos each with ${frames} new frames in ${timeout} ms: ${JSON.stringify(now())}`));
        }, timeout);
        const check = () => {
          if (done) return;
          const videos = current();
          for (const v of videos) if (!counts.has(v)) watch(v);
          const seen = now();
          if (seen.length === n && seen.every((c) => c >= frames)) {
            done = true;
            clearTimeout(timer);
            resolve(seen);
          } else setTimeout(check, 100);
        };
        check();
      }),
    { n, frames, timeout },
  );
}

/** Frames each remote video decodes over `ms`, in page order. */
export function remoteFrameCounts(page: Page, ms = 1500): Promise<number[]> {
  return page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        const videos = [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')];
        const counts = videos.map(() => 0);
        let done = false;
        videos.forEach((v, i) => {
          const tick = () => {
            if (done) return;
            counts[i]!++;
            v.requestVideoFrameCallback(tick);
          };
          v.requestVideoFrameCallback(tick);
        });
        setTimeout(() => {
          done = true;
          resolve(counts);
        }, ms);
      }),
    ms,
  );
}
