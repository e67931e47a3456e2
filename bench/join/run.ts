/**
 * From link to face (issue 21): the app against a floor (floor.html + floor-server.ts: a bare
 * two-page WebRTC call) in the same Chromium, alternating, on the same in-page clock:
 * performance.now() at B's first remote video frame (requestVideoFrameCallback), counted from B's
 * navigation, with B's Join clicked by the page itself the moment it appears (probe.ts).
 * Variants: warm cache, cold cache, and B 100 ms from the servers (bench/call/latency-proxy.ts on
 * the way to the app and to the floor relay; media stays direct). The app is also timed on a reload
 * mid-call. The app's own marks (machines/timeline.ts) give the breakdown of its critical path.
 * `webcam`: warm, with B's camera opening `--webcam-ms` (400) later than Chromium's fake one, in
 * both pages, as a real webcam takes 0.3-1 s to start (probe.ts); the floor offers once it has it.
 *   npm run bench:join [-- --runs 7] [--variants warm,cold,rtt,webcam] [--rtt 100] [--webcam-ms 400] [--warm-visits N] [--warm-dwell MS]
 *   [--floor-hd] [--floor-h264] [--floor-self] (the floor made more like the app: camera, codec, self view)
 *   [--cold-from elsewhere|blank] (where a cold B opens the link from: another site's page, or a new tab's blank page)
 *   [--warm-from site|elsewhere] (where a warm B opens it from: the site's own start page its visit left open, or another site's)
 *   [--warm-stopped] (with --warm-from elsewhere: B's service worker no longer running, as a visit a while ago)
 *   [--a-settle 3000] (B opens the link no sooner than this after A waits in the room) [--reload-after 0] (how far into the call B reloads; pace.ts)
 * With `group` among the variants, inside scripts/netns.sh, also the group lines (group.ts).
 * See bench/join/README.md for the figures.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { newSecret } from "../../protocol/e2ee.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForNewFrames, waitForStatus } from "../../tests/e2e/harness.ts";
import { startLatencyProxy } from "../call/latency-proxy.ts";
import { groupLines } from "./group.ts";
import { startFloorServer } from "./floor.ts";
import { type CpuSample, type CpuSpent, cpuBetween, cpuKinds, median, sampleCpu, threadDifferences } from "./cpu.ts";
import { A_SETTLE_MS, RELOAD_INTO_CALL_MS, stopServiceWorkers, waitUntil } from "./pace.ts";
import { firstFrameShown, probe } from "./probe.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    variants: { type: "string", default: "warm,cold,rtt,webcam" },
    rtt: { type: "string", default: "100" },
    /** The webcam variant: how much later than the fake camera B's camera opens (ms). */
    "webcam-ms": { type: "string", default: "400" },
    /** The floor asks for the app's camera size and rate (1080p60) instead of the browser's default. */
    "floor-hd": { type: "boolean", default: false },
    /** The floor sends H.264 first, as the app does (rtp-tuning.ts SOFTWARE_ORDER), instead of the browser's default VP8. */
    "floor-h264": { type: "boolean", default: false },
    /** Visits of the start page before the measured one (warm variants): 2 or more lets V8's code cache be made, then used. */
    "warm-visits": { type: "string", default: "1" },
    /**
     * How long (ms) B stays on each earlier visit once its service worker is ready: a returning
     * visitor's last visit did not end the instant the worker was ready. 0 navigates at once (join11
     * and before), while the browser was still busy with that visit (bench/join README, join12).
     */
    "warm-dwell": { type: "string", default: "3000" },
    /**
     * Where B opens the link from in the cold variant: `elsewhere`, a page of another site (a chat,
     * a mail), as a link is opened; or `blank`, a new tab's blank page (join18 and before). From a
     * blank tab the app's opener policy (COOP `same-origin`) makes the browser start a renderer for
     * it that the floor, which sends none, does not need: ~70-130 ms (bench/join README, join18).
     * From another site both get a renderer of their own (site isolation).
     */
    "cold-from": { type: "string", default: "elsewhere" },
    /**
     * Where a returning B (warm, rtt) opens the link from: `site`, the start page its earlier visit
     * left open in the tab (the page it leaves is torn down first, in the same renderer); or
     * `elsewhere`, another site's page, as when the link comes in a chat or a mail.
     */
    "warm-from": { type: "string", default: "site" },
    /**
     * With `--warm-from elsewhere`: B's service workers are stopped (DevTools' ServiceWorker.stopAllWorkers) once it is on
     * the other site's page, as after a visit some time ago (a worker stops ~30 s after its last page). Without it the
     * worker from B's visit is still running, and its renderer with it.
     */
    "warm-stopped": { type: "boolean", default: false },
    /** The floor shows each page's own camera (muted, filling the window), as the app's pre-join preview and self view do. */
    "floor-self": { type: "boolean", default: false },
    /** The app's camera at the floor's size and rate (640x480, 30 fps) instead of its default 1080p60, saved for A and B. */
    "app-sd": { type: "boolean", default: false },
    /** The app's B clicks Join this long (ms) after it is enabled, as a person looks at the preview first (0: at once); the floor has no Join: compare Join → first frame. */
    dwell: { type: "string", default: "0" },
    /** B opens the link no sooner than this long (ms) after A waits in the room (pace.ts): A's own start is not B's join. */
    "a-settle": { type: "string", default: String(A_SETTLE_MS) },
    /** How far into the call (ms after both see moving pictures) B reloads (pace.ts). */
    "reload-after": { type: "string", default: String(RELOAD_INTO_CALL_MS) },
    /** The group lines' third clicks Join this long (ms) after it shows, as a person would (0: at once). */
    "group-dwell": { type: "string", default: "0" },
    /** The group lines' room before the measured joiner comes: 2 (it makes the call a group) or more (it joins a group). */
    "group-size": { type: "string", default: "2" },
    /** The group lines also say, per run, where A's and B's longest gaps were: their main threads' long tasks, remote descriptions and the key frames each sent (polls getStats: costs the pages). */
    "group-detail": { type: "boolean", default: false },
  },
});
const RUNS = Math.max(1, Number(args.runs));
const RTT = Number(args.rtt);
const WEBCAM_MS = Math.max(0, Number(args["webcam-ms"]));
const VARIANTS = args.variants.split(",").filter((v) => v !== "group") as Variant[];
/** The group lines (group.ts): a third person's first frames and the switch to the media server. */
const GROUP = args.variants.split(",").includes("group");
type Variant = "warm" | "cold" | "rtt" | "webcam";
type Kind = "floor" | "app";

