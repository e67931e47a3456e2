/**
 * bench/join's group lines (issue 21): a third person opening the link of a call of two, with the
 * app's media server (Janus, VideoRoom). Per run, on the same Chromium as the other lines:
 *   - the third's navigation → first remote frame, Join → first frame and Join → frames on both
 *     tiles (probe.ts clicks Join the moment it is enabled; recordFirstFrames notes every tile);
 *   - the switch of the two already in the call from their direct connection to the media server:
 *     from the third's Join to the later of the two closing their direct connection (each page's
 *     clock read as wall time, performance.timeOrigin + now), and the longest gap between presented
 *     frames on the tile each of them already had (recordGaps), which is what a person sees of it.
 * Janus's ICE skips loopback, so these lines need the namespace of scripts/netns.sh:
 *   bash scripts/netns.sh node_modules/.bin/bun bench/join/run.ts --variants warm,group
 */
import type { Browser, Page } from "playwright-core";
import { newSecret } from "../../protocol/e2ee.ts";
import { newPerson, openCallLink, recordPeerConnections, startApp, waitFor, waitForStatus } from "../../tests/e2e/harness.ts";
import { startTestJanus } from "../../tests/helpers/janus.ts";
import { recordFirstFrames, recordGaps, recordLongTasks, seesMoving } from "../group/probes.ts";
import { firstFrameShown, probe } from "./probe.ts";

export interface GroupTiming {
  /** The third's navigation → first remote frame. */
  frame: number;
  /** The third's Join → first remote frame, and → a frame on every tile (both people). */
  joinToFrame: number;
  joinToAll: number;
  /** The third's Join → the later of the two others closing their direct connection. */
  switchMs: number;
  /** The longest gap between frames on the tile each of the two had before (the two values). */
  gaps: number[];
  /** The longest time the picture on those tiles stood still (no frame presented at all), the two values. */
  frozen: number[];
  /** The WebRTC freezes on A's and B's received video meanwhile (all tiles, summed): count and seconds. */
  freezes: { count: number; seconds: number }[];
  /** The key frames A's and B's cameras encoded for the join (from its Join until 3 s after the joiner's last tile moved), per layer: the mean over the layers, the two values. */
  keyFrames: number[];
  /** With `detail`: where A's and B's longest gaps were and what their pages did then (gapStory). */
  story: string[];
  /** The third's steps (its app's marks, machines/timeline.ts), ms from its Join. */
  steps: Record<string, number>;
  /** The first of the two's media-server steps, ms from the third's Join (wall time). */
  switchSteps: Record<string, number>;
}

/** The page's timeline marks (ol:…), each at its first, as wall time. */
const wallMarks = (page: Page) =>
  page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("ol:")) out[m.name.slice(3)] ??= performance.timeOrigin + m.startTime;
    return out;
  });

/** Init script: the wall time at which this page closed a direct (sendrecv) connection, first. */
function recordDirectClose() {
  const w = window as unknown as { __directClosed: number | null; RTCPeerConnection: typeof RTCPeerConnection };
  w.__directClosed = null;
  const Native = w.RTCPeerConnection;
  w.RTCPeerConnection = class extends Native {
    override close() {
      // close() fires no event of its own: note it here, before the transceivers go.
      if (this.getTransceivers().some((t) => t.currentDirection === "sendrecv")) w.__directClosed ??= performance.timeOrigin + performance.now();
      super.close();
    }
  };
}

/** Init script: each remote description this page applied (wall clock: called, and done). */
function recordRemoteDescriptions() {
  const w = window as unknown as { __remoteDescriptions: { type: string; at: number; done: number }[] };
  w.__remoteDescriptions = [];
  const set = RTCPeerConnection.prototype.setRemoteDescription as (this: RTCPeerConnection, d: RTCSessionDescriptionInit) => Promise<void>;
  RTCPeerConnection.prototype.setRemoteDescription = async function (this: RTCPeerConnection, d?: RTCSessionDescriptionInit) {
    const at = performance.timeOrigin + performance.now();
    try {
      return await set.call(this, d as RTCSessionDescriptionInit);
    } finally {
      w.__remoteDescriptions.push({ type: d?.type ?? "?", at, done: performance.timeOrigin + performance.now() });
    }
  } as typeof RTCPeerConnection.prototype.setRemoteDescription;
}

