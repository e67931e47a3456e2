/**
 * Where the app's time goes on one join (issue 21), as Chromium sees it: a trace of the whole
 * browser while B opens a call link where A waits (warm cache, Join clicked by probe.ts), cut at
 * B's marks (machines/timeline.ts `ol:*`, probe.ts `bench:*`). For each step it prints how busy
 * B's and A's main threads were, their longest tasks, and the functions the sampling profiler saw
 * most (self time, then time including callees). Read it with an unminified build for names:
 *   node_modules/.bin/bun bench/join/trace.ts [--samples] [--out /tmp/join.trace.json | --from a.json] [--min 4] [--top 8]
 * The trace file opens in Chromium's DevTools (Performance, "Load profile"). With `--group`
 * (inside scripts/netns.sh, for Janus) B is a third person joining a call of two; `--dwell MS`
 * has B click Join that long after it shows; `--reload MS` traces B's reload mid-call instead (MS after both see pictures). Each task shows its wall time and, as "cpu", the time its
 * thread was on a CPU: on a busy machine most of a long task is waiting (for a core, mostly), not work.
 */
import { writeFileSync } from "node:fs";
import type { Browser, Page as PwPage } from "playwright-core";
import { parseArgs } from "node:util";
import { newSecret } from "../../protocol/e2ee.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForNewFrames, waitForStatus } from "../../tests/e2e/harness.ts";
import { startTestJanus } from "../../tests/helpers/janus.ts";
import { seesMoving } from "../group/probes.ts";
import { startFloorServer } from "./floor.ts";
import { A_SETTLE_MS, waitUntil } from "./pace.ts";
import { firstFrameShown, probe } from "./probe.ts";

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: "/tmp/join.trace.json" },
    /** Report on a trace saved before instead of recording one. */
    from: { type: "string" },
    /** Tasks at least this long (ms) are listed one by one. */
    min: { type: "string", default: "4" },
    /** Functions listed per step and thread. */
    top: { type: "string", default: "8" },
    /** Also sample the JavaScript (names; heavy: the timeline stretches). */
    samples: { type: "boolean", default: false },
    /**
     * A third person joining a call of two, through the media server (Janus: run inside
     * scripts/netns.sh): the traced joiner is the third, the "A" of the report one of the two.
     */
    group: { type: "boolean", default: false },
    /** The traced joiner clicks Join this long (ms) after it shows (probe.ts `__benchDwell`). */
    dwell: { type: "string", default: "0" },
    /** With --group: how many are in the call before the traced joiner (2: it makes the group; more: it joins one). */
    size: { type: "string", default: "2" },
    /** Trace the floor (floor.html, a bare two-page call) instead of the app: its CPU by thread beside the app's. */
    floor: { type: "boolean", default: false },
    /** B opens the link in a fresh context (no HTTP cache, no service worker), as run.ts's cold variant. */
    cold: { type: "boolean", default: false },
    /**
     * B joins untraced, both see the other's picture for this long (ms), then B reloads, traced: a
     * reload mid-call (run.ts's reload line) instead of a fresh join. 0: a fresh join.
     */
    reload: { type: "string", default: "0" },
    /** How long (ms) B stays on its earlier visit once its service worker is ready, as run.ts `--warm-dwell`. */
    "warm-dwell": { type: "string", default: "3000" },
  },
});
const MIN_TASK_MS = Number(args.min);
const TOP = Number(args.top);

interface TraceEvent {
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** Time the thread was on a CPU (µs): far below `dur` when the machine is busy and the thread waits for a core. */
  tdur?: number;
  ph: string;
  name: string;
  cat: string;
  id?: string;
  args?: Record<string, unknown> & { data?: Record<string, unknown>; name?: string };
}

const CATEGORIES = ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "v8.execute"];
/** The sampling profiler: which functions ran (with --samples; it slows the pages down a lot). */
const SAMPLES = "disabled-by-default-v8.cpu_profiler";

