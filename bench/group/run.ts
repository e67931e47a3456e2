/**
 * Group-call benchmark (#16), not a test: in one run, on one machine, inside the network namespace
 * (Janus's ICE skips loopback):
 *   1:1    two full pages on a direct call (the baseline for CPU per received frame);
 *   mesh   the same people all-to-all over loopback (bench/group/mesh.html: one RTCPeerConnection
 *          per pair, no server), at growing sizes until it stops holding 15 fps per tile;
 *   group  N people on one link through the app's real path (the OneLink server, the project's own
 *          Janus): two full viewers, each in a browser of its own; the 3rd and the last joiner are
 *          full app pages too (the switch to the SFU, the last joiner's first frames), their tabs
 *          saying they are hidden once in (so, as a hidden tab does, they receive no video);
 *          everyone between is a bot (bench/group/bot.ts: the app's own socket and media-server
 *          actors publishing a fake camera in three simulcast layers and a tone, end-to-end
 *          encrypted with the link's key, receiving nothing), up to 16 in one page of one browser. Two cores cannot
 *          run 20 full pages, each decoding 18+ audio streams.
 * Every camera is Chromium's fake device at 320x180, 15 fps (the app's own media settings).
 * Reported per viewer: frames/s per tile, downlink kbit/s, CPU per received frame (the viewer's
 * whole browser, /proc), Janus CPU (/proc/<pid>/stat); the longest received-frame gap at the 3rd
 * join (direct → SFU); the last joiner's time from Join to first frames. Targets printed pass/miss.
 * `--nodes 3`: the app runs as that many nodes sharing one Redis (#17), the people on them in turn
 * (person n on node n mod 3: the two viewers on different nodes, the bots spread), as behind a
 * balancer; the 1:1 call is then across two nodes too.
 *   bash scripts/netns.sh node_modules/.bin/bun bench/group/run.ts [--people 20] [--mesh 4,8] [--window 10] [--nodes 1]
 */