/** Media counters of a page's open connections (recordPeerConnections): video received, summed, and video sent, per layer. */
const mediaCounters = (page: Page) =>
  page.evaluate(async () => {
    const inbound: Record<string, number> = {};
    const outbound: Record<string, string> = {};
    const keys: Record<string, number> = {};
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== "closed");
    for (const pc of pcs)
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === "inbound-rtp" && r.kind === "video")
          for (const k of [
            "framesDecoded",
            "keyFramesDecoded",
            "freezeCount",
            "totalFreezesDuration",
            "pliCount",
            "firCount",
            "nackCount",
            "packetsLost",
            "framesDropped",
          ])
            inbound[k] = (inbound[k] ?? 0) + Number(r[k] ?? 0);
        if (r.type === "outbound-rtp" && r.kind === "video") keys[String(r.rid ?? r.mid)] = Number(r.keyFramesEncoded ?? 0);
        if (r.type === "outbound-rtp" && r.kind === "video")
          outbound[String(r.rid ?? r.mid)] =
            `${r.frameHeight ?? "-"}p key ${r.keyFramesEncoded ?? 0} pli ${r.pliCount ?? 0} nack ${r.nackCount ?? 0} frames ${r.framesEncoded ?? 0} limit ${r.qualityLimitationReason ?? "-"}`;
      });
    return { inbound, outbound, keys };
  });

/** Key frames encoded between two mediaCounters readings, per sending layer (the mean over them). */
function keyFramesPerLayer(before: Awaited<ReturnType<typeof mediaCounters>>, after: typeof before): number {
  const layers = Object.keys(after.keys);
  if (!layers.length) return Number.NaN;
  return layers.reduce((sum, rid) => sum + after.keys[rid]! - (before.keys[rid] ?? 0), 0) / layers.length;
}

/** What changed between two mediaCounters readings. */
function countersMoved(before: Awaited<ReturnType<typeof mediaCounters>>, after: typeof before): string {
  const inbound = Object.entries(after.inbound)
    .map(([k, v]) => `${k} +${(v - (before.inbound[k] ?? 0)).toFixed(k === "totalFreezesDuration" ? 2 : 0)}`)
    .join(", ");
  const outbound = Object.entries(after.outbound)
    .map(([rid, v]) => `${rid}: ${before.outbound[rid] ?? "?"} -> ${v}`)
    .join("; ");
  return `received video ${inbound}; sent video ${outbound}`;
}

/**
 * Init script: every 100 ms, the key frames this page's sending video layers encoded (wall clock,
 * layer, height) and the pacer's mean delay (ms) of the packets sent meanwhile, in `__keyFrames`.
 */
function recordKeyFrames() {
  const w = window as unknown as { __pcs?: RTCPeerConnection[]; __keyFrames: { at: number; rid: string; height: number; pacerMs: number }[] };
  w.__keyFrames = [];
  const last = new Map<string, { keys: number; packets: number; delay: number }>();
  let polls = 0;
  const poll = setInterval(async () => {
    if (++polls > 1_200) return clearInterval(poll); // two minutes: longer than any run
    for (const pc of w.__pcs ?? []) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type !== "outbound-rtp" || r.kind !== "video") return;
        const id = String(r.id);
        const now = { keys: Number(r.keyFramesEncoded ?? 0), packets: Number(r.packetsSent ?? 0), delay: Number(r.totalPacketSendDelay ?? 0) };
        const before = last.get(id);
        last.set(id, now);
        if (before && now.keys > before.keys) {
          const packets = now.packets - before.packets;
          w.__keyFrames.push({
            at: performance.timeOrigin + performance.now(),
            rid: String(r.rid ?? "-"),
            height: Number(r.frameHeight ?? 0),
            pacerMs: packets > 0 ? ((now.delay - before.delay) / packets) * 1000 : 0,
          });
        }
      });
    }
  }, 100);
}