async function record(): Promise<TraceEvent[]> {
  if (args.floor) return recordFloor();
  const janus = args.group ? await startTestJanus() : null;
  const app = await startApp(janus ? { SFU_URLS: janus.url, SFU_SECRET: janus.secret } : {});
  const browser = await launchBrowser();
  try {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, app.url);
    const dwell = Number(args.dwell);
    if (dwell > 0) await b.context.addInitScript((ms) => Object.assign(window, { __benchDwell: ms }), dwell);
    await b.context.addInitScript(probe);
    const link = `${app.url}/c/${crypto.randomUUID()}#${newSecret()}`;
    await openCallLink(a.page, link);
    await waitForStatus(a.page, "Waiting for someone to join");
    const aWaiting = performance.now();
    if (janus) {
      // The call of two the traced page joins as the third.
      const second = await newPerson(browser, app.url);
      await openCallLink(second.page, link);
      await Promise.all([seesMoving(a.page, 1, 20_000), seesMoving(second.page, 1, 20_000)]);
      const inside = [a, second];
      for (let i = 2; i < Number(args.size); i++) {
        const next = await newPerson(browser, app.url);
        await openCallLink(next.page, link);
        inside.push(next);
        await Promise.all(inside.map((p) => seesMoving(p.page, inside.length - 1, 30_000)));
      }
    }
    // A returning visitor, as run.ts's warm variant (with --cold, a first visit).
    if (!args.cold) {
      await b.page.goto(`${app.url}/`);
      await b.page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 3_000))]));
      await Bun.sleep(Number(args["warm-dwell"]));
    }
    await waitUntil(aWaiting + A_SETTLE_MS);
    const reloadAfter = Number(args.reload);
    if (reloadAfter > 0) {
      // (The probe clicks Join.)
      await b.page.goto(link);
      await Promise.all([waitForNewFrames(b.page, "Remote video", 5), waitForNewFrames(a.page, "Remote video", 5)]);
      await Bun.sleep(reloadAfter);
      return await traced(browser, b.page, () => b.page.reload());
    }
    return await traced(browser, b.page, () => b.page.goto(link));
  } finally {
    await browser.close();
    await app.stop();
    await janus?.stop();
  }
}

/** B's page does `go` (opens a call link or the floor's room, or reloads) while the browser is traced, until its first remote frame; the trace is saved to --out. */
async function traced(browser: Browser, page: PwPage, go: () => Promise<unknown>): Promise<TraceEvent[]> {
  await browser.startTracing(undefined, { categories: args.samples ? [...CATEGORIES, SAMPLES] : CATEGORIES });
  // Starting the sampling profiler stalls every page for a moment: let that pass first.
  await Bun.sleep(args.samples ? 3_000 : 300);
  // The sampling profiler slows every page several times over: a joiner into a group then takes longer than 20 s.
  const shown = firstFrameShown(page, args.samples ? 90_000 : 20_000);
  await go();
  await shown;
  await Bun.sleep(300);
  const buffer = await browser.stopTracing();
  writeFileSync(args.out, buffer);
  return events(buffer.toString());
}

/** The same join on the floor: B opens the room where A waits (warm: B's page visited first), traced. */
async function recordFloor(): Promise<TraceEvent[]> {
  const floor = await startFloorServer();
  const browser = await launchBrowser();
  try {
    const a = await newPerson(browser, floor.url);
    const b = await newPerson(browser, floor.url);
    await b.context.addInitScript(probe);
    const room = crypto.randomUUID();
    await a.page.goto(`${floor.url}/?room=${room}`);
    await a.page.waitForFunction(() => (window as unknown as { __floorReady?: boolean }).__floorReady === true, null, { timeout: 10_000 });
    const aWaiting = performance.now();
    await b.page.goto(`${floor.url}/`);
    await waitUntil(aWaiting + A_SETTLE_MS);
    return await traced(browser, b.page, () => b.page.goto(`${floor.url}/?room=${room}`));
  } finally {
    await browser.close();
    floor.stop();
  }
}

/** A renderer's main thread: its pid and tid, and its marks (ms on the trace clock). */
interface Page {
  pid: number;
  tid: number;
  marks: Map<string, number>;
}