interface Timing {
  /** Navigation → first remote frame. */
  frame: number;
  /** From the floor's socket opening, or the app's Join, to the first remote frame. */
  fromStart: number;
  /** Every step, ms from navigation. */
  steps: Record<string, number>;
  /** The first remote frame's size. */
  size: string;
  /** B's long animation frames (> 50 ms) from the answer's frame read (`answer-in`) to the first remote frame: "start+duration longest-script". */
  afterAnswer: string[];
  /** Their total duration, ms. */
  afterAnswerMs: number;
  /** React's commits from Join to the answer's frame read (`answer-in`): each one restarts the hidden call view's first draw if it is not done. */
  commitsBeforeAnswer: number;
  /** What the whole browser spent from B's navigation until the bench heard of its first frame (cpu.ts). */
  cpu: CpuSpent;
}

/** The answering page's (A's) own marks, as ms after B's navigation (both pages' clocks from `performance.timeOrigin`). */
const A_STEPS = ["offer-in", "answer-sent", "answer-wire"];
async function answererSteps(a: Page, bOrigin: number): Promise<Record<string, number>> {
  const { origin, marks } = await a.evaluate((names) => {
    const marks: Record<string, number> = {};
    for (const n of names) {
      const m = performance.getEntriesByName(`ol:${n}`)[0];
      if (m) marks[n] = m.startTime;
    }
    return { origin: performance.timeOrigin, marks };
  }, A_STEPS);
  // Marks are made once per page: an earlier join's (before a reload of B's) are not this one's.
  return Object.fromEntries(
    Object.entries(marks)
      .map(([n, at]) => [`A ${n}`, origin + at - bOrigin] as const)
      .filter(([, at]) => at >= 0),
  );
}

/**
 * B's figures, once `shown` (firstFrameShown, set up before B navigated) has resolved; `before`:
 * the browser's CPU sampled just before B navigated.
 */
