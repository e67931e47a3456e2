/**
 * When B acts, counted from A's own start (issue 21's bench: run.ts, compare.ts, trace.ts).
 *
 * Both pages share this machine's two cores, which two people's browsers never do. A page that has
 * just opened is busy for a while: the app's A, for instance, compiles and warms its noise
 * suppression for the first ~2.3 s in the room (machines/media/denoise.ts DENOISE_WARM_MS). If B
 * opens the link in that stretch, it competes with A's start for the cores, and B is measured slower
 * for work done on A's machine. In the warm variants B's earlier visit already took 3+ s; a cold B
 * opened the link ~0.3 s after A was in the room (bench/join README, join37).
 */

import type { Page } from "playwright-core";

/** B opens the link no sooner than this long after A is waiting in the room (ms). */
export const A_SETTLE_MS = 3_000;

/**
 * How far into the call B reloads (ms after both see the other's moving picture). At once, as
 * before: 3 s in (past the work each page puts off until the first picture) made no difference
 * beyond the noise (join37).
 */
export const RELOAD_INTO_CALL_MS = 0;

/**
 * B's service workers stopped (DevTools' ServiceWorker.stopAllWorkers), as some time after a visit (a worker
 * stops ~30 s after its last page): B's next page then starts in a new process and its worker starts too.
 */
export async function stopServiceWorkers(page: Page): Promise<void> {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send("ServiceWorker.enable");
  await devtools.send("ServiceWorker.stopAllWorkers");
  await devtools.detach();
  await Bun.sleep(500);
}

/** Waits until `performance.now()` is at least `at`. */
export const waitUntil = (at: number) => Bun.sleep(Math.max(0, at - performance.now()));
