/**
 * Two builds of the app side by side on one join (issue 21): this checkout's and another's (a git
 * worktree with its own `build/app`, made by its own `bun scripts/build.ts`), each served by its own
 * server, in one Chromium, in ABBA order, so that a change is judged against its base under the same
 * machine load rather than against a run made minutes before. Warm cache as run.ts (B visited the
 * start page and dwelt there), B's Join clicked by probe.ts. Prints, per build, the medians of
 * navigation → first remote frame, Join → first remote frame and the marks after Join, then the
 * paired differences (variant − base, per ABBA pair).
 * With `--rtt MS`, B reaches each server through bench/call/latency-proxy.ts (that round trip; media
 * between the browsers stays direct), as run.ts's rtt variant.
 * With `--reload`, B then also reloads mid-call (once both see moving pictures), and its reload's
 * navigation → first remote frame is compared too (issue 21: a reload at most 1.0× a fresh join).
 * With `--camera-ms MS`, B's camera opens that much later than Chromium's fake one does, as a real
 * webcam takes 0.3-1 s to start (probe.ts).
 * With `--visits N`, B visits the start page N times before the link (1: a second visit, as run.ts's
 * warm; 2: a third, which reads V8's code cache; 0: cold, the link opened from another site's page);
 * `--variant-visits N` gives the variant's B another count (the same build on both sides: what a visit is worth).
 * `--variant-media-a JSON` / `--variant-media-b JSON`: A's or B's saved camera settings in the variant's runs only.
 * `--a-settle MS`: B opens the link no sooner than MS after A waits in the room; `--reload-after MS`: B reloads MS into
 * the call (pace.ts); `--variant-a-settle` / `--variant-reload-after`: the variant's runs' own (the same build on both sides).
 * `--stopped`: a returning B opens the link from another site's page with its service worker stopped (run.ts --warm-stopped).
 *   node_modules/.bin/bun bench/join/compare.ts --variant /work/wt-x [--pairs 8] [--warm-dwell 3000] [--rtt 100] [--reload] [--camera-ms 400] [--dwell 300] [--visits 1]
 */
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { newSecret } from "../../protocol/e2ee.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForNewFrames, waitForStatus } from "../../tests/e2e/harness.ts";
import { startLatencyProxy } from "../call/latency-proxy.ts";
import { cpuBetween, median, sampleCpu } from "./cpu.ts";
import { A_SETTLE_MS, RELOAD_INTO_CALL_MS, stopServiceWorkers, waitUntil } from "./pace.ts";
import { firstFrameShown, probe } from "./probe.ts";

