/**
 * A returning visitor's app code compiled from V8's code cache (issue 21, bench/join README join26).
 *
 * Chromium keeps a script's code cache beside the service worker's copy of it, written the first
 * time that copy runs and read every time after. A returning visitor's first start from the
 * worker's copy (the call link they open) would compile the whole first chunk and write that cache
 * on the way to Join; the visit after would read it. So once the worker controls a page, and the
 * page has nothing else to do (the start page, a call ended), the app's code runs once from the
 * worker's copy in a hidden frame of this page, which only loads it (ui/main.tsx does not boot in a
 * frame): the cache is written there, and the next start reads it. Once per build (the entry's URL
 * is kept).
 */
import { anyText, readStored, writeStored } from "../machines/storage.ts";

const WARMED_KEY = "onelink.codeWarmed";
/** The frame is removed this long after it loaded: the cache is written after the code has run. */
const FRAME_KEPT_MS = 3_000;
/** While the page is busy (in a call) it looks again this often. */
const BUSY_RETRY_MS = 5_000;

/** The app's code is running in a frame: the warming frame below (the app itself is never framed: frame-ancestors 'none'). */
export const inFrame = (): boolean => window.top !== window;

/**
 * Runs `entry` (the first chunk's URL) and the chunks it names once in a hidden frame when
 * `quiet()` says the page is idle, if this build's were not run that way before. Called once the
 * service worker is ready.
 */
export function warmCode(entry: string, quiet: () => boolean): void {
  if (readStored("local", WARMED_KEY, anyText) === entry) return;
  const sw = navigator.serviceWorker;
  let done = false;
  const attempt = () => {
    if (done || !sw.controller) return;
    if (!quiet()) return void setTimeout(attempt, BUSY_RETRY_MS);
    done = true;
    const frame = document.createElement("iframe");
    frame.hidden = true;
    frame.tabIndex = -1;
    frame.setAttribute("aria-hidden", "true");
    frame.srcdoc = `<!doctype html><script type="module" src="${new URL(entry).pathname}"></script>`;
    frame.addEventListener("load", () => {
      writeStored("local", WARMED_KEY, entry);
      setTimeout(() => frame.remove(), FRAME_KEPT_MS);
    });
    document.body.append(frame);
  };
  const idle = () => ("requestIdleCallback" in window ? requestIdleCallback(attempt, { timeout: 5_000 }) : setTimeout(attempt, 1_000));
  if (sw.controller) idle();
  else sw.addEventListener("controllerchange", idle, { once: true });
}