async function readTiming(page: Page, kind: Kind, shown: Promise<void>, answerer: Page, before: CpuSample): Promise<Timing> {
  await shown;
  const cpu = cpuBetween(before, sampleCpu());
  const { bench, marks, parsed, response, origin } = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    const marks: Record<string, number> = {};
    for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("ol:")) marks[m.name.slice(3)] ??= m.startTime;
    return {
      bench: (
        window as unknown as {
          __bench: {
            wsOpen: number;
            join: number | null;
            frame: number;
            size: string;
            steps: Record<string, number>;
            loaf: [number, number, string][];
            commits: number[];
          };
        }
      ).__bench,
      marks,
      parsed: nav?.domInteractive ?? 0,
      response: nav?.responseEnd ?? 0,
      origin: performance.timeOrigin,
    };
  });
  const steps: Record<string, number> = {
    "page received": response,
    "page parsed": parsed,
    ...marks,
    ...(await answererSteps(answerer, origin)),
    ...bench.steps,
    "socket open": bench.wsOpen,
    "first frame": bench.frame,
  };
  if (bench.join !== null) steps["join clicked"] = bench.join;
  const start = kind === "app" ? (bench.join ?? bench.wsOpen) : bench.wsOpen;
  const from = steps["answer-in"] ?? steps.answer ?? bench.frame;
  const long = bench.loaf.filter(([at, d]) => at + d > from && at < bench.frame);
  return {
    frame: bench.frame,
    fromStart: bench.frame - start,
    steps,
    size: bench.size,
    afterAnswer: long.map(([at, d, top]) => `${at.toFixed(0)}+${d.toFixed(0)} ${top}`),
    afterAnswerMs: long.reduce((sum, [, d]) => sum + d, 0),
    commitsBeforeAnswer: bench.commits.filter((at) => at >= start && at <= from).length,
    cpu,
  };
}

if (!["elsewhere", "blank"].includes(args["cold-from"])) throw new Error("run.ts: --cold-from is elsewhere or blank");
if (!["site", "elsewhere"].includes(args["warm-from"])) throw new Error("run.ts: --warm-from is site or elsewhere");
const WARM_FROM_ELSEWHERE = args["warm-from"] === "elsewhere" && VARIANTS.some((v) => v !== "cold");
/**
 * Another site's page for a cold B to open the link from (`--cold-from elsewhere`): `localhost` is
 * a site of its own beside the servers' 127.0.0.1; the same loopback.
 */
const elsewhere =
  (VARIANTS.includes("cold") && args["cold-from"] === "elsewhere") || WARM_FROM_ELSEWHERE
    ? Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () => new Response("<!doctype html><title>elsewhere</title><p>a link</p>", { headers: { "content-type": "text/html" } }),
      })
    : null;
const app = await startApp();
const floorServer = await startFloorServer();
const floorPort = floorServer.port;
const floorUrl = floorServer.url;
const proxies = VARIANTS.includes("rtt") ? { app: await startLatencyProxy(app.port, RTT), floor: await startLatencyProxy(floorPort, RTT) } : null;
const browser: Browser = await launchBrowser();
const loadBefore = loadavg();

/** One join of B into a room where A waits; with `reload`, also B's reload mid-call (app only). */
async function measure(kind: Kind, variant: Variant, reload: boolean): Promise<{ fresh: Timing; reload?: Timing }> {
  const far = variant === "rtt" && proxies;
  const aOrigin = kind === "app" ? app.url : floorUrl;
  const bOrigin = far ? `http://localhost:${proxies[kind].port}` : aOrigin;
  const a = await newPerson(browser, aOrigin);
  const b = await newPerson(browser, bOrigin);
  try {
    const dwell = Number(args.dwell);
    if (dwell > 0) await b.context.addInitScript((ms) => Object.assign(window, { __benchDwell: ms }), dwell);
    if (variant === "webcam") await b.context.addInitScript((ms) => Object.assign(window, { __benchCameraMs: ms }), WEBCAM_MS);
    await b.context.addInitScript(probe);
    if (args["app-sd"] && kind === "app")
      for (const p of [a, b])
        await p.context.addInitScript(() => localStorage.setItem("onelink.media", JSON.stringify({ width: 640, height: 480, frameRate: 30 })));
    const room = crypto.randomUUID();
    const secret = newSecret();
    const hd = (args["floor-hd"] ? "&hd" : "") + (args["floor-h264"] ? "&h264" : "") + (args["floor-self"] ? "&self" : "");
    if (kind === "app") {
      await openCallLink(a.page, `${aOrigin}/c/${room}#${secret}`);
      await waitForStatus(a.page, "Waiting for someone to join");
    } else {
      await a.page.goto(`${aOrigin}/?room=${room}${hd}`);
      await a.page.waitForFunction(() => (window as unknown as { __floorReady?: boolean }).__floorReady === true, null, { timeout: 10_000 });
    }
    const aWaiting = performance.now();
    if (variant !== "cold") {
      // A returning visitor: the page, its code and (the app) its service worker already here.
      for (let visit = 0; visit < Number(args["warm-visits"]); visit++) {
        await b.page.goto(`${bOrigin}/`);
        await b.page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 3_000))]));
        await Bun.sleep(Number(args["warm-dwell"]));
      }
    }
    const bUrl = kind === "app" ? `${bOrigin}/c/${room}#${secret}` : `${bOrigin}/?room=${room}${hd}`;
    if (elsewhere && (variant === "cold" ? args["cold-from"] === "elsewhere" : WARM_FROM_ELSEWHERE)) await b.page.goto(`http://localhost:${elsewhere.port}/`);
    if (variant !== "cold" && WARM_FROM_ELSEWHERE && args["warm-stopped"]) await stopServiceWorkers(b.page);
    await waitUntil(aWaiting + Math.max(0, Number(args["a-settle"])));
    const shown = firstFrameShown(b.page);
    const before = sampleCpu();
    await b.page.goto(bUrl);
    const fresh = await readTiming(b.page, kind, shown, a.page, before);
    if (!reload) return { fresh };
    await waitForNewFrames(a.page, "Remote video", 5);
    await Bun.sleep(Math.max(0, Number(args["reload-after"])));
    const shownAgain = firstFrameShown(b.page);
    const beforeReload = sampleCpu();
    await b.page.reload();
    return { fresh, reload: await readTiming(b.page, kind, shownAgain, a.page, beforeReload) };
  } finally {
    await a.context.close();
    await b.context.close();
  }
}

