import type { Page } from "playwright-core";

/**
 * Resolves when the probe in `page` has seen the first remote frame. Set it up before navigating.
 * It listens for the probe's console message rather than polling the page: evaluating anything
 * in B's page while it joins (Playwright's injected script alone took ~40-140 ms of its main
 * thread) would be counted against whichever page is being measured.
 */
export function firstFrameShown(page: Page, timeout = 20_000): Promise<void> {
  return page.waitForEvent("console", { predicate: (m) => m.text() === "bench: first remote frame", timeout }).then(() => undefined);
}

/**
 * An init script for B's page (runs in the page, may use nothing from outside itself): clicks Join
 * the moment it is in the page, notes when the first WebSocket opened, and when the first remote
 * video frame was presented, all on the page's own clock. With `window.__benchDwell` set (ms, by an
 * init script before this one), Join is clicked that long after it is enabled instead, as a person
 * who looks at the pre-join screen first. With `window.__benchCameraMs` set, every camera opens that
 * much later than the fake device does.
 */
export function probe() {
  const FRAME_SHOWN = "bench: first remote frame"; // firstFrameShown's

  const w = window as unknown as {
    __bench: {
      wsOpen: number | null;
      join: number | null;
      frame: number | null;
      size?: string;
      steps: Record<string, number>;
      /** Long animation frames (> 50 ms): start, duration, and the longest script in each (its invoker). */
      loaf: [number, number, string][];
      /** When React committed (the app only). */
      commits: number[];
    };
    __benchDwell?: number;
    WebSocket: typeof WebSocket;
  };
  const dwell = w.__benchDwell ?? 0;
  let pressing = false;
  const b: typeof w.__bench = { wsOpen: null, join: null, frame: null, steps: {}, loaf: [], commits: [] };
  w.__bench = b;
  type Script = { duration: number; invoker: string; sourceFunctionName: string };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { scripts: Script[] })[]) {
        const top = [...e.scripts].sort((x, y) => y.duration - x.duration)[0];
        b.loaf.push([
          e.startTime,
          e.duration,
          top ? `${top.invoker}${top.sourceFunctionName ? ` ${top.sourceFunctionName}` : ""} ${top.duration.toFixed(0)}` : "",
        ]);
      }
    }).observe({ type: "long-animation-frame", buffered: true });
  } catch {
    // no long-animation-frame timing in this browser
  }
  const note = (step: string) => {
    if (b.steps[step] !== undefined) return;
    b.steps[step] = performance.now();
    performance.mark(`bench:${step}`); // for a trace (trace.ts)
  };
  // React's commits (production React calls the DevTools hook too): when, and when the call's view
  // (`div.call`, not the pre-join screen's `div.call.lobby`) was first in the page, drawn hidden behind "Joining…" (`view drawn`), then shown.
  const wr = window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__?: unknown };
  if (!wr.__REACT_DEVTOOLS_GLOBAL_HOOK__)
    wr.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      isDisabled: false,
      supportsFiber: true,
      renderers: new Map(),
      inject: () => 1,
      onCommitFiberRoot: () => {
        b.commits.push(performance.now());
        const view = document.querySelector<HTMLElement>("div.call:not(.lobby)");
        if (view) note("view drawn");
        if (view && view.style.display !== "none") note("view shown");
      },
      onCommitFiberUnmount: () => {},
      onPostCommitFiberRoot: () => {},
      checkDCE: () => {},
    };
  const Native = w.WebSocket;
  w.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      note("socket created");
      this.addEventListener("open", () => {
        if (b.wsOpen !== null) return;
        b.wsOpen = performance.now();
        performance.mark("bench:socket open");
      });
    }
  };
  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  // A camera slower to start than the fake one (`window.__benchCameraMs`, compare.ts --camera-ms): a real webcam takes 0.3-1 s.
  const cameraMs = (window as unknown as { __benchCameraMs?: number }).__benchCameraMs ?? 0;
  const started = (stream: MediaStream) => (cameraMs > 0 ? new Promise<MediaStream>((r) => setTimeout(() => r(stream), cameraMs)) : stream);
  media.getUserMedia = (constraints) => {
    note("camera asked");
    return getUserMedia(constraints)
      .then(started)
      .then((stream) => {
        note("camera open");
        return stream;
      });
  };
  const watched = new WeakSet<HTMLVideoElement>();
  const look = () => {
    if (b.join === null && !pressing)
      for (const el of document.querySelectorAll("button"))
        if (el.textContent?.trim() === "Join" && !el.disabled) {
          pressing = true;
          const press = () => {
            b.join = performance.now();
            performance.mark("bench:join clicked");
            el.click();
          };
          if (dwell > 0) setTimeout(press, dwell);
          else press();
          break;
        }
    // The call's pictures of the others, and the app's first face (ui/first-face.ts), shown over the
    // page as the other's stream arrives, until the call's own picture of them has a frame.
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"], video.first-face')) {
      if (watched.has(v)) continue;
      watched.add(v);
      const face = v.classList.contains("first-face");
      v.requestVideoFrameCallback((_, meta) => {
        b.size ??= `${meta.width}x${meta.height}`;
        note(face ? "first face" : "tile frame");
        if (!face) observer.disconnect();
        if (b.frame !== null) return;
        b.frame = performance.now();
        // When the frame was handed to the compositor, and when it was to be on screen: the callback
        // itself runs on the main thread, later than that when the page is busy.
        b.steps["frame presented"] = meta.presentationTime;
        b.steps["frame displayed"] = meta.expectedDisplayTime;
        performance.mark("bench:first frame");
        console.debug(FRAME_SHOWN);
      });
    }
  };
  const observer = new MutationObserver(look);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
}
