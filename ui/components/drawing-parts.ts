/**
 * The drawing's lazy code in one chunk (Drawing.tsx): the overlay over the videos and the panel
 * arrive together, so the panel never says "draw with the mouse" before the overlay that takes
 * the mouse is there.
 */
export { DrawPanel } from "./DrawControls.tsx";
export { DrawOverlay } from "./DrawOverlay.tsx";