/** Init script: the page's long animation frames (over 50 ms) with the scripts in them (wall clock), in `__longFrames`. */
function recordLongFrames() {
  type Script = { invoker: string; fn: string; url: string; ms: number; layout: number };
  const frames: { at: number; ms: number; render: number; scripts: Script[] }[] = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as {
        startTime: number;
        duration: number;
        renderStart: number;
        scripts: { invoker: string; sourceFunctionName: string; sourceURL: string; duration: number; forcedStyleAndLayoutDuration: number }[];
      }[])
        frames.push({
          at: performance.timeOrigin + e.startTime,
          ms: e.duration,
          // From the rendering's start (style, layout, paint) to the frame's end.
          render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
          scripts: e.scripts.map((x) => ({
            invoker: x.invoker,
            fn: x.sourceFunctionName,
            url: x.sourceURL.split("/").pop() ?? "",
            ms: x.duration,
            layout: x.forcedStyleAndLayoutDuration,
          })),
        });
    }).observe({ type: "long-animation-frame", buffered: true });
  } catch {
    // no long-animation-frame timing in this browser
  }
  Object.assign(window, { __longFrames: () => frames });
}

/** What filled the joiner's main thread from its Join to `joined`, and from `joined` to its first frame: its long animation frames and their scripts. */
async function joinerStory(page: Page, joinWall: number, steps: Record<string, number>): Promise<string[]> {
  type Frame = { at: number; ms: number; render: number; scripts: { invoker: string; fn: string; url: string; ms: number; layout: number }[] };
  const frames = await page.evaluate(() => (window as unknown as { __longFrames: () => Frame[] }).__longFrames());
  const out: string[] = [];
  const stretches: [string, number, number][] = [
    ["Join -> joined", 0, steps.joined ?? 0],
    ["joined -> first frame", steps.joined ?? 0, steps["first-frame"] ?? 0],
  ];
  for (const [name, from, to] of stretches) {
    const inside = frames.filter((f) => f.at - joinWall < to && f.at - joinWall + f.ms > from);
    const busy = inside.reduce((sum, f) => sum + f.ms, 0);
    out.push(`    joiner, ${name} (${from.toFixed(0)}..${to.toFixed(0)} ms): ${inside.length} long frames, ${busy.toFixed(0)} ms`);
    for (const f of inside) {
      const scripts = [...f.scripts]
        .sort((x, y) => y.ms - x.ms)
        .slice(0, 4)
        .map((x) => `${x.invoker}${x.fn ? ` ${x.fn}` : ""} ${x.ms.toFixed(0)}${x.layout ? ` (layout ${x.layout.toFixed(0)})` : ""}`);
      out.push(`      at ${(f.at - joinWall).toFixed(0)} +${f.ms.toFixed(0)} (rendering ${f.render.toFixed(0)}): ${scripts.join("; ")}`);
    }
  }
  return out;
}

/** Where each longest gap of A's and B's was, what the page's main thread and its connections did then (ms from the joiner's Join). */
async function gapStory(pages: Page[], joinWall: number): Promise<string[]> {
  const out: string[] = [];
  for (const [i, p] of pages.entries()) {
    const { detail, tasks, descriptions } = await p.evaluate(() => {
      const w = window as unknown as {
        __gaps: { detail: () => Record<string, { from: number; to: number; frames: number }> };
        __longTasks: () => { at: number; ms: number }[];
        __remoteDescriptions: { type: string; at: number; done: number }[];
      };
      return { detail: w.__gaps.detail(), tasks: w.__longTasks(), descriptions: w.__remoteDescriptions };
    });
    const rel = (t: number) => (t - joinWall).toFixed(0);
    for (const [label, g] of Object.entries(detail)) {
      const inside = tasks.filter((t) => t.at < g.to && t.at + t.ms > g.from);
      const busy = inside.reduce((sum, t) => sum + Math.min(g.to, t.at + t.ms) - Math.max(g.from, t.at), 0);
      out.push(
        `    ${"AB"[i]}'s ${label}: longest gap ${(g.to - g.from).toFixed(0)} ms at ${rel(g.from)}..${rel(g.to)}, frames presented inside ${g.frames}; ` +
          `long tasks inside ${busy.toFixed(0)} ms [${inside.map((t) => `${rel(t.at)}+${t.ms.toFixed(0)}`).join(" ")}]`,
      );
    }
    const late = descriptions.filter((d) => d.done > joinWall - 2_000);
    out.push(`    ${"AB"[i]}'s remote descriptions: ${late.map((d) => `${d.type} ${rel(d.at)}..${rel(d.done)}`).join(", ")}`);
  }
  return out;
}

