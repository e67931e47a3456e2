/**
 * Where a reload mid-call spends its time before the new page is parsed (issue 21: a reload at
 * most 1.0× a fresh join). A waits in a room, B joins, both see moving pictures, B reloads; B's
 * navigation timing then says when the old page's unload ran and when the new page was parsed
 * (`domInteractive`), and the gap between them is the old page's teardown (its players, peer
 * connections and camera), on the same main thread, before the new page can start.
 * With `--cleanup`, B's old page tears its call down itself on `pagehide` first (`v`: players
 * emptied; `p`: its camera stopped and peer connections closed; `vp`: both), which shows whether
 * doing it in that order makes the browser's part shorter. Prints, per run, the page's own cleanup
 * and the gap, and their medians.
 *   node_modules/.bin/bun bench/join/reload-teardown.ts [--runs 4] [--cleanup vp]
 */
import { parseArgs } from "node:util";
import { newSecret } from "../../protocol/e2ee.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForNewFrames, waitForStatus } from "../../tests/e2e/harness.ts";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "4" }, cleanup: { type: "string", default: "" } } });
const RUNS = Math.max(1, Number(args.runs));
const CLEANUP = args.cleanup ?? "";

/** B's old page, on `pagehide`: the teardown asked for, and how long it took (kept in sessionStorage for the new page). */
function cleanupOnHide(mode: string) {
  const made: RTCPeerConnection[] = [];
  window.RTCPeerConnection = class extends window.RTCPeerConnection {
    constructor(...a: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...a);
      made.push(this);
    }
  };
  addEventListener("pagehide", () => {
    const t0 = performance.now();
    if (mode.includes("v"))
      for (const v of document.querySelectorAll("video")) {
        v.pause();
        v.srcObject = null;
      }
    if (mode.includes("p"))
      for (const pc of made) {
        for (const s of pc.getSenders()) s.track?.stop();
        pc.close();
      }
    sessionStorage.setItem("bench.hide", String(performance.now() - t0));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const app = await startApp();
const browser = await launchBrowser();
const rows: { hide: number; gap: number; parsed: number }[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, app.url);
    try {
      if (CLEANUP) await b.context.addInitScript(cleanupOnHide, CLEANUP);
      const url = `${app.url}/c/${crypto.randomUUID()}#${newSecret()}`;
      await openCallLink(a.page, url);
      await waitForStatus(a.page, "Waiting for someone to join");
      await openCallLink(b.page, url);
      await waitForNewFrames(b.page, "Remote video", 5);
      await waitForNewFrames(a.page, "Remote video", 5);
      await b.page.reload();
      await waitForNewFrames(b.page, "Remote video", 3, 20_000);
      const row = await b.page.evaluate(() => {
        const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        return { hide: Number(sessionStorage.getItem("bench.hide") ?? 0), gap: n.domInteractive - n.unloadEventEnd, parsed: n.domInteractive };
      });
      rows.push(row);
      console.log(
        `run ${i + 1}: page's own cleanup ${row.hide.toFixed(0)} ms, unload -> parsed ${row.gap.toFixed(0)} ms, parsed at ${row.parsed.toFixed(0)} ms`,
      );
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }
  const both = rows.map((r) => r.hide + r.gap);
  console.log(
    `cleanup [${CLEANUP || "none"}]: medians: own cleanup ${median(rows.map((r) => r.hide)).toFixed(0)} ms, unload -> parsed ${median(rows.map((r) => r.gap)).toFixed(0)} ms, both ${median(both).toFixed(0)} ms, parsed at ${median(rows.map((r) => r.parsed)).toFixed(0)} ms`,
  );
} finally {
  await browser.close();
  await app.stop();
}