import { loadavg } from "node:os";
import { resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { button, launchBrowser, newPerson, recordPeerConnections, startApp, waitFor, waitForStatus } from "../../tests/e2e/harness.ts";
import { Redis } from "../../tests/helpers/cluster.ts";
import { startTestJanus } from "../../tests/helpers/janus.ts";
import type { BotOptions, BotStatus } from "./bot.ts";
import { browserPid, busiest, byProcess, HZ, threadTicks, treeTicks } from "./cpu.ts";
import { frameCounts, recordFirstFrames, recordGaps, seesMoving } from "./probes.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const PEOPLE = Number(flag("people", "20"));
const MESH_SIZES = flag("mesh", "4,8")
  .split(",")
  .map(Number)
  .filter((n) => n >= 2);
const WINDOW_MS = Number(flag("window", "10")) * 1000;
const PAGES_PER_BROWSER = 6;
const BOTS_PER_BROWSER = 16;
const CAMERA = { width: 320, height: 180, frameRate: 15 };
if (!(PEOPLE >= 3 && PEOPLE <= 20)) throw new Error("--people must be 3..20 (the room holds 20)");
const NODES = Number(flag("nodes", "1"));
if (!(NODES >= 1 && NODES <= 8)) throw new Error("--nodes must be 1..8");

/**
 * The bots' microphone: silence (the default: a listener's microphone after the app's noise
 * suppression, or muted), room noise (white, about -60 dBFS, unprocessed), or a tone that never
 * stops (the bench before 1 Dec: 16 people talking at once).
 */
const BOT_MIC = flag("bot-mic", "silence") as BotOptions["mic"];
if (!["noise", "silence", "tone"].includes(BOT_MIC)) throw new Error("--bot-mic must be noise, silence or tone");

/**
 * `--smoothing off`: the viewers' Chromium runs with --disable-rtc-smoothness-algorithm. Headless,
 * Chromium's smoothing of WebRTC video presentation often shows 10 of 15 decoded frames/s even in a
 * bare page (bench/group/present.ts): off, what a tile presents is what its stream decodes.
 */
const SMOOTHING = flag("smoothing", "on");
if (!["on", "off"].includes(SMOOTHING)) throw new Error("--smoothing must be on or off");
const VIEWER_ARGS = SMOOTHING === "off" ? ["--disable-rtc-smoothness-algorithm"] : [];

const TARGET = { fps: 15, downlinkKbps: 2500, cpuRatio: 1.5, joinMs: 2000, gapMs: 300 };

async function taggedBrowser(tag: string, extra: string[] = []): Promise<{ browser: Browser; pid: number }> {
  const browser = await launchBrowser([`--onelink-bench=${tag}`, ...extra]);
  return { browser, pid: browserPid(tag) };
}

// ---- What a viewer receives, read in its page ------------------------------------------------

interface Window_ {
  /** `frames`: presented (requestVideoFrameCallback); `decoded`: by its stream's decoder (stats). */
  tiles: { label: string; frames: number; presented: number; decoded: number; visible: boolean; width: number }[];
  bytes: number;
  decoded: number;
  /** Video frames assembled from packets, and those dropped before or after decoding. */
  received: number;
  dropped: number;
  /** Audio packets received (every remote microphone). */
  audioPackets: number;
}

/**
 * Over `ms`: frames each remote video presented (requestVideoFrameCallback) and its stream
 * decoded (its track's inbound-rtp), whether it is on screen, and the bytes and video frames of
 * every open peer connection.
 */
function windowOf(page: Page, ms: number): Promise<Window_> {
  return page.evaluate(async (ms) => {
    const w = window as unknown as { __pcs: RTCPeerConnection[] | Map<string, RTCPeerConnection> };
    const totals = async () => {
      let bytes = 0;
      let decoded = 0;
      let received = 0;
      let dropped = 0;
      let audioPackets = 0;
      const byTrack = new Map<string, number>();
      for (const pc of Array.from(w.__pcs.values())) {
        if (pc.connectionState === "closed") continue;
        (await pc.getStats()).forEach((s) => {
          if (s.type === "transport") bytes += s.bytesReceived ?? 0;
          if (s.type === "inbound-rtp" && s.kind === "video") {
            byTrack.set(s.trackIdentifier, s.framesDecoded ?? 0);
            decoded += s.framesDecoded ?? 0;
            received += s.framesReceived ?? 0;
            dropped += s.framesDropped ?? 0;
          }
          if (s.type === "inbound-rtp" && s.kind === "audio") audioPackets += s.packetsReceived ?? 0;
        });
      }
      return { bytes, decoded, received, dropped, audioPackets, byTrack };
    };
    const trackOf = (v: HTMLVideoElement) => (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id ?? "";
    const videos = [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')];
    const frames = videos.map(() => 0);
    // The callbacks' metadata.presentedFrames: frames handed to the compositor, counted even when a callback was skipped.
    const presented = videos.map(() => ({ first: -1, last: -1 }));
    let done = false;
    videos.forEach((v, i) => {
      const tick = (_now: number, meta: VideoFrameCallbackMetadata) => {
        if (done) return;
        frames[i]!++;
        if (presented[i]!.first < 0) presented[i]!.first = meta.presentedFrames;
        presented[i]!.last = meta.presentedFrames;
        v.requestVideoFrameCallback(tick);
      };
      v.requestVideoFrameCallback(tick);
    });
    const start = await totals();
    await new Promise((r) => setTimeout(r, ms));
    done = true;
    const end = await totals();
    return {
      tiles: videos.map((v, i) => {
        const r = v.getBoundingClientRect();
        const visible = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
        const decoded = (end.byTrack.get(trackOf(v)) ?? 0) - (start.byTrack.get(trackOf(v)) ?? 0);
        const p = presented[i]!;
        return {
          label: v.getAttribute("aria-label") ?? "",
          frames: frames[i]!,
          presented: p.first < 0 ? 0 : p.last - p.first + 1,
          decoded,
          visible,
          width: v.videoWidth,
        };
      }),
      bytes: end.bytes - start.bytes,
      decoded: end.decoded - start.decoded,
      received: end.received - start.received,
      dropped: end.dropped - start.dropped,
      audioPackets: end.audioPackets - start.audioPackets,
    };
  }, ms);
}

interface Figures {
  tiles: number;
  visible: number;
  minFps: number;
  /** The lowest frames/s a visible tile's stream decoded. */
  minDecodedFps: number;
  /** Frames/s decoded of the tiles not on screen (which should receive no video). */
  offscreenDecodedFps: number;
  medianFps: number;
  downlinkKbps: number;
  decodedFps: number;
  receivedFps: number;
  droppedFps: number;
  audioPacketsPerSecond: number;
  cpuPct: number;
  cpuMsPerFrame: number;
  widths: string;
  /** Frames/s of each visible tile, by its label. */
  perTile: { label: string; fps: number; presentedFps: number; decodedFps: number }[];
}

/** Measures one viewer (its page, its browser's pid) over the window. */
async function measure(page: Page, pid: number, ms = WINDOW_MS): Promise<Figures> {
  const t0 = performance.now();
  const c0 = treeTicks(pid);
  const w = await windowOf(page, ms);
  const c1 = treeTicks(pid);
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (c1 - c0) / HZ;
  const perTile = w.tiles
    .filter((t) => t.visible)
    .map((t) => ({ label: t.label, fps: t.frames / (ms / 1000), presentedFps: t.presented / (ms / 1000), decodedFps: t.decoded / (ms / 1000) }));
  const fps = perTile.map((t) => t.fps);
  const sorted = [...fps].sort((a, b) => a - b);
  return {
    tiles: w.tiles.length,
    visible: fps.length,
    minFps: sorted[0] ?? 0,
    minDecodedFps: Math.min(...perTile.map((t) => t.decodedFps)),
    offscreenDecodedFps: w.tiles.filter((t) => !t.visible).reduce((n, t) => n + t.decoded, 0) / (ms / 1000),
    medianFps: sorted[Math.floor(sorted.length / 2)] ?? 0,
    downlinkKbps: (w.bytes * 8) / 1000 / (ms / 1000),
    decodedFps: w.decoded / (ms / 1000),
    receivedFps: w.received / (ms / 1000),
    droppedFps: w.dropped / (ms / 1000),
    audioPacketsPerSecond: w.audioPackets / (ms / 1000),
    cpuPct: (100 * cpuSeconds) / seconds,
    cpuMsPerFrame: w.decoded > 0 ? (1000 * cpuSeconds) / w.decoded : Number.NaN,
    widths: [...new Set(w.tiles.map((t) => t.width))].sort((a, b) => a - b).join("/"),
    perTile,
  };
}

const fmt = (f: Figures) =>
  `${f.visible}/${f.tiles} tiles visible (${f.widths} px wide), fps per tile min ${f.minFps.toFixed(1)} median ${f.medianFps.toFixed(1)}, ` +
  `downlink ${Math.round(f.downlinkKbps)} kbit/s, ${f.receivedFps.toFixed(0)} frames received/s, ${f.decodedFps.toFixed(0)} decoded/s, ${f.droppedFps.toFixed(0)} dropped/s (${f.offscreenDecodedFps.toFixed(0)}/s decoded for tiles off screen), ${f.audioPacketsPerSecond.toFixed(0)} audio packets/s, browser CPU ${f.cpuPct.toFixed(0)}% of a core, ` +
  `${f.cpuMsPerFrame.toFixed(2)} ms CPU per received frame`;

/** Each visible tile's frames/s: rVFC callbacks, metadata.presentedFrames, decoded by its stream. */
const fmtTiles = (f: Figures) =>
  `frames/s per tile, rVFC callbacks / presentedFrames / decoded: ${f.perTile.map((t) => `${t.label.replace("Remote video: ", "")} ${t.fps.toFixed(1)}/${t.presentedFps.toFixed(1)}/${t.decodedFps.toFixed(1)}`).join(", ")}`;

/** The labels of the remote videos on the page ("Remote video: NAME"). */
const tileLabels = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')].map((v) => v.getAttribute("aria-label") ?? ""));
// ---- Init scripts (run in the page: nothing from outside themselves) -------------------------

/** The app's own media settings, at the bench's low resolution. */
function lowResolution(camera: { width: number; height: number; frameRate: number }) {
  const stored = JSON.parse(localStorage.getItem("onelink.media") ?? "{}");
  localStorage.setItem("onelink.media", JSON.stringify({ ...stored, ...camera }));
}

/** A tab that says it is hidden (as a background tab does) until `__setHidden(false)`. */
function hiddenTab() {
  const w = window as unknown as { __hidden: boolean; __setHidden: (h: boolean) => void };
  w.__hidden = true;
  Object.defineProperty(document, "visibilityState", { get: () => (w.__hidden ? "hidden" : "visible"), configurable: true });
  Object.defineProperty(document, "hidden", { get: () => w.__hidden, configurable: true });
  w.__setHidden = (h: boolean) => {
    w.__hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
}

// ---- The run ---------------------------------------------------------------------------------

const line = (s = "") => console.log(s);
/** Where the CPU went between two `threadTicks`: per process, then the busiest threads (% of one core). */
function printCpu(before: Map<string, number>, after: Map<string, number>, seconds: number, top = 30) {
  line(
    `  CPU per process (% of a core): ${byProcess(before, after, seconds)
      .map((r) => `${r.key} ${r.pct.toFixed(1)}`)
      .join(", ")}`,
  );
  line(
    `  busiest threads (% of a core): ${busiest(before, after, seconds, top)
      .map((r) => `${r.key} ${r.pct.toFixed(1)}`)
      .join(", ")}`,
  );
}
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
line(
  `bench/group: ${new Date().toISOString()}, ${PEOPLE} people, camera ${CAMERA.width}x${CAMERA.height}@${CAMERA.frameRate}, window ${WINDOW_MS / 1000} s, ${NODES === 1 ? "one node" : `${NODES} nodes sharing a Redis`}, bots' microphones: ${BOT_MIC}, viewers' video smoothing: ${SMOOTHING}`,
);
line(`load average at start: ${load()}`);

const meshServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(Bun.file(resolve(import.meta.dir, "mesh.html"))) });
// The bots' page (bot.html, and bot.ts bundled now) with the app's built e2ee worker, which the
// app's transport loads from /workers/e2ee.js of the page's origin. The app lets this origin open
// its /ws (ALLOWED_ORIGINS), as an operator lists another site of theirs.
const botBuild = await Bun.build({
  entrypoints: [resolve(import.meta.dir, "bot.ts")],
  target: "browser",
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
});
if (!botBuild.success) throw new AggregateError(botBuild.logs, "bundling bench/group/bot.ts failed");
const BOT_JS = await botBuild.outputs[0]!.text();
const E2EE_WORKER = resolve(import.meta.dir, "../../build/public/workers/e2ee.js");
if (!(await Bun.file(E2EE_WORKER).exists())) throw new Error(`${E2EE_WORKER} is missing: run \`npm run build\` first`);
const botServer = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/bench/bot.html") return new Response(Bun.file(resolve(import.meta.dir, "bot.html")));
    if (path === "/bench/bot.js") return new Response(BOT_JS, { headers: { "content-type": "text/javascript; charset=utf-8" } });
    if (path === "/workers/e2ee.js") return new Response(Bun.file(E2EE_WORKER), { headers: { "content-type": "text/javascript; charset=utf-8" } });
    return new Response(null, { status: path === "/favicon.ico" ? 204 : 404 });
  },
});
const janus = await startTestJanus();
const redis = NODES > 1 ? await Redis.start() : null;
const apps: Awaited<ReturnType<typeof startApp>>[] = [];
for (let i = 0; i < NODES; i++)
  apps.push(
    await startApp({ SFU_URLS: janus.url, SFU_SECRET: janus.secret, ALLOWED_ORIGINS: botServer.url.origin, ...(redis ? { REDIS_URL: redis.url } : {}) }),
  );