const { values: args } = parseArgs({
  options: {
    variant: { type: "string" },
    pairs: { type: "string", default: "8" },
    "warm-dwell": { type: "string", default: "3000" },
    rtt: { type: "string", default: "0" },
    reload: { type: "boolean", default: false },
    "camera-ms": { type: "string", default: "0" },
    /** B clicks Join this long (ms) after it is enabled, as a person would (0: at once, probe.ts). */
    dwell: { type: "string", default: "0" },
    visits: { type: "string", default: "1" },
    /** The variant's B visits this many times instead (the same build on both sides: what a third visit's code cache is worth). */
    "variant-visits": { type: "string" },
    /** In the variant's runs only, A's or B's saved camera settings (onelink.media, JSON): the same build on both sides, what a camera size is worth on either. */
    "variant-media-a": { type: "string" },
    "variant-media-b": { type: "string" },
    /** B opens the link no sooner than this long (ms) after A waits in the room (pace.ts); `--variant-a-settle` for the variant's runs. */
    "a-settle": { type: "string", default: String(A_SETTLE_MS) },
    "variant-a-settle": { type: "string" },
    /** With --reload: how far into the call (ms after both see moving pictures) B reloads (pace.ts); `--variant-reload-after` for the variant's runs. */
    "reload-after": { type: "string", default: String(RELOAD_INTO_CALL_MS) },
    "variant-reload-after": { type: "string" },
    /** A returning B (`--visits` 1 or more) opens the link from another site's page, its service worker stopped (pace.ts): a visit a while ago. */
    stopped: { type: "boolean", default: false },
  },
});
if (!args.variant) throw new Error("compare.ts: --variant <checkout> is required");
const PAIRS = Math.max(1, Number(args.pairs));
/** B's camera opens this much later than the fake device (a real webcam's start). */
const CAMERA_MS = Math.max(0, Number(args["camera-ms"]));
const DWELL = Math.max(0, Number(args.dwell));
const VISITS = Math.max(0, Number(args.visits));
const VISITS_OF = { base: VISITS, variant: Math.max(0, Number(args["variant-visits"] ?? VISITS)) };
const A_SETTLE = { base: Math.max(0, Number(args["a-settle"])), variant: Math.max(0, Number(args["variant-a-settle"] ?? args["a-settle"])) };
const RELOAD_AFTER = { base: Math.max(0, Number(args["reload-after"])), variant: Math.max(0, Number(args["variant-reload-after"] ?? args["reload-after"])) };
const STEPS = [
  "joined",
  "A answer-sent",
  "answer-in",
  "answer",
  "view shown",
  "ice-connected",
  "A connected",
  "connected",
  "A first-frame",
  "frame presented",
  "frame displayed",
  "first face",
  "tile frame",
  "first frame",
];
/** B's marks before Join, from its navigation (and when Join was clicked); `quick-lobby`: its first pre-join screen drawn without React (ui/quick-lobby.ts). */
const BEFORE_JOIN = ["camera asked", "socket created", "script", "quick-lobby", "camera open", "socket open", "devices", "offer-preparing", "offer-prepared"];
/** The answering page's (A's) marks that are read, on B's clock. */
const A_MARKS = ["answer-sent", "connected", "first-frame"];
/**
 * With --reload: B's marks on its reloaded page, ms from the reload's navigation. Not A's: a page
 * marks each step once (machines/timeline.ts), and A's were its first connection's.
 */
const RELOAD_STEPS = ["script", "offer-with-join", "joined", "answer-in", "answer", "ice-connected", "connected", "first frame"];

interface Run {
  frame: number;
  fromJoin: number;
  /** Marks after Join, ms after Join. */
  steps: Record<string, number>;
  /** Marks before Join, ms after navigation. */
  fromNav: Record<string, number>;
  /** With --reload: B's reload mid-call, navigation → first remote frame. */
  reload?: number;
  /** With --reload: RELOAD_STEPS, ms from the reload's navigation. */
  reloadSteps?: Record<string, number>;
  /** The whole browser's CPU (ms, cpu.ts) from B's navigation until the bench heard of its first frame; with --reload, its reload's too. */
  cpu: number;
  reloadCpu?: number;
}

async function aMark(a: Page, name: string, bOrigin: number): Promise<number | undefined> {
  const got = await a.evaluate((n) => {
    const m = performance.getEntriesByName(`ol:${n}`)[0];
    return m ? { at: m.startTime, origin: performance.timeOrigin } : null;
  }, name);
  return got ? got.origin + got.at - bOrigin : undefined;
}

const servers = { base: await startApp(), variant: await startApp({}, 0, { root: args.variant }) };
const RTT = Number(args.rtt);
const proxies = RTT > 0 ? { base: await startLatencyProxy(servers.base.port, RTT), variant: await startLatencyProxy(servers.variant.port, RTT) } : null;
const browser = await launchBrowser();
/** Another site's page (`localhost`, beside the servers' 127.0.0.1) that a cold B opens the link from. */
const elsewhere =
  VISITS_OF.base === 0 || VISITS_OF.variant === 0 || args.stopped
    ? Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () => new Response("<!doctype html><title>elsewhere</title>", { headers: { "content-type": "text/html" } }),
      })
    : null;