function pagesOf(events: TraceEvent[]): { a: Page; b: Page } {
  const mains = new Map<number, number>();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain") mains.set(e.pid, e.tid);
  const marks = new Map<number, Map<string, number>>();
  for (const e of events) {
    if (!e.cat.includes("blink.user_timing") || !(e.name.startsWith("ol:") || e.name.startsWith("bench:"))) continue;
    const m = marks.get(e.pid) ?? new Map<string, number>();
    if (!m.has(e.name)) m.set(e.name, e.ts / 1000);
    marks.set(e.pid, m);
  }
  // B is the page with the probe's marks; A the other one (its earlier marks came before the trace).
  const b = [...marks].find(([, m]) => m.has("bench:join clicked")) ?? [...marks].find(([, m]) => m.has("bench:first frame"));
  // Joining a group already formed (--size 3), the others make no mark meanwhile: A is then another page's main thread.
  const other = [...mains.keys()].find((pid) => pid !== b?.[0]);
  const a = [...marks].find(([pid]) => pid !== b?.[0]) ?? (other === undefined ? undefined : ([other, new Map<string, number>()] as const));
  if (!a || !b) throw new Error(`could not find both pages in the trace (pages with marks: ${[...marks.keys()].join(", ")})`);
  const page = ([pid, m]: [number, Map<string, number>]): Page => ({ pid, tid: mains.get(pid) ?? -1, marks: m });
  return { a: page(a), b: page(b) };
}

/** Where B's navigation started (ms, trace clock): the last navigationStart before its first mark. */
function navigationStart(events: TraceEvent[], b: Page): number {
  const first = Math.min(...b.marks.values());
  let at = first;
  let best = -Infinity;
  for (const e of events) {
    if (e.pid !== b.pid || e.name !== "navigationStart") continue;
    const t = e.ts / 1000;
    if (t <= first && t > best) best = t;
  }
  if (best > -Infinity) at = best;
  return at;
}

/** Sampled stacks of one thread: when, and the frames from leaf to root. */
interface Sample {
  at: number;
  stack: string[];
}

function samplesOf(events: TraceEvent[], page: Page): Sample[] {
  const nodes = new Map<string, Map<number, { name: string; parent?: number }>>();
  const starts = new Map<string, number>();
  const out: Sample[] = [];
  const times = new Map<string, number>();
  const pending: { id: string; samples: number[]; deltas: number[] }[] = [];
  for (const e of events) {
    if (e.pid !== page.pid || !e.cat.includes("cpu_profiler")) continue;
    const id = `${e.id}`;
    const data = e.args?.data as
      | {
          startTime?: number;
          cpuProfile?: {
            nodes?: { id: number; parent?: number; callFrame: { functionName: string; url?: string; lineNumber?: number } }[];
            samples?: number[];
          };
          timeDeltas?: number[];
        }
      | undefined;
    if (e.name === "Profile" && e.tid === page.tid) starts.set(id, (data?.startTime ?? e.ts) / 1000);
    if (e.name !== "ProfileChunk") continue;
    const map = nodes.get(id) ?? new Map();
    nodes.set(id, map);
    for (const n of data?.cpuProfile?.nodes ?? []) {
      const f = n.callFrame;
      const where = f.url ? ` ${f.url.split("/").pop()}:${(f.lineNumber ?? 0) + 1}` : "";
      map.set(n.id, { name: `${f.functionName || "(anonymous)"}${where}`, parent: n.parent });
    }
    pending.push({ id, samples: data?.cpuProfile?.samples ?? [], deltas: data?.timeDeltas ?? [] });
  }
  for (const { id, samples, deltas } of pending) {
    if (!starts.has(id)) continue;
    let t = times.get(id) ?? starts.get(id)!;
    const map = nodes.get(id)!;
    samples.forEach((leaf, i) => {
      t += (deltas[i] ?? 0) / 1000;
      const stack: string[] = [];
      for (let n: number | undefined = leaf; n !== undefined; n = map.get(n)?.parent) stack.push(map.get(n)?.name ?? "?");
      out.push({ at: t, stack });
    });
    times.set(id, t);
  }
  return out.sort((x, y) => x.at - y.at);
}