const app = apps[0]!;
/** The node person `n` (1: the first viewer) reaches, in turn. */
const nodeOf = (n: number) => apps[(n - 1) % apps.length]!.url;
/** `link` as reached through person `n`'s node. */
const linkFor = (link: string, n: number) => {
  const url = new URL(link);
  return new URL(url.pathname + url.hash, nodeOf(n)).href;
};
const browsers: Browser[] = [];
const results: Record<string, unknown> = {};

/**
 * A full app page. Only the probes its figures need are installed (`gaps`: the viewers, for the
 * switch; `firsts`: the last joiner), and they are stopped once read: they poll the DOM every
 * 5–10 ms, which would otherwise tax the very pages being measured.
 */
async function appPerson(browser: Browser, opts: { hidden: boolean; name: string; probe?: "gaps" | "firsts"; n: number }) {
  const p = await newPerson(browser, nodeOf(opts.n));
  p.page.setDefaultTimeout(120_000); // a 2-core machine shared with others can be slow to load a page
  await p.context.addInitScript((name) => localStorage.setItem("onelink.name", name), opts.name);
  await p.context.addInitScript(recordPeerConnections);
  await p.context.addInitScript(lowResolution, CAMERA);
  if (opts.probe === "firsts") await p.context.addInitScript(recordFirstFrames);
  if (opts.probe === "gaps") await p.context.addInitScript(recordGaps);
  if (opts.hidden) await p.context.addInitScript(hiddenTab);
  return p;
}
/** A page for bots (bench/group/bot.ts), in `browser`; each `botPerson` adds one to it. */
async function botPage(browser: Browser) {
  const p = await newPerson(browser, botServer.url.origin);
  p.page.setDefaultTimeout(120_000);
  p.page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") console.error(`[bots] ${m.text()}`);
  });
  await p.page.goto(new URL("/bench/bot.html", botServer.url).href);
  await p.page.waitForFunction(() => "startBot" in window);
  return p;
}
/**
 * One more bot in `page`, joined to the link's room on the app's server as "Bot n"; resolves once
 * it publishes (its publishing connection with Janus is up).
 */