async function measure(which: keyof typeof servers): Promise<Run> {
  const origin = servers[which].url;
  // B's own way to the server: through the proxy with --rtt (A's is direct, as in run.ts).
  const bOrigin = proxies ? `http://localhost:${proxies[which].port}` : origin;
  const a = await newPerson(browser, origin);
  const b = await newPerson(browser, bOrigin);
  try {
    if (CAMERA_MS > 0) await b.context.addInitScript((ms) => Object.assign(window, { __benchCameraMs: ms }), CAMERA_MS);
    if (DWELL > 0) await b.context.addInitScript((ms) => Object.assign(window, { __benchDwell: ms }), DWELL);
    await b.context.addInitScript(probe);
    for (const [person, media] of [
      [a, args["variant-media-a"]],
      [b, args["variant-media-b"]],
    ] as const)
      if (which === "variant" && media) await person.context.addInitScript((json) => localStorage.setItem("onelink.media", json), media);
    const room = crypto.randomUUID();
    const secret = newSecret();
    const link = `${origin}/c/${room}#${secret}`;
    await openCallLink(a.page, link);
    await waitForStatus(a.page, "Waiting for someone to join");
    const aWaiting = performance.now();
    for (let visit = 0; visit < VISITS_OF[which]; visit++) {
      await b.page.goto(`${bOrigin}/`);
      await b.page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 3_000))]));
      await Bun.sleep(Number(args["warm-dwell"]));
    }
    if (elsewhere && (VISITS_OF[which] === 0 || args.stopped)) await b.page.goto(`http://localhost:${elsewhere.port}/`);
    if (args.stopped && VISITS_OF[which] > 0) await stopServiceWorkers(b.page);
    await waitUntil(aWaiting + A_SETTLE[which]);
    const shown = firstFrameShown(b.page);
    const before = sampleCpu();
    await b.page.goto(`${bOrigin}/c/${room}#${secret}`);
    await shown;
    const cpu = cpuBetween(before, sampleCpu()).run;
    const got = await b.page.evaluate(() => {
      const marks: Record<string, number> = {};
      for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("ol:")) marks[m.name.slice(3)] ??= m.startTime;
      const bench = (window as unknown as { __bench: { join: number | null; frame: number; wsOpen: number | null; steps: Record<string, number> } }).__bench;
      return { marks, bench, origin: performance.timeOrigin };
    });
    const join = got.bench.join ?? 0;
    const all: Record<string, number | undefined> = {
      ...got.marks,
      ...got.bench.steps,
      "socket open": got.bench.wsOpen ?? undefined,
      "first frame": got.bench.frame,
    };
    await a.page.waitForFunction(() => performance.getEntriesByName("ol:first-frame").length > 0, null, { timeout: 5_000 }).catch(() => {});
    for (const n of A_MARKS) all[`A ${n}`] = await aMark(a.page, n, got.origin);
    const steps: Record<string, number> = {};
    for (const n of STEPS) if (all[n] !== undefined) steps[n] = all[n]! - join;
    const fromNav: Record<string, number> = {};
    for (const n of BEFORE_JOIN) if (all[n] !== undefined) fromNav[n] = all[n]!;
    if (got.bench.join !== null) fromNav["join clicked"] = got.bench.join;
    const run: Run = { frame: got.bench.frame, fromJoin: got.bench.frame - join, steps, fromNav, cpu };
    if (!args.reload) return run;
    await waitForNewFrames(a.page, "Remote video", 5);
    await waitForNewFrames(b.page, "Remote video", 5);
    await Bun.sleep(RELOAD_AFTER[which]);
    const shownAgain = firstFrameShown(b.page);
    const beforeReload = sampleCpu();
    await b.page.reload();
    await shownAgain;
    run.reloadCpu = cpuBetween(beforeReload, sampleCpu()).run;
    const again = await b.page.evaluate(() => {
      const marks: Record<string, number> = {};
      for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("ol:")) marks[m.name.slice(3)] ??= m.startTime;
      return { marks, frame: (window as unknown as { __bench: { frame: number } }).__bench.frame };
    });
    run.reload = again.frame;
    run.reloadSteps = { ...again.marks, "first frame": again.frame };
    return run;
  } finally {
    await a.context.close();
    await b.context.close();
  }
}

const runs = { base: [] as (Run | null)[], variant: [] as (Run | null)[] };
try {
  for (let i = 0; i < PAIRS; i++) {
    for (const which of (i % 2 ? ["variant", "base"] : ["base", "variant"]) as (keyof typeof servers)[]) {
      const r = await measure(which).catch((err: Error) => {
        console.log(`failed: ${which} ${err.message.split("\n")[0]}`);
        return null;
      });
      runs[which].push(r);
      if (r)
        process.stderr.write(
          `${i + 1}/${PAIRS} ${which}: nav ${r.frame.toFixed(0)}, join ${r.fromJoin.toFixed(0)}${r.reload === undefined ? "" : `, reload ${r.reload.toFixed(0)}`}\n`,
        );
    }
  }
} finally {
  await browser.close();
  elsewhere?.stop();
  proxies?.base.stop();
  proxies?.variant.stop();
  await servers.base.stop();
  await servers.variant.stop();
}

