/**
 * What a page shows, read in the page, shared by bench/group and bench/join's group lines:
 * remote videos presenting frames, the longest gap between frames per tile, first frames.
 * The init scripts (recordGaps, recordFirstFrames) run in the page and use nothing from outside.
 */
import type { Page } from "playwright-core";
import { remoteFrameCounts, waitFor } from "../../tests/e2e/harness.ts";

/** Frames each remote video presents over 1.5 s. */
export const frameCounts = (page: Page) => remoteFrameCounts(page);

/**
 * Until `page` has `n` remote videos and each one on screen presents frames: tiles off the
 * stage's page receive no video by design, so they are not waited for.
 */
export const seesMoving = (page: Page, n: number, timeout = 60_000) =>
  waitFor(
    async () => {
      const [counts, shown] = await Promise.all([frameCounts(page), shownVideos(page)]);
      return { counts, shown };
    },
    ({ counts, shown }) => counts.length === n && shown.length === n && counts.every((x, i) => !shown[i] || x >= 3) && shown.some(Boolean),
    timeout,
  );

/** For each remote video, in page order: whether it is on screen (not on another page of the stage). */
const shownVideos = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')].map((v) => v.checkVisibility()));

/**
 * Per participant (a tile's label), the longest time between two presented frames since
 * `__gaps.reset()`, whichever video element or stream (direct or through Janus) showed them.
 * `__gaps.stop()` ends the watching (a DOM scan every 10 ms and a callback per frame), which
 * would otherwise go on costing the page's main thread during later measurements.
 */
export function recordGaps() {
  const last = new Map<string, number>();
  const longest = new Map<string, number>();
  let stopped = false;
  const w = window as unknown as { __gaps: { reset: () => void; read: () => Record<string, number>; stop: () => void } };
  w.__gaps = {
    reset: () => longest.clear(),
    read: () => Object.fromEntries(longest),
    stop: () => {
      stopped = true;
      clearInterval(scan);
    },
  };
  const watched = new WeakSet<HTMLVideoElement>();
  const scan = setInterval(() => {
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')) {
      if (watched.has(v)) continue;
      watched.add(v);
      const tick = (now: number) => {
        if (stopped) return;
        const label = v.getAttribute("aria-label") ?? "";
        const prev = last.get(label);
        if (prev !== undefined && now > prev) longest.set(label, Math.max(longest.get(label) ?? 0, now - prev));
        last.set(label, Math.max(prev ?? 0, now));
        v.requestVideoFrameCallback(tick);
      };
      v.requestVideoFrameCallback(tick);
    }
  }, 10);
}

/**
 * When Join was clicked, and when each remote video (by label) first presented a frame;
 * `__firsts.stop()` ends the watching (a DOM scan every 5 ms).
 */
export function recordFirstFrames() {
  const w = window as unknown as { __firsts: { join: number; frames: Record<string, number>; stop: () => void } };
  w.__firsts = { join: 0, frames: {}, stop: () => clearInterval(scan) };
  document.addEventListener(
    "click",
    (e) => {
      if (e.target instanceof Element && e.target.closest("button")?.textContent?.trim() === "Join") w.__firsts.join = performance.now();
    },
    true,
  );
  const watched = new WeakSet<HTMLVideoElement>();
  const scan = setInterval(() => {
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')) {
      if (watched.has(v)) continue;
      watched.add(v);
      v.requestVideoFrameCallback(() => {
        const label = v.getAttribute("aria-label") ?? "";
        w.__firsts.frames[label] ??= performance.now();
      });
    }
  }, 5);
}