async function botPerson(page: Page, link: string, n: number) {
  const url = new URL(link);
  const options: BotOptions = {
    room: decodeURIComponent(url.pathname.split("/").pop() ?? ""),
    secret: url.hash.slice(1),
    server: nodeOf(n),
    name: `Bot ${n}`,
    ...CAMERA,
    mic: BOT_MIC,
    tone: 200 + 20 * n,
  };
  return page.evaluate((o) => (window as unknown as { startBot: (o: BotOptions) => Promise<BotStatus> }).startBot(o), options);
}
/** What a bot's camera has sent, layer by layer (bot.ts `botStats`). */
const botStats = (page: Page, name: string) =>
  page.evaluate(
    (name) =>
      (
        window as unknown as {
          botStats: (name: string) => Promise<
            {
              kind?: string;
              rid?: string;
              framesSent?: number;
              keyFramesEncoded?: number;
              pliCount?: number;
              firCount?: number;
              packetsSent?: number;
              opus?: string;
              qualityLimitationReason?: string;
              active?: boolean;
            }[]
          >;
        }
      ).botStats(name),
    name,
  );
async function joinLink(page: Page, link: string) {
  await page.goto(link, { waitUntil: "domcontentloaded" }); // the Join button is what matters, waited for next
  await button(page, "Join").click();
}

