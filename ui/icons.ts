/**
 * The line icons' drawings (24×24, stroked), shared by ui/components/Icon.tsx and the first
 * pre-join screen, which is drawn without React (ui/quick-lobby.ts).
 */
export const ICON_PATHS = {
  mic: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3M8 21h8",
  micOff: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 4.5 2.6M15 9.3V6a3 3 0 0 0-5.7-1.3M5 11a7 7 0 0 0 11.6 5.3M19 11a7 7 0 0 1-.6 2.8M12 18v3M8 21h8M3 3l18 18",
  camera: "M3 7h12v10H3zM15 10l6-3v10l-6-3",
  cameraOff: "M3 7h2m4 0h6v6M15 10l6-3v10l-6-3M3 7v10h12M3 3l18 18",
  fullscreen: "M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5",
  pip: "M3 5h18v14H3zM12 12h6v4h-6z",
  hangup: "M3 14c5-5 13-5 18 0l-2.5 2.5-3-1.5v-2.5c-2.3-.8-4.7-.8-7 0V15l-3 1.5z",
  screen: "M3 4h18v12H3zM8 20h8M12 16v4M9 10l3-3 3 3M12 7v6",
  chat: "M4 5h16v11H9l-5 4z",
  draw: "M4 20l4-1L19 8l-3-3L5 16zM14 7l3 3",
  settings:
    "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM19.4 13a7.6 7.6 0 0 0 0-2l2-1.6-2-3.4-2.4 1a7.5 7.5 0 0 0-1.7-1L15 3h-4l-.4 2.5a7.5 7.5 0 0 0-1.7 1l-2.4-1-2 3.4 2 1.6a7.6 7.6 0 0 0 0 2l-2 1.6 2 3.4 2.4-1a7.5 7.5 0 0 0 1.7 1L11 21h4l.4-2.5a7.5 7.5 0 0 0 1.7-1l2.4 1 2-3.4z",
  stats: "M4 20V10M10 20V4M16 20v-7M22 20H2",
  switchCamera: "M3 7h4l2-2h6l2 2h4v12H3zM9 13a3 3 0 0 0 5.5 1.6M15 11a3 3 0 0 0-5.5-1.6M14.5 16v-1.4H16M9.5 8v1.4H8",
  info: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 11v6M12 7.5v.5",
  exit: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  more: "M5 11a1 1 0 1 0 0 2 1 1 0 0 0 0-2zM12 11a1 1 0 1 0 0 2 1 1 0 0 0 0-2zM19 11a1 1 0 1 0 0 2 1 1 0 0 0 0-2z",
  eraser: "M8 20h12M4.5 15.5l9-9 6 6-7.5 7.5H9z M9.5 10.5l6 6",
  person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4.5 20.5a7.5 7.5 0 0 1 15 0",
  move: "M12 3v18M3 12h18M9 6l3-3 3 3M9 18l3 3 3-3M6 9l-3 3 3 3M18 9l3 3-3 3",
  lock: "M6 11h12v10H6zM8.5 11V7.5a3.5 3.5 0 0 1 7 0V11",
  people: "M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM2.5 20a6.5 6.5 0 0 1 13 0M16 4.3a3.5 3.5 0 0 1 0 6.4M18 14a6.5 6.5 0 0 1 3.5 6",
} as const;

export type IconName = keyof typeof ICON_PATHS;

const SVG = "http://www.w3.org/2000/svg";

/** An icon as a DOM element, as Icon draws it. Decorative: the button's text names it. */
export function iconElement(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  for (const [k, v] of [
    ["class", "icon"],
    ["viewBox", "0 0 24 24"],
    ["width", "22"],
    ["height", "22"],
    ["aria-hidden", "true"],
    ["focusable", "false"],
  ])
    svg.setAttribute(k!, v!);
  const path = document.createElementNS(SVG, "path");
  for (const [k, v] of [
    ["d", ICON_PATHS[name]],
    ["fill", "none"],
    ["stroke", "currentColor"],
    ["stroke-width", "1.8"],
    ["stroke-linecap", "round"],
    ["stroke-linejoin", "round"],
  ])
    path.setAttribute(k!, v!);
  svg.append(path);
  return svg;
}
