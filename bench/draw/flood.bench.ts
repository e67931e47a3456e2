/**
 * A drawing flood against the receiver's main thread: two app pages in Chromium in a call; page
 * A's script sends the largest valid drawing frames (a new stroke and 63 adds of 256 points, about
 * 100 kB) on the real "draw" data channel as fast as the channel takes them, for 10 s; page B
 * records its long tasks (PerformanceObserver "longtask") and counts the frames that reached its
 * channel and those that changed its drawing. Target: no task over 100 ms. The same call's long
 * tasks over the same time without a flood are measured first, in the same run, as the floor.
 *   node_modules/.bin/bun bench/draw/flood.bench.ts [seconds=10] [runs=1]
 */
import { drawDocs, flood, recordDataChannels, recordLongTasks } from "../../tests/e2e/draw-flood.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitFor, waitForNewFrames, waitForStatus } from "../../tests/e2e/harness.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const seconds = Number(args[0] ?? 10);
const runs = Number(args[1] ?? 1);

/** Init script for B: counts messages on its "draw" channel (after recordDataChannels). */
function countDrawMessages() {
  const w = window as unknown as { __channels: RTCDataChannel[]; __drawReceived: number; __drawBytes: number };
  w.__drawReceived = 0;
  w.__drawBytes = 0;
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...a: Parameters<typeof create>) {
    const channel = create.apply(this, a);
    if (channel.label === "draw") {
      channel.addEventListener("message", (e: MessageEvent) => {
        w.__drawReceived++;
        w.__drawBytes += (e.data as ArrayBuffer).byteLength;
      });
    }
    return channel;
  };
}

const app = await startApp();
const browser = await launchBrowser();
try {
  for (let run = 0; run < runs; run++) {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, app.url);
    try {
      await a.context.addInitScript(recordDataChannels);
      await b.context.addInitScript(recordLongTasks);
      await b.context.addInitScript(countDrawMessages);
      const room = crypto.randomUUID();
      await openCallLink(a.page, `${app.url}/c/${room}`);
      await waitForStatus(a.page, "Waiting for someone to join", 20_000);
      await openCallLink(b.page, `${app.url}/c/${room}`);
      await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
      await waitForNewFrames(b.page, "Remote video", 5, 20_000);
      await waitFor(
        () =>
          a.page.evaluate(() => (window as unknown as { __channels: RTCDataChannel[] }).__channels.some((c) => c.label === "draw" && c.readyState === "open")),
        (open) => open,
        20_000,
      );
      // B counts the snapshots of its drawing actor in which A's drawing changed: frames applied.
      await b.page.evaluate(() => {
        type Actor = {
          getSnapshot(): { context: { docs: Record<string, unknown> } };
          subscribe(f: (s: { context: { docs: Record<string, unknown> } }) => void): unknown;
        };
        const w = window as unknown as { __onelink: { getSnapshot(): { children: Record<string, Actor> } }; __drawApplied: number };
        const drawing = w.__onelink.getSnapshot().children.drawing!;
        w.__drawApplied = 0;
        let last = drawing.getSnapshot().context.docs;
        drawing.subscribe((s) => {
          const docs = s.context.docs;
          if (docs !== last && Object.keys(docs).some((k) => k !== "self" && docs[k] !== last[k])) w.__drawApplied++;
          last = docs;
        });
        (window as unknown as { __longTasks: unknown[] }).__longTasks.length = 0;
      });

      // The floor, in the same call: B's long tasks over the same time with no flood (video only).
      await Bun.sleep(seconds * 1000);
      const idle = await b.page.evaluate(() => {
        const tasks = (window as unknown as { __longTasks: { duration: number }[] }).__longTasks;
        const d = tasks.map((t) => t.duration);
        tasks.length = 0;
        return { longest: Math.max(0, ...d), over100: d.filter((x) => x > 100).length };
      });
      const sent = await flood(a.page, seconds * 1000);
      // Let what is still on the way arrive and be handled.
      await waitForNewFrames(b.page, "Remote video", 5, 60_000);
      const seen = await b.page.evaluate(() => {
        const w = window as unknown as { __longTasks: { duration: number }[]; __drawReceived: number; __drawBytes: number; __drawApplied: number };
        const d = w.__longTasks.map((t) => t.duration);
        return {
          longest: Math.max(0, ...d),
          over50: d.filter((x) => x > 50).length,
          over100: d.filter((x) => x > 100).length,
          received: w.__drawReceived,
          bytes: w.__drawBytes,
          applied: w.__drawApplied,
        };
      });
      const docs = await drawDocs(b.page, 60_000);
      const flooded = Object.entries(docs).find(([k]) => k !== "self")?.[1];
      console.log(
        [
          `run ${run + 1}: A sent ${sent.frames} frames (${(sent.bytes / 1e6).toFixed(1)} MB) in ${(sent.ms / 1000).toFixed(1)} s${sent.closed ? ", until B closed the channel" : ""}`,
          `B received ${seen.received} frames (${(seen.bytes / 1e6).toFixed(1)} MB), applied ${seen.applied}`,
          `B's longest task ${seen.longest.toFixed(0)} ms, ${seen.over50} over 50 ms, ${seen.over100} over 100 ms (the same call without a flood: longest ${idle.longest.toFixed(0)} ms, ${idle.over100} over 100 ms)`,
          `B's drawing of A's camera: ${flooded?.strokes ?? 0} strokes, ${flooded?.points ?? 0} points`,
        ].join("\n  "),
      );
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }
} finally {
  await browser.close();
  await app.stop();
}
