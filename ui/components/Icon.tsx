/**
 * Line icons as inline SVG (no icon font, nothing fetched). Decorative: the button's text names it.
 * The drawings are in ui/icons.ts, which the first pre-join screen (no React) draws them from too.
 */
import { ICON_PATHS as PATHS } from "../icons.ts";

export type { IconName } from "../icons.ts";

export function Icon({ name }: { name: keyof typeof PATHS }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