async function person(browser: Browser, origin: string, name: string) {
  const p = await newPerson(browser, origin);
  await p.context.addInitScript((n) => localStorage.setItem("onelink.name", n), name);
  return p;
}

const NAMES = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"];

/**
 * One join into a call of `size` people on `origin` (an app with a media server); the joiner clicks
 * Join `dwell` ms after it shows. With `size` 2 the joiner makes a call of two a group (the third);
 * with more it joins a room that is a group already (the 4th..: the others join first, each once
 * the ones before it see everyone moving), and the switch lines do not apply (NaN).
 */
async function oneRun(browser: Browser, origin: string, dwell: number, size: number, detail: boolean): Promise<GroupTiming> {
  const a = await person(browser, origin, NAMES[0]!);
  const b = await person(browser, origin, NAMES[1]!);
  const more = await Promise.all(NAMES.slice(2, size).map((n) => person(browser, origin, n)));
  const c = await person(browser, origin, NAMES[size] ?? "Zed");
  try {
    for (const p of [a, b]) {
      await p.context.addInitScript(recordPeerConnections);
      await p.context.addInitScript(recordDirectClose);
      await p.context.addInitScript(recordGaps);
      if (!detail) continue;
      await p.context.addInitScript(recordLongTasks);
      await p.context.addInitScript(recordRemoteDescriptions);
    }
    // Polling getStats every 100 ms costs each page's main thread: only when asked.
    if (detail)
      for (const p of [a, b, ...more]) {
        if (p !== a && p !== b) await p.context.addInitScript(recordPeerConnections);
        await p.context.addInitScript(recordKeyFrames);
      }
    if (dwell > 0) await c.context.addInitScript((ms) => Object.assign(window, { __benchDwell: ms }), dwell);
    if (detail) await c.context.addInitScript(recordLongFrames);
    await c.context.addInitScript(probe);
    await c.context.addInitScript(recordFirstFrames);
    const link = `${origin}/c/${crypto.randomUUID()}#${newSecret()}`;
    await openCallLink(a.page, link);
    await waitForStatus(a.page, "Waiting for someone to join");
    await openCallLink(b.page, link);
    await Promise.all([seesMoving(a.page, 1, 20_000), seesMoving(b.page, 1, 20_000)]);
    // The others of a bigger room, one at a time, each once everyone already in sees everyone moving.
    const inside = [a, b];
    for (const p of more) {
      await openCallLink(p.page, link);
      inside.push(p);
      await Promise.all(inside.map((q) => seesMoving(q.page, inside.length - 1, 30_000)));
    }
    // Gaps from here on: the measured joiner's own effect on the tiles A and B already show.
    type Gaps = { __gaps: { reset: () => void; read: () => Record<string, number>; frozen: () => Record<string, number> } };
    for (const p of [a, b]) await p.page.evaluate(() => (window as unknown as Gaps).__gaps.reset());
    const countersBefore = await Promise.all([a, b].map((p) => mediaCounters(p.page)));

    // A returning visitor, as the warm line: the page, its code and its service worker already here.
    await c.page.goto(`${origin}/`);
    await c.page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 3_000))]));
    const shown = firstFrameShown(c.page, 30_000);
    await c.page.goto(link);
    await shown;
    const third = await waitFor(
      () =>
        c.page.evaluate(() => {
          const w = window as unknown as { __bench: { join: number | null; frame: number | null }; __firsts: { frames: Record<string, number> } };
          return { join: w.__bench.join, frame: w.__bench.frame, tiles: Object.values(w.__firsts.frames), origin: performance.timeOrigin };
        }),
      (t) => t.tiles.length >= size,
      30_000,
    );
    if (third.join === null || third.frame === null) throw new Error("the third never joined or saw no frame");
    const joinWall = third.origin + third.join;
    // Both on the media server only: their direct connection closed, the two others' tiles moving.
    // (In a bigger room they closed it before the joiner came: nothing to wait for.)
    const closed = await Promise.all(
      (size === 2 ? [a, b] : []).map((p) =>
        waitFor(
          () => p.page.evaluate(() => (window as unknown as { __directClosed: number | null }).__directClosed),
          (t) => t !== null,
          30_000,
        ),
      ),
    );
    await Promise.all([seesMoving(a.page, size, 30_000), seesMoving(b.page, size, 30_000)]);
    const [gaps, frozen] = (["read", "frozen"] as const).map((which) =>
      Promise.all(
        [a, b].map((p, i) =>
          p.page.evaluate(([label, how]) => (window as unknown as Gaps).__gaps[how]()[label] ?? Number.NaN, [
            `Remote video: ${i === 0 ? "Bo" : "Ann"}`,
            which,
          ] as const),
        ),
      ),
    );
    // The joiner's stage says its tiles' layers ~300 ms after it is drawn, and the key frames a layer
    // switch asks of the senders come after that: counted until then too.
    await Bun.sleep(3_000);
    const countersAfter = await Promise.all([a, b].map((p) => mediaCounters(p.page)));
    const fromJoin = (marks: Record<string, number>) => Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, v - joinWall]));
    const steps = fromJoin(await wallMarks(c.page));
    const switchSteps = fromJoin(await wallMarks(a.page));
    for (const k of Object.keys(switchSteps)) if (!k.startsWith("sfu")) delete switchSteps[k];
    if (closed.length) switchSteps["direct closed"] = closed[0]! - joinWall;
    const story = detail ? await gapStory([a.page, b.page], joinWall) : [];
    if (detail)
      for (const [name, p] of [
        ["Ann", a],
        ["Bo", b],
        ["Cy", more[0]],
      ] as const) {
        if (!p) continue;
        const keys = await p.page.evaluate(
          () => (window as unknown as { __keyFrames: { at: number; rid: string; height: number; pacerMs: number }[] }).__keyFrames,
        );
        const late = keys.filter((k) => k.at > joinWall - 1_000);
        story.push(
          `    ${name}'s key frames sent: ${late.map((k) => `${(k.at - joinWall).toFixed(0)} ${k.rid}${k.height}p pacer ${k.pacerMs.toFixed(0)}ms`).join(", ")}`,
        );
      }
    if (detail) story.push(...(await joinerStory(c.page, joinWall, steps)));
    if (detail) for (const i of [0, 1]) story.push(`    ${"AB"[i]}'s ${countersMoved(countersBefore[i]!, countersAfter[i]!)}`);
    return {
      story,
      steps,
      switchSteps,
      frame: third.frame,
      joinToFrame: third.frame - third.join,
      joinToAll: Math.max(...third.tiles) - third.join,
      switchMs: closed.length ? Math.max(...(closed as number[])) - joinWall : Number.NaN,
      gaps: await gaps,
      frozen: await frozen,
      keyFrames: countersAfter.map((after, i) => keyFramesPerLayer(countersBefore[i]!, after)),
      freezes: countersAfter.map((after, i) => ({
        count: (after.inbound.freezeCount ?? 0) - (countersBefore[i]!.inbound.freezeCount ?? 0),
        seconds: (after.inbound.totalFreezesDuration ?? 0) - (countersBefore[i]!.inbound.totalFreezesDuration ?? 0),
      })),
    };
  } finally {
    for (const p of [a, b, ...more, c]) await p.context.close();
  }
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (!s.length) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * `runs` third joins with a Janus and an app of their own (started here, stopped after); the lines
 * to print. `oneToOneJoinToFrame`: the 1:1 app's median Join → first frame, to read them against.
 */