const results: Record<Variant, { floor: Timing[]; app: Timing[]; reload: Timing[] }> = {
  warm: { floor: [], app: [], reload: [] },
  cold: { floor: [], app: [], reload: [] },
  rtt: { floor: [], app: [], reload: [] },
  webcam: { floor: [], app: [], reload: [] },
};
const failures: string[] = [];
let groupOut: string[] = [];
try {
  for (const variant of VARIANTS) {
    for (let i = 0; i < RUNS; i++) {
      for (const kind of (i % 2 ? ["app", "floor"] : ["floor", "app"]) as Kind[]) {
        const r = await measure(kind, variant, kind === "app" && variant !== "cold").catch((err: Error) => {
          // A run that never showed a frame is counted and said, not hidden in a median.
          failures.push(`${variant} ${kind}: ${err.message.split("\n")[0]}`);
          return null;
        });
        if (!r) continue;
        results[variant][kind].push(r.fresh);
        if (r.reload) results[variant].reload.push(r.reload);
        const line = (t: Timing) =>
          `${t.frame.toFixed(0)} ms, ${t.size}, browser cpu ${t.cpu.run.toFixed(0)} ms in ${t.cpu.wall.toFixed(0)} (wait ${t.cpu.wait.toFixed(0)}) (${Object.entries(
            t.steps,
          )
            .sort((x, y) => x[1] - y[1])
            .map(([n, at]) => `${n} ${at.toFixed(0)}`)
            .join(", ")})`;
        process.stderr.write(`${variant} ${i + 1}/${RUNS} ${kind}: ${line(r.fresh)}${r.reload ? `\n  reload ${line(r.reload)}` : ""}\n`);
        const v = r.fresh.steps;
        if (kind === "app")
          process.stderr.write(
            `  ${r.fresh.commitsBeforeAnswer} commits from Join to answer-in; view drawn ${v["view drawn"] === undefined || v["answer-in"] === undefined ? "-" : (v["view drawn"]! - v["answer-in"]!).toFixed(0)} ms from answer-in\n`,
          );
        if (r.fresh.afterAnswer.length) process.stderr.write(`  long frames answer-in -> first frame: ${r.fresh.afterAnswer.join("; ")}\n`);
      }
    }
  }
  if (GROUP) {
    const warm = results.warm.app.map((t) => t.fromStart);
    groupOut = await groupLines(
      browser,
      RUNS,
      warm.length ? median(warm) : undefined,
      Number(args["group-dwell"]),
      Math.max(2, Number(args["group-size"])),
      args["group-detail"],
    );
  }
} finally {
  await browser.close();
  proxies?.app.stop();
  proxies?.floor.stop();
  floorServer.stop();
  elsewhere?.stop();
  await app.stop();
}