try {
  // Two viewers, each in a browser of its own (its CPU is its whole process tree's).
  const v1 = await taggedBrowser("viewer1", VIEWER_ARGS);
  const v2 = await taggedBrowser("viewer2", VIEWER_ARGS);
  browsers.push(v1.browser, v2.browser);
  const viewers = [v1, v2];

  // ---- 1:1 ------------------------------------------------------------------------------------
  const a = await appPerson(v1.browser, { hidden: false, name: "Viewer 1", probe: "gaps", n: 1 });
  const b = await appPerson(v2.browser, { hidden: false, name: "Viewer 2", probe: "gaps", n: 2 });
  await a.page.goto(app.url);
  await button(a.page, "New call").click();
  await waitForStatus(a.page, "Waiting for someone to join");
  const link = await a.page.getByRole("textbox", { name: "Call link" }).inputValue();
  await joinLink(b.page, linkFor(link, 2));
  await Promise.all([seesMoving(a.page, 1), seesMoving(b.page, 1)]);
  await Bun.sleep(3000); // bitrate ramps up
  type Gaps = { __gaps: { reset: () => void; read: () => Record<string, number>; stop: () => void } };
  for (const p of [a, b]) await p.page.evaluate(() => (window as unknown as Gaps).__gaps.reset());
  const oneTh0 = threadTicks({ viewer1: v1.pid, viewer2: v2.pid });
  const oneT0 = performance.now();
  const oneToOne = await Promise.all([measure(a.page, v1.pid), measure(b.page, v2.pid)]);
  const oneTh1 = threadTicks({ viewer1: v1.pid, viewer2: v2.pid });
  const oneSeconds = (performance.now() - oneT0) / 1000;
  // The longest gap with no switch at all: what the machine's own stalls cost, to read the switch's against.
  const steadyGaps = await Promise.all([a, b].map((p) => p.page.evaluate(() => Math.max(0, ...Object.values((window as unknown as Gaps).__gaps.read())))));
  line();
  line(`1:1 (direct), load ${load()}`);
  oneToOne.forEach((f, i) => {
    line(`  viewer ${i + 1}: ${fmt(f)}; longest gap between frames ${Math.round(steadyGaps[i]!)} ms`);
    line(`    ${fmtTiles(f)}`);
  });
  printCpu(oneTh0, oneTh1, oneSeconds, 16);
  results.oneToOne = oneToOne;

  // ---- Group: the 3rd join switches the two to the SFU ----------------------------------------
  // The 3rd and the last joiner (full app pages) share a browser; the bots have browsers of their own.
  const appSenders = await taggedBrowser("senders");
  browsers.push(appSenders.browser);
  const botBrowsers: { browser: Browser; pid: number }[] = [];
  const senders: { context: BrowserContext; page: Page }[] = [];
  for (const p of [a, b]) await p.page.evaluate(() => (window as unknown as Gaps).__gaps.reset());
  const third = await appPerson(appSenders.browser, { hidden: true, name: "Sender 3", n: 3 });
  senders.push(third);
  const t3 = performance.now();
  await joinLink(third.page, linkFor(link, 3));
  // Until both viewers receive each other and the third through Janus only, the direct connection closed.
  for (const p of [a, b])
    await waitFor(
      () =>
        p.page.evaluate(() =>
          (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
            .filter((pc) => pc.connectionState !== "closed")
            .map((pc) => pc.getTransceivers().every((t) => t.currentDirection !== "sendrecv")),
        ),
      (list) => list.length === 2 && list.every(Boolean),
      60_000,
    );
  await Promise.all([seesMoving(a.page, 2), seesMoving(b.page, 2)]);
  const switchMs = performance.now() - t3;
  const gaps = await Promise.all(
    [a, b].map((p) => p.page.evaluate(() => (window as unknown as { __gaps: { read: () => Record<string, number> } }).__gaps.read())),
  );
  // The gap that matters is the other viewer's tile (it was on the direct path); the third had no frames before.
  const switchGaps = gaps.map((g, i) => g[`Remote video: Viewer ${2 - i}`] ?? Number.NaN);
  line();
  line(
    `3rd join (direct → SFU), switched within ${Math.round(switchMs)} ms; longest gap per tile: ${gaps.map((g) => JSON.stringify(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Math.round(v)])))).join(" / ")}`,
  );
  results.switchGaps = gaps;
  for (const p of [a, b]) await p.page.evaluate(() => (window as unknown as Gaps).__gaps.stop());

  // ---- The others join, one at a time; the last one is watched ---------------------------------
  line();
  line(`the others join, one at a time: bots (bench/group/bot.ts: they publish and receive nothing), ${BOTS_PER_BROWSER} to a browser, all in one page of it:`);
  const bots: string[] = [];
  /** The page each bot is in, by its name. */
  const botPages = new Map<string, Page>();
  for (let n = 4; n < PEOPLE; n++) {
    if ((n - 4) % BOTS_PER_BROWSER === 0) {
      const browser = await taggedBrowser(`bots${botBrowsers.length + 1}`);
      botBrowsers.push(browser);
      browsers.push(browser.browser);
      senders.push(await botPage(browser.browser));
    }
    const t = performance.now();
    const status = await botPerson(senders.at(-1)!.page, link, n);
    bots.push(`Bot ${n}`);
    botPages.set(`Bot ${n}`, senders.at(-1)!.page);
    line(`  Bot ${n} (${status.self}) publishing ${Math.round(performance.now() - t)} ms after it started (load ${load()})`);
  }
  if (botPages.size) {
    const [name, page] = [...botPages][0]!;
    const audio = (await botStats(page, name)).find((l) => l.kind === "audio");
    line(`  ${name}'s microphone: Opus as the media server answered "${audio?.opus}", ${audio?.packetsSent} packets sent so far`);
  }
  // Everyone so far is seen moving by both viewers, each tile under its name, before the last joins.
  const named = [...bots, "Sender 3"];
  for (const [i, p] of [a, b].entries()) {
    await seesMoving(p.page, PEOPLE - 2, 180_000).catch(async () =>
      line(`  viewer ${i + 1} does not see all ${PEOPLE - 2} moving: ${JSON.stringify(await frameCounts(p.page))} frames in 1.5 s`),
    );
    const labels = await tileLabels(p.page);
    const missing = named.filter((name) => !labels.includes(`Remote video: ${name}`));
    line(
      `  viewer ${i + 1}: ${labels.length} tiles${missing.length ? `; no tile named ${missing.join(", ")}: ${JSON.stringify(labels)}` : ", every one named"}`,
    );
    // What a bot without a tile has sent, layer by layer (did its camera reach Janus at all?).
    for (const name of missing.filter((m) => m.startsWith("Bot "))) {
      const page = botPages.get(name);
      const stats = page ? await botStats(page, name).catch((err: Error) => `unreadable: ${err.message}`) : null;
      line(`    ${name} has sent: ${JSON.stringify(stats)}`);
    }
  }
  const last = await appPerson(appSenders.browser, { hidden: false, name: `Sender ${PEOPLE}`, probe: "firsts", n: PEOPLE });
  await joinLink(last.page, linkFor(link, PEOPLE));
  const firsts = await waitFor(
    () => last.page.evaluate(() => (window as unknown as { __firsts: { join: number; frames: Record<string, number> } }).__firsts),
    (f) => Object.keys(f.frames).length >= PEOPLE - 1,
    180_000,
  ).catch(() => last.page.evaluate(() => (window as unknown as { __firsts: { join: number; frames: Record<string, number> } }).__firsts));
  const times = Object.values(firsts.frames).map((t) => t - firsts.join);
  const firstFrame = { first: Math.min(...times), all: Math.max(...times) };
  line();
  line(
    `the ${PEOPLE}th joiner, from its click on Join: first frame ${Math.round(firstFrame.first)} ms, all ${PEOPLE - 1} tiles ${Math.round(firstFrame.all)} ms`,
  );
  // Its steps from Join (machines/timeline.ts marks: joined, the media server's connections, offers).
  const steps = await last.page.evaluate(
    (join) =>
      performance
        .getEntriesByType("mark")
        .filter((m) => m.name.startsWith("ol:") && m.startTime >= join)
        .map((m) => `${m.name.slice(3)} ${Math.round(m.startTime - join)}`),
    firsts.join,
  );
  line(`  its steps from Join (ms): ${steps.join(", ")}`);
  results.lastJoiner = { ...firstFrame, steps };
  await last.page.evaluate(() => (window as unknown as { __firsts: { stop: () => void } }).__firsts.stop());
  // Everyone now sees it moving; then it becomes a sender like the others: hidden.
  for (const [i, p] of [a, b].entries())
    await seesMoving(p.page, PEOPLE - 1, 120_000).catch(async () =>
      line(`  viewer ${i + 1} does not see all ${PEOPLE - 1} moving: ${JSON.stringify(await frameCounts(p.page))} frames in 1.5 s`),
    );
  await last.page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    Object.defineProperty(document, "hidden", { value: true, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  senders.push(last);

  // ---- Steady state with everyone --------------------------------------------------------------
  await Bun.sleep(5000);
  const ticks = () => ({
    janus: treeTicks(janus.pid),
    bots: botBrowsers.reduce((sum, br) => sum + treeTicks(br.pid), 0),
    apps: treeTicks(appSenders.pid),
    nodes: apps.reduce((sum, node) => sum + treeTicks(node.proc.pid), 0) + (redis?.proc ? treeTicks(redis.proc.pid) : 0),
  });
  /** Per bot, the frames its layers and the packets its microphone have sent so far, and why its encoder holds back, if it does. */
  const botsSent = () =>
    Promise.all(
      [...botPages].map(async ([name, page]) => {
        const lines = await botStats(page, name);
        const layers = lines.filter((l) => l.kind === "video");
        return {
          name,
          byLayer: Object.fromEntries(layers.map((l) => [String(l.rid), { frames: l.framesSent ?? 0, active: l.active !== false }])),
          frames: layers.reduce((n, l) => n + (l.framesSent ?? 0), 0),
          keyFrames: layers.reduce((n, l) => n + (l.keyFramesEncoded ?? 0), 0),
          plis: layers.reduce((n, l) => n + (l.pliCount ?? 0) + (l.firCount ?? 0), 0),
          audioPackets: lines.filter((l) => l.kind === "audio").reduce((n, l) => n + (l.packetsSent ?? 0), 0),
          limited: [...new Set(layers.map((l) => l.qualityLimitationReason))].join("/"),
        };
      }),
    );
  const sent0 = await botsSent();
  const roots = {
    viewer1: v1.pid,
    viewer2: v2.pid,
    apps: appSenders.pid,
    janus: janus.pid,
    ...Object.fromEntries(botBrowsers.map((br, i) => [`bots${i + 1}`, br.pid])),
  };
  const th0 = threadTicks(roots);
  const c0 = ticks();
  const jt0 = performance.now();
  const group = await Promise.all([measure(a.page, v1.pid), measure(b.page, v2.pid)]);
  const c1 = ticks();
  const th1 = threadTicks(roots);
  const sentSeconds = (performance.now() - jt0) / 1000;
  const sent1 = await botsSent();
  const botFps = sent1.map((x, i) => (x.frames - sent0[i]!.frames) / sentSeconds).sort((x, y) => x - y);
  const botAudio = sent1.map((x, i) => (x.audioPackets - sent0[i]!.audioPackets) / sentSeconds).sort((x, y) => x - y);
  const pctOf = (key: keyof typeof c0) => (100 * (c1[key] - c0[key])) / HZ / ((performance.now() - jt0) / 1000);
  const janusPct = pctOf("janus");
  line();
  line(`group of ${PEOPLE} through Janus, load ${load()}`);
  group.forEach((f, i) => {
    line(`  viewer ${i + 1}: ${fmt(f)}`);
    line(`    ${fmtTiles(f)}`);
  });
  line(`  Janus: ${janusPct.toFixed(0)}% of a core; the OneLink server${NODES > 1 ? `'s ${NODES} nodes and Redis` : ""}: ${pctOf("nodes").toFixed(0)}%`);
  line(
    `  the ${bots.length} bots' ${botBrowsers.length} browser(s): ${pctOf("bots").toFixed(0)}% of a core (${(pctOf("bots") / Math.max(1, bots.length)).toFixed(1)}% per bot); ` +
      `the 2 hidden app pages' browser: ${pctOf("apps").toFixed(0)}%`,
  );
  line(
    `  the bots send ${botFps[0]?.toFixed(1)}–${botFps.at(-1)?.toFixed(1)} frames/s (median ${botFps[Math.floor(botFps.length / 2)]?.toFixed(1)}); ` +
      `their encoders limited by: ${[...new Set(sent1.map((x) => x.limited))].join(", ")}; ` +
      `their microphones (${BOT_MIC}) ${botAudio[0]?.toFixed(1)}–${botAudio.at(-1)?.toFixed(1)} audio packets/s`,
  );
  line(
    `  each bot's layers, frames/s (paused ones marked): ${sent1
      .map(
        (x, i) =>
          `${x.name} ${Object.entries(x.byLayer)
            .map(([rid, l]) => `${rid} ${((l.frames - (sent0[i]!.byLayer[rid]?.frames ?? 0)) / sentSeconds).toFixed(1)}${l.active ? "" : " (paused)"}`)
            .join(
              " ",
            )}, ${((x.keyFrames - sent0[i]!.keyFrames) / sentSeconds).toFixed(1)} key frames/s, ${((x.plis - sent0[i]!.plis) / sentSeconds).toFixed(1)} PLI+FIR/s`,
      )
      .join("; ")}`,
  );
  printCpu(th0, th1, sentSeconds);
  results.botAudio = botAudio;
  results.botsPct = pctOf("bots");
  results.botFps = botFps;
  results.group = group;
  results.janusPct = janusPct;

  // Leave the group before the mesh (the machine has 2 cores).
  for (const p of [a, b, ...senders]) await p.context.close();
  for (const br of [appSenders, ...botBrowsers]) await br.browser.close();

  // ---- Mesh: the same, all-to-all, as far as it holds -------------------------------------------
  const mesh: { size: number; figures: Figures[] }[] = [];
  for (const size of MESH_SIZES) {
    const pages: Page[] = [];
    const extra: Browser[] = [];
    for (let i = 0; i < size; i++) {
      let browser: Browser;
      if (i < 2) browser = viewers[i]!.browser;
      else {
        if ((i - 2) % PAGES_PER_BROWSER === 0) {
          extra.push((await taggedBrowser(`mesh${size}-${extra.length}`)).browser);
        }
        browser = extra.at(-1)!;
      }
      const p = await newPerson(browser, meshServer.url.origin);
      p.page.setDefaultTimeout(120_000);
      await p.page.goto(meshServer.url.href);
      await p.page.evaluate(
        (c) => (window as unknown as { start: (w: number, h: number, f: number) => Promise<void> }).start(c.width, c.height, c.frameRate),
        CAMERA,
      );
      pages.push(p.page);
    }
    type MeshWindow = {
      offerTo: (p: string) => Promise<string>;
      answerTo: (p: string, s: string) => Promise<string>;
      accept: (p: string, s: string) => Promise<void>;
    };
    for (let i = 0; i < size; i++)
      for (let j = i + 1; j < size; j++) {
        const offer = await pages[i]!.evaluate((peer) => (window as unknown as MeshWindow).offerTo(peer), `p${j}`);
        const answer = await pages[j]!.evaluate(([peer, sdp]) => (window as unknown as MeshWindow).answerTo(peer!, sdp!), [`p${i}`, offer]);
        await pages[i]!.evaluate(([peer, sdp]) => (window as unknown as MeshWindow).accept(peer!, sdp!), [`p${j}`, answer]);
      }
    let held = true;
    try {
      await Promise.all([seesMoving(pages[0]!, size - 1, 60_000), seesMoving(pages[1]!, size - 1, 60_000)]);
    } catch {
      held = false;
    }
    await Bun.sleep(3000);
    const figures = await Promise.all([measure(pages[0]!, v1.pid), measure(pages[1]!, v2.pid)]);
    line();
    line(`mesh of ${size} (each page sends ${size - 1} copies), load ${load()}${held ? "" : " — not every tile ever moved"}`);
    figures.forEach((f, i) => line(`  viewer ${i + 1}: ${fmt(f)}`));
    mesh.push({ size, figures });
    for (const p of pages) await p.context().close();
    for (const br of extra) await br.close();
    if (!held) {
      line(`  the mesh did not hold at ${size}: larger meshes skipped`);
      break;
    }
  }
  results.mesh = mesh;

  // ---- Targets ----------------------------------------------------------------------------------
  line();
  line(`targets (${PEOPLE} people; load ${load()}):`);
  group.forEach((f, i) => {
    const ratio = f.cpuMsPerFrame / oneToOne[i]!.cpuMsPerFrame;
    line(
      `  viewer ${i + 1}: every visible tile ≥ ${TARGET.fps} fps: ${verdict(f.visible > 0 && f.minFps >= TARGET.fps)} (min ${f.minFps.toFixed(1)} presented, ${f.minDecodedFps.toFixed(1)} decoded; ${f.visible}/${PEOPLE - 1} visible)`,
    );
    line(`  viewer ${i + 1}: downlink ≤ ${TARGET.downlinkKbps} kbit/s: ${verdict(f.downlinkKbps <= TARGET.downlinkKbps)} (${Math.round(f.downlinkKbps)})`);
    line(
      `  viewer ${i + 1}: CPU per received frame ≤ ${TARGET.cpuRatio}× the 1:1 call's: ${verdict(ratio <= TARGET.cpuRatio)} (${ratio.toFixed(2)}×: ${f.cpuMsPerFrame.toFixed(2)} vs ${oneToOne[i]!.cpuMsPerFrame.toFixed(2)} ms)`,
    );
  });
  line(`  the ${PEOPLE}th joiner sees video within ${TARGET.joinMs} ms: ${verdict(firstFrame.first <= TARGET.joinMs)} (${Math.round(firstFrame.first)} ms)`);
  switchGaps.forEach((g, i) =>
    line(
      `  viewer ${i + 1}: direct → SFU gap ≤ ${TARGET.gapMs} ms: ${verdict(g <= TARGET.gapMs)} (${Math.round(g)} ms; ${Math.round(steadyGaps[i]!)} ms in the steady 1:1)`,
    ),
  );
} finally {
  for (const br of browsers) await br.close().catch(() => {});
  meshServer.stop(true);
  botServer.stop(true);
  for (const node of apps) await node.stop();
  await janus.stop();
  await redis?.down();
}