export async function groupLines(browser: Browser, runs: number, oneToOneJoinToFrame?: number, dwell = 0, size = 2, detail = false): Promise<string[]> {
  if (!process.env.ONELINK_NETNS_IFACE) return ["", "== group: skipped (Janus needs the namespace: bash scripts/netns.sh ... bench/join/run.ts)"];
  const janus = await startTestJanus();
  const app = await startApp({ SFU_URLS: janus.url, SFU_SECRET: janus.secret });
  const timings: GroupTiming[] = [];
  const failures: string[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t = await oneRun(browser, app.url, dwell, size, detail).catch((err: Error) => {
        failures.push(err.message.split("\n")[0] ?? String(err));
        return null;
      });
      if (!t) continue;
      timings.push(t);
      process.stderr.write(
        `group ${i + 1}/${runs}: third nav->frame ${t.frame.toFixed(0)} ms, Join->frame ${t.joinToFrame.toFixed(0)}, Join->both ${t.joinToAll.toFixed(0)}; switch ${t.switchMs.toFixed(0)} ms, gaps ${t.gaps.map((g) => g.toFixed(0)).join("/")} ms, ` +
          `still ${t.frozen.map((g) => g.toFixed(0)).join("/")} ms, WebRTC freezes ${t.freezes.map((f) => `${f.count} (${f.seconds.toFixed(2)} s)`).join("/")}, ` +
          `key frames per layer A/B ${t.keyFrames.map((k) => k.toFixed(1)).join("/")}\n`,
      );
      for (const line of t.story) process.stderr.write(`${line}\n`);
    }
  } finally {
    await app.stop();
    await janus.stop();
  }
  const f0 = (x: number) => x.toFixed(0);
  const jf = median(timings.map((t) => t.joinToFrame));
  const how = dwell > 0 ? `, Join clicked ${dwell} ms after it shows` : "";
  const who = size === 2 ? "a third person joins a call of two" : `person ${size + 1} joins a group of ${size}`;
  const out = ["", `== group: ${who} (media server: Janus in the namespace${how}), ${timings.length} runs`];
  for (const f of failures) out.push(`  failed: ${f}`);
  if (!timings.length) return out;
  out.push(`  third: navigation -> first remote frame median ${f0(median(timings.map((t) => t.frame)))} ms  [${timings.map((t) => f0(t.frame)).join(", ")}]`);
  out.push(
    `  third: Join -> first frame median ${f0(jf)} ms, Join -> frames on all ${size} tiles ${f0(median(timings.map((t) => t.joinToAll)))} ms` +
      (oneToOneJoinToFrame ? `  (${(jf / oneToOneJoinToFrame).toFixed(2)}x the 1:1 Join -> frame)` : ""),
  );
  const gaps = timings.flatMap((t) => t.gaps);
  out.push(
    `  switch to the media server (the third's Join -> both closed their direct connection): median ${f0(median(timings.map((t) => t.switchMs)))} ms; ` +
      `longest gap on a tile already shown: median ${f0(median(gaps))} ms, worst ${f0(Math.max(...gaps.filter(Number.isFinite)))} ms (target <= 300)`,
  );
  const frozen = timings.flatMap((t) => t.frozen);
  const freezes = timings.flatMap((t) => t.freezes);
  out.push(
    `  of which the picture itself stood still (no frame presented): median ${f0(median(frozen))} ms, worst ${f0(Math.max(...frozen.filter(Number.isFinite)))} ms; ` +
      `WebRTC freezes on A's and B's received video (all tiles), per page: median ${median(freezes.map((f) => f.count))}, ` +
      `${median(freezes.map((f) => f.seconds)).toFixed(2)} s`,
  );
  const keys = timings.flatMap((t) => t.keyFrames);
  out.push(`  key frames A's and B's cameras encoded for the join, per layer: median ${median(keys).toFixed(1)} [${keys.map((k) => k.toFixed(1)).join(", ")}]`);
  out.push("  the third's steps (median ms from its Join):");
  out.push(...breakdown(timings.map((t) => t.steps)));
  out.push("  the first person's steps in the switch (median ms from the third's Join):");
  out.push(...breakdown(timings.map((t) => t.switchSteps)));
  return out;
}

/** Median of each step over the runs, in the order they happen. */
function breakdown(runs: Record<string, number>[]): string[] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  const rows = names.map((n) => ({ n, at: median(runs.map((r) => r[n]).filter((x): x is number => x !== undefined)) })).sort((x, y) => x.at - y.at);
  return rows.map((r, i) => `    ${r.n.padEnd(18)} ${r.at.toFixed(0).padStart(6)} ms   (+${(r.at - (rows[i - 1]?.at ?? r.at)).toFixed(0)})`);
}