const f0 = (x: number) => x.toFixed(0).padStart(6);
const list = (ts: Timing[]) => ts.map((t) => t.frame.toFixed(0)).join(", ");
/** Median ms from navigation of each step, in the order they happen. */
function breakdown(ts: Timing[]): string {
  const names = [...new Set(ts.flatMap((t) => Object.keys(t.steps)))];
  const rows = names.map((n) => ({ n, at: median(ts.map((t) => t.steps[n]).filter((x): x is number => x !== undefined)) })).sort((x, y) => x.at - y.at);
  return rows.map((r, i) => `    ${r.n.padEnd(14)} ${f0(r.at)} ms   (+${(r.at - (rows[i - 1]?.at ?? 0)).toFixed(0)})`).join("\n");
}

/** The path after the start (the floor's socket open, the app's Join), floor beside app: the same marks, both pages on B's clock. */
const AFTER_START = [
  // The app's prepared offer read for the join to carry (it leaves with the join); the floor has none.
  "offer-with-join",
  "joined",
  "offer-sent",
  "A offer-in",
  "A answer-sent",
  "A answer-wire",
  "view drawn",
  "answer-in",
  "answer",
  "view shown",
  "ice-connected",
  "connected",
  "frame presented",
  "first frame",
];
function sideBySide(floor: Timing[], appRuns: Timing[]): string {
  const since = (ts: Timing[], n: string) => {
    // Per run, ms after that run's start (first frame − fromStart), then the median.
    const xs = ts.map((t) => (t.steps[n] === undefined ? undefined : t.steps[n]! - (t.frame - t.fromStart))).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : Number.NaN;
  };
  const rows: string[] = [`    ${"step".padEnd(14)} ${"floor".padStart(6)} ${"(+)".padStart(6)}  ${"app".padStart(6)} ${"(+)".padStart(6)}`];
  let prev = [0, 0];
  for (const n of AFTER_START) {
    const f = since(floor, n);
    const a = since(appRuns, n);
    // The call view's own moments are beside the path, not steps of it.
    const aside = n.startsWith("view ");
    rows.push(`    ${n.padEnd(14)} ${f0(f)} ${aside ? "".padStart(6) : f0(f - prev[0]!)}  ${f0(a)} ${aside ? "" : f0(a - prev[1]!)}`);
    if (!aside) prev = [Number.isNaN(f) ? prev[0]! : f, Number.isNaN(a) ? prev[1]! : a];
  }
  return rows.join("\n");
}

/**
 * The browser's CPU from B's navigation to its first frame (cpu.ts), medians: on a CPU and waiting
 * for one, in all and by kind of process, floor beside app (and the app's reload).
 */
function cpuLines(floor: Timing[], appRuns: Timing[], reload: Timing[]): string {
  const sets: [string, Timing[]][] = [
    ["floor", floor],
    ["app", appRuns],
    ["app reload", reload],
  ];
  const kinds = cpuKinds([...floor, ...appRuns, ...reload].map((t) => t.cpu));
  const rows = sets
    .filter(([, ts]) => ts.length)
    .map(
      ([name, ts]) =>
        `    ${name.padEnd(10)} ${f0(median(ts.map((t) => t.cpu.run)))} ${f0(median(ts.map((t) => t.cpu.wait)))} ${median(ts.map((t) => t.cpu.run / t.cpu.wall))
          .toFixed(2)
          .padStart(6)}  ${kinds.map((k) => f0(median(ts.map((t) => t.cpu.byKind[k])))).join(" ")}`,
    );
  const fr = median(floor.map((t) => t.cpu.run));
  const ar = median(appRuns.map((t) => t.cpu.run));
  const threads = threadDifferences(
    floor.map((t) => t.cpu),
    appRuns.map((t) => t.cpu),
  ).map((d) => `    ${d.thread.padEnd(34)} ${f0(d.base)} ${f0(d.other)} ${f0(d.other - d.base)}`);
  return [
    `  the whole browser's CPU from B's navigation to its first frame (ms, medians; "wait": ready to run, waiting for a core; "cores": cpu / the stretch's wall time): app / floor = ${(ar / fr).toFixed(2)}`,
    `    ${"".padEnd(10)} ${"cpu".padStart(6)} ${"wait".padStart(6)} ${"cores".padStart(6)}  ${kinds.map((k) => k.slice(0, 6).padStart(6)).join(" ")}`,
    ...rows,
    `  by thread (both pages' renderers together), where the CPU differs most, medians (ms):`,
    `    ${"kind thread".padEnd(34)} ${"floor".padStart(6)} ${"app".padStart(6)} ${"app−fl".padStart(6)}`,
    ...threads,
  ].join("\n");
}

