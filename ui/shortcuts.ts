/**
 * Keyboard shortcuts. Each key presses the visible control of that name, so a shortcut does
 * exactly what the button does and needs no wiring of its own. None fires while typing.
 */
import { useEffect } from "react";

export const SHORTCUTS: ReadonlyArray<{ key: string; control: string }> = [
  { key: "M", control: "Microphone" },
  { key: "V", control: "Camera" },
  { key: "S", control: "Share screen" },
  { key: "C", control: "Chat" },
  { key: "D", control: "Draw" },
  { key: "F", control: "Full screen" },
  { key: "P", control: "Picture in picture" },
];

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The enabled button whose accessible name is exactly `name`. */
export function findControl(name: string): HTMLButtonElement | null {
  for (const button of document.querySelectorAll<HTMLButtonElement>("button:not([disabled])")) {
    const label = button.getAttribute("aria-label") ?? button.querySelector(".label")?.textContent ?? button.textContent;
    if (label?.trim() === name) return button;
  }
  return null;
}

export function useShortcuts(enabled: boolean) {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
      const shortcut = SHORTCUTS.find((s) => s.key === e.key.toUpperCase());
      const control = shortcut && findControl(shortcut.control);
      if (!control) return;
      e.preventDefault();
      control.click();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