const ok = (rs: (Run | null)[]) => rs.filter((r): r is Run => r !== null);
const f0 = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(0)).padStart(6);
console.log(
  `bench/join/compare: ${PAIRS} pairs, ABBA, ${(["base", "variant"] as const).map((w) => `${w} ${VISITS_OF[w] ? `${VISITS_OF[w]} earlier visit${VISITS_OF[w] > 1 ? "s" : ""}` : "cold"}`).join(", ")}${RTT ? `, B ${RTT} ms round trip from the servers` : ""}${CAMERA_MS ? `, B's camera ${CAMERA_MS} ms slower to open` : ""}${DWELL ? `, B's Join clicked ${DWELL} ms after it is enabled` : ""}; base ${process.cwd()}, variant ${args.variant}`,
);
console.log(`  ${"".padEnd(26)} ${"base".padStart(6)} ${"variant".padStart(7)}`);
const row = (label: string, get: (r: Run) => number | undefined) => {
  const m = (rs: Run[]) => median(rs.map(get).filter((x): x is number => x !== undefined));
  console.log(`  ${label.padEnd(26)} ${f0(m(ok(runs.base)))} ${f0(m(ok(runs.variant))).padStart(7)}`);
};
row("navigation -> first frame", (r) => r.frame);
row("  the browser's CPU meanwhile", (r) => r.cpu);
for (const n of [...BEFORE_JOIN, "join clicked"]) row(`  navigation -> ${n}`, (r) => r.fromNav[n]);
row("Join -> first frame", (r) => r.fromJoin);
if (args.reload) {
  row("reload -> first frame", (r) => r.reload);
  row("  the browser's CPU meanwhile", (r) => r.reloadCpu);
}
for (const n of STEPS) row(`  Join -> ${n}`, (r) => r.steps[n]);
/**
 * Two-sided sign test: how likely, were the builds alike (each pair as likely to go either way), a
 * split at least this uneven would be. Ties count for neither side.
 */
function signTest(diffs: number[]): number {
  const n = diffs.filter((d) => d !== 0).length;
  const k = Math.min(diffs.filter((d) => d < 0).length, diffs.filter((d) => d > 0).length);
  let tail = 0;
  for (let i = 0, c = 1; i <= k; c = (c * (n - i)) / (i + 1), i++) tail += c / 2 ** n;
  return Math.min(1, 2 * tail);
}
const paired = (label: string, get: (r: Run) => number | undefined, better = "faster") => {
  const diffs = runs.base.flatMap((b, i) => {
    const v = runs.variant[i];
    const [x, y] = [b && get(b), v && get(v)];
    return x !== undefined && x !== null && y !== undefined && y !== null ? [y - x] : [];
  });
  console.log(
    `  paired ${label}, variant - base: median ${f0(median(diffs)).trim()} ms; variant ${better} in ${diffs.filter((d) => d < 0).length} of ${diffs.length} pairs (sign test p ${signTest(diffs).toFixed(2)}) [${diffs.map((d) => d.toFixed(0)).join(", ")}]`,
  );
};
paired("navigation -> first frame", (r) => r.frame);
// The CPU the whole browser spent meanwhile (cpu.ts): it grows with the stretch itself, the cores being full.
paired("browser CPU, navigation -> first frame", (r) => r.cpu, "lower");
paired("Join -> first frame", (r) => r.fromJoin);
if (args.reload) {
  paired("reload -> first frame", (r) => r.reload);
  paired("browser CPU, reload -> first frame", (r) => r.reloadCpu, "lower");
  for (const which of ["base", "variant"] as const) {
    const rs = ok(runs[which]);
    const r = median(rs.flatMap((x) => (x.reload === undefined ? [] : [x.reload])));
    console.log(`  ${which}: reload / fresh = ${(r / median(rs.map((x) => x.frame))).toFixed(2)}`);
  }
  console.log("  the reload's steps, ms from its navigation:");
  for (const n of RELOAD_STEPS) row(`    ${n}`, (r) => r.reloadSteps?.[n]);
}
