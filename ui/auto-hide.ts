/**
 * On phones (touch or small screens) the top bar and the call controls step aside together during
 * a call, leaving the video the whole screen: they hide after AUTO_HIDE_MS without interaction and
 * come back together on a tap on the stage (once the finger is lifted), a mouse move over it, any key, any focus, or news in
 * the status line (someone left, reconnecting). They stay while something in the call has keyboard
 * focus or a panel or dialog is open. Hidden bars are inert (not focusable); a key press brings
 * them back before the browser moves focus.
 */
import { useEffect, useRef, useState, type RefObject } from "react";
import { flushSync } from "react-dom";

export const AUTO_HIDE_MS = 4_000;
export const AUTO_HIDE_MEDIA = "(pointer: coarse), (max-width: 600px)";
/** Open panels, dialogs and overlays keep the controls in view. */
const OPEN_PANELS = "dialog[open], .chat-panel:not([hidden]), .more-menu:not([hidden]), .draw-panel, .stats-panel, .overlay";

function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => typeof matchMedia === "function" && matchMedia(query).matches);
  useEffect(() => {
    if (typeof matchMedia !== "function") return;
    const list = matchMedia(query);
    const update = () => setMatches(list.matches);
    update();
    list.addEventListener("change", update);
    return () => list.removeEventListener("change", update);
  }, [query]);
  return matches;
}

/** Calls its listener on each piece of news (the status line changed); returns the way to stop. A stable function. */
export type NewsFeed = (listener: () => void) => () => void;

/**
 * Whether the bars around the stage are hidden now. `active`: in a call (someone is on the stage);
 * `call`: the element holding the bars and the stage; `news`: changes of the status line (they show
 * the bars), heard without rendering the caller for each.
 */
export function useAutoHide(active: boolean, stage: RefObject<HTMLElement | null>, call: RefObject<HTMLElement | null>, news: NewsFeed): boolean {
  const enabled = useMediaQuery(AUTO_HIDE_MEDIA) && active;
  const [hidden, setHidden] = useState(false);
  const wakeRef = useRef<() => void>(() => {});
  // News in the status line shows the bars.
  useEffect(() => news(() => wakeRef.current()), [news]);

  useEffect(() => {
    setHidden(false);
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const busy = () => {
      const focused = document.activeElement;
      if (focused instanceof HTMLElement && call.current?.contains(focused) && focused.matches(":focus-visible")) return true;
      return document.querySelector(OPEN_PANELS) !== null;
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => (busy() ? arm() : setHidden(true)), AUTO_HIDE_MS);
    };
    const wake = () => {
      setHidden(false);
      arm();
    };
    wakeRef.current = wake;
    // Shown before the key does anything: Tab then lands on them, a shortcut finds its button.
    const onKey = () => {
      flushSync(() => setHidden(false));
      arm();
    };
    const onMove = (e: PointerEvent) => {
      if (e.pointerType === "mouse") wake();
    };
    // A finger's tap shows them once it is lifted: shown at the touch, they would push the stage
    // (and the control under the finger) down mid-tap, and the tap would land elsewhere or nowhere.
    const onDown = (e: PointerEvent) => {
      if (e.pointerType === "mouse") wake();
    };
    const onUp = (e: PointerEvent) => {
      if (e.pointerType !== "mouse") wake();
    };
    const stageEl = stage.current;
    const callEl = call.current;
    window.addEventListener("keydown", onKey, true);
    document.addEventListener("focusin", wake, true);
    stageEl?.addEventListener("pointermove", onMove, true);
    callEl?.addEventListener("pointerdown", onDown, true);
    callEl?.addEventListener("pointerup", onUp, true);
    callEl?.addEventListener("pointercancel", onUp, true);
    arm();
    return () => {
      clearTimeout(timer);
      window.removeEventListener("keydown", onKey, true);
      document.removeEventListener("focusin", wake, true);
      stageEl?.removeEventListener("pointermove", onMove, true);
      callEl?.removeEventListener("pointerdown", onDown, true);
      callEl?.removeEventListener("pointerup", onUp, true);
      callEl?.removeEventListener("pointercancel", onUp, true);
      wakeRef.current = () => {};
    };
  }, [enabled, stage, call]);

  return enabled && hidden;
}