/** The longest named pieces inside a task, for a one-line label. */
function labelOf(events: TraceEvent[], task: TraceEvent): string {
  const end = task.ts + (task.dur ?? 0);
  const inside = events.filter(
    (e) =>
      e !== task &&
      e.pid === task.pid &&
      e.tid === task.tid &&
      e.ph === "X" &&
      e.ts >= task.ts &&
      e.ts < end &&
      (e.dur ?? 0) >= 500 &&
      e.name !== "RunTask" &&
      e.name !== "ThreadControllerImpl::RunTask",
  );
  const parts = inside
    .sort((x, y) => (y.dur ?? 0) - (x.dur ?? 0))
    .slice(0, 4)
    .map((e) => {
      const d = e.args?.data as { functionName?: string; url?: string; type?: string; lineNumber?: number } | undefined;
      const what = d?.functionName ? `${d.functionName}@${d.url?.split("/").pop() ?? ""}:${d.lineNumber ?? ""}` : (d?.type ?? d?.url?.split("/").pop() ?? "");
      return `${e.name}${what ? `(${what})` : ""} ${((e.dur ?? 0) / 1000).toFixed(1)}`;
    });
  return parts.join(", ");
}

function report(events: TraceEvent[]) {
  const { a, b } = pagesOf(events);
  const nav = navigationStart(events, b);
  // A's own marks cut the steps too ("A ol:offer-in" ...), so that what A does before its answer is a step of its own.
  const steps = [
    ...[...b.marks].map(([name, at]) => ({ name, at: at - nav })),
    ...[...a.marks].filter(([, at]) => at >= nav).map(([name, at]) => ({ name: `A ${name}`, at: at - nav })),
  ].sort((x, y) => x.at - y.at);
  steps.unshift({ name: "navigation", at: 0 });
  // Top-level tasks only (a task event may hold another one of the other name).
  const tasks = (page: Page) => {
    const all = events
      .filter((e) => e.pid === page.pid && e.tid === page.tid && e.ph === "X" && (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask"))
      .sort((x, y) => x.ts - y.ts || (y.dur ?? 0) - (x.dur ?? 0));
    const top: TraceEvent[] = [];
    for (const e of all) {
      const last = top.at(-1);
      if (!last || e.ts >= last.ts + (last.dur ?? 0)) top.push(e);
    }
    return top;
  };
  const threads = { B: { page: b, tasks: tasks(b), samples: samplesOf(events, b) }, A: { page: a, tasks: tasks(a), samples: samplesOf(events, a) } };
  console.log(`B: pid ${b.pid}, A: pid ${a.pid}; times in ms from B's navigation`);
  console.log(
    `A's marks: ${[...a.marks]
      .filter(([, t]) => t >= nav)
      .map(([n, t]) => `${n} ${(t - nav).toFixed(0)}`)
      .join(", ")}`,
  );
  for (let i = 0; i + 1 < steps.length; i++) {
    const from = steps[i]!;
    const to = steps[i + 1]!;
    if (to.at - from.at < 1) continue;
    console.log(`\n== ${from.name} ${from.at.toFixed(0)} -> ${to.name} ${to.at.toFixed(0)} (${(to.at - from.at).toFixed(0)} ms)`);
    for (const [who, t] of Object.entries(threads)) {
      const lo = nav + from.at;
      const hi = nav + to.at;
      let busy = 0;
      let cpu = 0;
      const long: string[] = [];
      for (const task of t.tasks) {
        const s = task.ts / 1000;
        const e = s + (task.dur ?? 0) / 1000;
        const overlap = Math.min(e, hi) - Math.max(s, lo);
        if (overlap <= 0) continue;
        busy += overlap;
        // The CPU time in proportion to the part of the task inside the step.
        cpu += ((task.tdur ?? 0) / 1000) * (overlap / Math.max((task.dur ?? 0) / 1000, 1e-3));
        if ((task.dur ?? 0) / 1000 >= MIN_TASK_MS)
          long.push(
            `    ${(s - nav).toFixed(0).padStart(5)} +${((task.dur ?? 0) / 1000).toFixed(1).padStart(5)} (cpu ${((task.tdur ?? 0) / 1000).toFixed(1).padStart(4)})  ${labelOf(events, task)}`,
          );
      }
      console.log(`  ${who} main thread busy ${busy.toFixed(0)} ms, on a CPU ${cpu.toFixed(0)} ms`);
      for (const l of long) console.log(l);
      const inWindow = t.samples.filter((s) => s.at >= lo && s.at < hi);
      if (!inWindow.length) continue;
      const self = new Map<string, number>();
      const total = new Map<string, number>();
      for (const s of inWindow) {
        self.set(s.stack[0]!, (self.get(s.stack[0]!) ?? 0) + 1);
        for (const f of new Set(s.stack)) total.set(f, (total.get(f) ?? 0) + 1);
      }
      const fmt = (m: Map<string, number>) =>
        [...m]
          .filter(([n]) => n !== "(root)" && n !== "(program)" && n !== "(idle)")
          .sort((x, y) => y[1] - x[1])
          .slice(0, TOP)
          .map(([n, c]) => `${c}×${n}`)
          .join("; ");
      console.log(`    samples ${inWindow.length} (idle ${self.get("(idle)") ?? 0}); self: ${fmt(self)}`);
      console.log(`    incl: ${fmt(total)}`);
    }
  }
  cpuByThread(events, b, nav);
  cpuByKind(events, a, b);
}

/**
 * B's, A's and the browser's main threads from the start to B's first frame, their CPU summed by
 * kind of task: where Chromium says the task was posted from (`src_file:src_func`), the mojo
 * interface of the message it handles, and its longest timeline events (a script's function, an
 * event's type). Minified names are the bundle's: build with source maps to read them.
 */
function cpuByKind(events: TraceEvent[], a: Page, b: Page) {
  const start = b.marks.get("ol:join") ?? b.marks.get("bench:socket open");
  const to = b.marks.get("ol:first-frame") ?? b.marks.get("bench:first frame");
  if (start === undefined || to === undefined) return;
  const browser = events.find((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrBrowserMain");
  const threads: [string, number, number][] = [
    ["B's main thread", b.pid, b.tid],
    ["A's main thread", a.pid, a.tid],
    ...(browser ? [["the browser's main thread", browser.pid, browser.tid] as [string, number, number]] : []),
  ];
  for (const [label, pid, tid] of threads) {
    const own = events
      .filter((e) => e.pid === pid && e.tid === tid && e.ph === "X" && e.ts / 1000 >= start && e.ts / 1000 < to)
      .sort((x, y) => x.ts - y.ts || (y.dur ?? 0) - (x.dur ?? 0));
    const totals = new Map<string, { n: number; cpu: number; wall: number }>();
    let i = 0;
    while (i < own.length) {
      const task = own[i]!;
      const end = task.ts + (task.dur ?? 0);
      const inside: TraceEvent[] = [];
      for (i++; i < own.length && own[i]!.ts < end; i++) inside.push(own[i]!);
      const all = [task, ...inside];
      const posted = all.find((e) => e.args?.src_file);
      const info = (e: TraceEvent) => e.args?.chrome_mojo_event_info as { mojo_interface_tag?: string; watcher_notify_interface_tag?: string } | undefined;
      const mojo = all.map((e) => info(e)?.mojo_interface_tag ?? info(e)?.watcher_notify_interface_tag).find(Boolean);
      const what = inside
        .filter((e) => e.cat.includes("devtools.timeline") && e.name !== "RunTask")
        .sort((x, y) => (y.dur ?? 0) - (x.dur ?? 0))
        .slice(0, 2)
        .map((e) => {
          const d = e.args?.data as { functionName?: string; url?: string; type?: string; lineNumber?: number; columnNumber?: number } | undefined;
          const where = d?.functionName ? `${d.functionName}@${d.url?.split("/").pop() ?? ""}:${d.lineNumber ?? ""}:${d.columnNumber ?? ""}` : (d?.type ?? "");
          return `${e.name}${where ? `(${where})` : ""}`;
        });
      const kind = [posted ? `${String(posted.args!.src_file).split("/").pop()}:${posted.args!.src_func}` : "", mojo ?? "", what.join(" > ")]
        .filter(Boolean)
        .join(" | ");
      const t = totals.get(kind) ?? { n: 0, cpu: 0, wall: 0 };
      t.n++;
      t.cpu += (task.tdur ?? 0) / 1000;
      t.wall += (task.dur ?? 0) / 1000;
      totals.set(kind, t);
    }
    const sum = [...totals.values()].reduce((n, t) => n + t.cpu, 0);
    console.log(`\n== ${label}, start -> first frame, by kind of task (${sum.toFixed(0)} ms on a CPU)`);
    for (const [kind, t] of [...totals].sort((x, y) => y[1].cpu - x[1].cpu).slice(0, TOP * 2))
      console.log(`  ${t.cpu.toFixed(1).padStart(6)} cpu ${t.wall.toFixed(1).padStart(6)} wall ${String(t.n).padStart(4)}×  ${kind.slice(0, 160)}`);
  }
}

/**
 * Every thread of the browser in B's two windows, navigation → start and start → first remote frame
 * (the start: the app's Join, the floor's socket open): wall time in its tasks and time on a CPU,
 * most CPU first, then the same summed per process. On two shared cores the pages' main threads
 * compete with the GPU process, the camera, the encoders and whatever else runs on the machine.
 */
function cpuByThread(events: TraceEvent[], b: Page, nav: number) {
  const start = b.marks.get("ol:join") ?? b.marks.get("bench:socket open");
  const to = b.marks.get("ol:first-frame") ?? b.marks.get("bench:first frame");
  if (start === undefined || to === undefined) return;
  const names = new Map<string, string>();
  const processes = new Map<number, string>();
  for (const e of events) {
    if (e.ph !== "M") continue;
    if (e.name === "thread_name") names.set(`${e.pid}/${e.tid}`, `${e.args?.name ?? ""}`);
    if (e.name === "process_name") processes.set(e.pid, `${e.args?.name ?? ""}`);
  }
  const sorted = events
    .filter((e) => e.ph === "X" && e.tdur !== undefined)
    .sort((x, y) => x.pid - y.pid || x.tid - y.tid || x.ts - y.ts || (y.dur ?? 0) - (x.dur ?? 0));
  const processOf = (pid: number) => `${pid === b.pid ? "B " : ""}${processes.get(pid) ?? pid}`;
  const startName = b.marks.has("ol:join") ? "ol:join" : "socket open";
  for (const [from, until, label] of [
    [nav, start, `navigation -> ${startName}`],
    [start, to, `${startName} -> first frame`],
  ] as const) {
    const totals = new Map<string, { wall: number; cpu: number }>();
    const ends = new Map<string, number>();
    for (const e of sorted) {
      if (e.ts / 1000 < from || e.ts / 1000 >= until) continue;
      const key = `${e.pid}/${e.tid}`;
      // Top-level events only: one nested in the one before is already counted.
      if (e.ts < (ends.get(key) ?? -Infinity)) continue;
      ends.set(key, e.ts + (e.dur ?? 0));
      const t = totals.get(key) ?? { wall: 0, cpu: 0 };
      t.wall += (e.dur ?? 0) / 1000;
      t.cpu += (e.tdur ?? 0) / 1000;
      totals.set(key, t);
    }
    const all = [...totals].sort((x, y) => y[1].cpu - x[1].cpu);
    const sum = all.reduce((n, [, t]) => n + t.cpu, 0);
    console.log(`\n== CPU by thread, ${label} (${(until - from).toFixed(0)} ms; ${sum.toFixed(0)} ms on a CPU in all)`);
    for (const [key, t] of all.slice(0, TOP * 2))
      console.log(
        `  ${`${processOf(Number(key.split("/")[0]))} ${names.get(key) ?? key}`.slice(0, 60).padEnd(60)} tasks ${t.wall.toFixed(0).padStart(5)} ms, on a CPU ${t.cpu.toFixed(0).padStart(4)} ms`,
      );
    const byProcess = new Map<string, number>();
    for (const [key, t] of all) {
      const p = `${processOf(Number(key.split("/")[0]))} (${key.split("/")[0]})`;
      byProcess.set(p, (byProcess.get(p) ?? 0) + t.cpu);
    }
    console.log(
      `  per process: ${[...byProcess]
        .sort((x, y) => y[1] - x[1])
        .map(([p, c]) => `${p} ${c.toFixed(0)}`)
        .join("; ")}`,
    );
  }
}

const events = (text: string) => {
  const parsed = JSON.parse(text) as TraceEvent[] | { traceEvents: TraceEvent[] };
  return Array.isArray(parsed) ? parsed : parsed.traceEvents;
};
report(args.from ? events(await Bun.file(args.from).text()) : await record());
