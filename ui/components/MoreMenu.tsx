/**
 * "More" in the call controls: the controls used less often, behind one button so the primary
 * row fits a 320 px phone. A sheet from the bottom on phones, a menu above the button on wider
 * screens (styles in controls.css). Its buttons stay in the page while it is closed, so a
 * keyboard shortcut (shortcuts.ts) still finds and presses them, from the call's first picture on
 * (ui/after-picture.ts: they are not drawn in the render that reveals the call), or from the
 * first time it opens if that is sooner. Esc or a tap outside closes it; choosing an item closes
 * it and gives focus back to "More".
 */
import { type CSSProperties, type MouseEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { useAfterPicture } from "../after-picture.ts";
import { Icon } from "./Icon.tsx";

export function MoreMenu({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const [opened, setOpened] = useState(false);
  if (open && !opened) setOpened(true);
  const drawn = useAfterPicture() || opened || open;
  // Where the menu sits on wide screens: just above More, its right edge at More's (fixed, so the
  // controls' collapsing dock does not clip it). On phones the stylesheet makes it a bottom sheet.
  const [anchor, setAnchor] = useState({ bottom: 0, right: 0 });
  const id = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLButtonElement>("button:not([disabled])")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      setOpen(false);
      toggle.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !toggle.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("pointerdown", onPointer, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      document.removeEventListener("pointerdown", onPointer, true);
    };
  }, [open]);

  const chosen = (e: MouseEvent) => {
    if (!open || !(e.target as HTMLElement).closest("button")) return;
    setOpen(false);
    toggle.current?.focus();
  };

  const place = (e: MouseEvent<HTMLButtonElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    setAnchor({ bottom: innerHeight - r.top + 8, right: Math.max(8, innerWidth - r.right) });
    setOpen((o) => !o);
  };

  return (
    <div className="more">
      <button ref={toggle} type="button" aria-expanded={open} aria-controls={id} title="More controls" onClick={place}>
        <Icon name="more" />
        <span className="label">More</span>
      </button>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the click only closes the menu after a button in it was pressed (by key or pointer) */}
      <div
        id={id}
        ref={menu}
        className="more-menu"
        role="group"
        aria-label="More controls"
        hidden={!open}
        onClick={chosen}
        style={{ "--more-bottom": `${anchor.bottom}px`, "--more-right": `${anchor.right}px` } as CSSProperties}
      >
        {drawn && children}
      </div>
    </div>
  );
}