/** B's own marks before Join, run by run: script (bundle run) / devices ready / Join clicked, and devices -> Join. */
function preJoin(ts: Timing[]): string {
  const at = (t: Timing, n: string) => (t.steps[n] === undefined ? "-" : t.steps[n]!.toFixed(0));
  const gap = (t: Timing) =>
    t.steps.devices === undefined || t.steps["join clicked"] === undefined ? "-" : (t.steps["join clicked"]! - t.steps.devices!).toFixed(0);
  return ts.map((t) => `${at(t, "script")}/${at(t, "devices")}/${at(t, "join clicked")} (+${gap(t)})`).join("  ");
}

const loadAfter = loadavg();
for (const f of failures) console.log(`failed: ${f}`);
console.log(
  `bench/join: ${RUNS} runs per variant, alternating floor and app; load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after`,
);
for (const variant of VARIANTS) {
  const { floor, app: appRuns, reload } = results[variant];
  const warmFrom = WARM_FROM_ELSEWHERE ? `, the link opened from another site's page${args["warm-stopped"] ? ", B's service worker stopped" : ""}` : "";
  const label =
    variant === "rtt"
      ? `B ${RTT} ms round trip from the servers (warm cache${warmFrom})`
      : variant === "cold"
        ? `cold cache, the link opened from ${args["cold-from"] === "elsewhere" ? "another site's page" : "a blank tab"}`
        : variant === "webcam"
          ? `warm cache${warmFrom}, B's camera opening ${WEBCAM_MS} ms later, as a real webcam (the floor's socket open -> frame includes that wait)`
          : `${variant} cache${warmFrom}`;
  const fm = median(floor.map((t) => t.frame));
  const am = median(appRuns.map((t) => t.frame));
  const fs = median(floor.map((t) => t.fromStart));
  const as = median(appRuns.map((t) => t.fromStart));
  console.log(`\n== ${label}`);
  console.log(`  floor: navigation -> first remote frame  median ${f0(fm)} ms  [${list(floor)}]`);
  console.log(`  app:   navigation -> first remote frame  median ${f0(am)} ms  [${list(appRuns)}]`);
  console.log(`  app / floor = ${(am / fm).toFixed(2)}  (target <= 1.15)`);
  console.log(`  floor socket open -> first frame ${f0(fs)} ms; app Join -> first frame ${f0(as)} ms: ratio ${(as / fs).toFixed(2)}  (target <= 1.10)`);
  // The headline is the probe's frame callback, which runs on B's main thread; the frame itself was
  // handed to the compositor at `presentationTime`, before that when the page is busy. Beside it, not instead.
  const presented = (ts: Timing[], fromStart: boolean) =>
    median(ts.flatMap((t) => (t.steps["frame presented"] === undefined ? [] : [t.steps["frame presented"] - (fromStart ? t.frame - t.fromStart : 0)])));
  const [fp, ap, fps, aps] = [presented(floor, false), presented(appRuns, false), presented(floor, true), presented(appRuns, true)];
  console.log(
    `  by the frame's presentation time instead (what the compositor showed; the callback ran ${f0(fm - fp)} / ${f0(am - ap)} ms later on floor / app): ` +
      `navigation ${f0(fp)} / ${f0(ap)} ms, ratio ${(ap / fp).toFixed(2)}; from the start ${f0(fps)} / ${f0(aps)} ms, ratio ${(aps / fps).toFixed(2)}`,
  );
  if (reload.length) {
    const rm = median(reload.map((t) => t.frame));
    console.log(`  app reload mid-call -> first frame median ${f0(rm)} ms  [${list(reload)}]: reload / fresh = ${(rm / am).toFixed(2)}  (target <= 1.0)`);
  }
  console.log("  floor steps (median ms from navigation):");
  console.log(breakdown(floor));
  console.log("  app steps (median ms from navigation):");
  console.log(breakdown(appRuns));
  console.log("  after the start (floor: socket open; app: Join clicked), median ms per run, and the step's own part (+):");
  console.log(sideBySide(floor, appRuns));
  console.log(`  app, B before Join per run (ms from navigation): ${preJoin(appRuns)}`);
  const longMs = (ts: Timing[]) => ts.map((t) => t.afterAnswerMs.toFixed(0)).join(", ");
  console.log(`  B's long animation frames from answer-in to the first frame, ms per run: floor [${longMs(floor)}], app [${longMs(appRuns)}]`);
  console.log(cpuLines(floor, appRuns, reload));
  if (reload.length) {
    console.log("  app reload steps:");
    console.log(breakdown(reload));
  }
}
for (const l of groupOut) console.log(l);
