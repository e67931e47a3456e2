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
 * `__gaps.detail()` says where each longest gap was (wall clock: timeOrigin + now) and how many
 * frames the element presented inside it (`presentedFrames`, counted by the compositor): more
 * than one means the picture moved and only this page's main thread, which runs the callbacks,
 * was held up. `__gaps.frozen()` is the longest time the picture itself stood still: between two
 * callbacks of one element with no other frame presented between them. `__gaps.stop()` ends the watching (a DOM scan every 10 ms and a callback per
 * frame), which would otherwise go on costing the page's main thread during later measurements.
 */
export function recordGaps() {
  const last = new Map<string, number>();
  const longest = new Map<string, number>();
  const still = new Map<string, number>();
  type Detail = { from: number; to: number; frames: number };
  const where = new Map<string, Detail>();
  const count = new WeakMap<HTMLVideoElement, number>();
  const lastOwn = new WeakMap<HTMLVideoElement, number>();
  let stopped = false;
  const w = window as unknown as {
    __gaps: {
      reset: () => void;
      read: () => Record<string, number>;
      frozen: () => Record<string, number>;
      detail: () => Record<string, Detail>;
      stop: () => void;
    };
  };
  w.__gaps = {
    reset: () => {
      longest.clear();
      still.clear();
      where.clear();
    },
    read: () => Object.fromEntries(longest),
    frozen: () => Object.fromEntries(still),
    detail: () => Object.fromEntries(where),
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
      const tick = (now: number, meta: { presentedFrames: number }) => {
        if (stopped) return;
        const label = v.getAttribute("aria-label") ?? "";
        const prev = last.get(label);
        const before = count.get(v);
        count.set(v, meta.presentedFrames);
        const own = lastOwn.get(v);
        lastOwn.set(v, now);
        if (own !== undefined && before !== undefined && meta.presentedFrames - before === 1) still.set(label, Math.max(still.get(label) ?? 0, now - own));
        if (prev !== undefined && now > prev && now - prev > (longest.get(label) ?? 0)) {
          longest.set(label, now - prev);
          // Frames this element presented since its last callback (-1: the element is new).
          const frames = before === undefined ? -1 : meta.presentedFrames - before;
          where.set(label, { from: performance.timeOrigin + prev, to: performance.timeOrigin + now, frames });
        }
        last.set(label, Math.max(prev ?? 0, now));
        v.requestVideoFrameCallback(tick);
      };
      v.requestVideoFrameCallback(tick);
    }
  }, 10);
}

/** Init script: the page's main-thread tasks over 50 ms (`__longTasks()`, wall clock start and duration). */
export function recordLongTasks() {
  const tasks: { at: number; ms: number }[] = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ at: performance.timeOrigin + e.startTime, ms: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch {
    // no long-task timing in this browser
  }
  Object.assign(window, { __longTasks: () => tasks });
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
