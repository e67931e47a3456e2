/**
 * The stage's layout as plain choices, with no DOM: who is large, who is in the strip or on which
 * page of the grid, who is the active speaker (with hysteresis), and which simulcast layer a tile
 * of a given size asks for. The Stage component measures and renders; these decide.
 */
import type { SfuLayer } from "../protocol/index.ts";
import { LAYER_WIDTHS } from "../machines/transport/prepared-group.ts";

export type LayoutMode = "grid" | "speaker";

export interface LayoutInput {
  /** Participants in the order they came. */
  ids: readonly string[];
  mode: LayoutMode;
  /** Pinned by us: large whatever the mode, while they are here. */
  pinned: string | null;
  /** Participants sharing their screen: the first is shown large automatically. */
  sharing: readonly string[];
  /** The active speaker (speakerStep). */
  speaker: string | null;
  /** The page (0-based) of the grid or of the strip, and how many tiles a grid page or the strip holds. */
  page: number;
  perPage: number;
  perStrip: number;
}

export interface Layout {
  /** The large tile, or null: a grid. */
  focus: string | null;
  /** Every tile in display order (the focus first). */
  order: string[];
  /** The tiles on screen: the grid's current page, or the focus and the strip's current page. */
  onPage: string[];
  page: number;
  pages: number;
}

/** Who is large: a pinned person, else a screen being shared, else (speaker layout) who speaks. */
export function focusOf(input: Pick<LayoutInput, "ids" | "mode" | "pinned" | "sharing" | "speaker">): string | null {
  const { ids, mode, pinned, sharing, speaker } = input;
  if (ids.length < 2) return null; // one tile fills the stage anyway
  if (pinned && ids.includes(pinned)) return pinned;
  const screen = sharing.find((id) => ids.includes(id));
  if (screen) return screen;
  if (mode !== "speaker") return null;
  return speaker && ids.includes(speaker) ? speaker : (ids[0] ?? null);
}

export function arrange(input: LayoutInput): Layout {
  const focus = focusOf(input);
  const order = focus ? [focus, ...input.ids.filter((id) => id !== focus)] : [...input.ids];
  const paged = focus ? order.slice(1) : order;
  const size = Math.max(1, focus ? input.perStrip : input.perPage);
  const pages = Math.max(1, Math.ceil(paged.length / size));
  const page = Math.min(Math.max(0, input.page), pages - 1);
  const shown = paged.slice(page * size, (page + 1) * size);
  return { focus, order, onPage: focus ? [focus, ...shown] : shown, page, pages };
}

/**
 * How many grid tiles a page holds: fewer on a small or upright screen, so each stays watchable.
 * A short wide stage (a phone held sideways, under 400 px whether its bars show or not) holds two
 * rows: a third would leave rows too short for a tile's Pin below the layout tools.
 */
export function perPageFor(width: number, height: number): number {
  const portrait = height > width;
  if (width < 600 || (!portrait && height < 400)) return portrait ? 4 : 6;
  return portrait ? 8 : width < 1200 ? 9 : 16;
}

/**
 * Columns of the grid for `n` tiles: as square a grid as fits a wide window, and fewer, taller
 * rows' worth on a tall one (a phone held upright shows one or two columns).
 */
export function columnsFor(n: number): { wide: number; tall: number } {
  return { wide: Math.ceil(Math.sqrt(n)), tall: n <= 2 ? 1 : n <= 8 ? 2 : 3 };
}

/** The gap between grid tiles, CSS px (ui/styles.css `.tiles`). */
const TILE_GAP = 4;

/**
 * The layer our tiles will need when we join `others` people, before the stage is drawn: the grid
 * the stage would lay out in a window of this size. Told with the join, so that a group's media
 * server subscribes us to everyone at it instead of at the highest and then switching (each
 * switch costs every sender a key frame). The stage tells what it really shows once drawn.
 */
export function firstLayerFor(others: number, window: { width: number; height: number; dpr: number }): 0 | 1 | 2 {
  const n = Math.max(1, Math.min(others, perPageFor(window.width, window.height)));
  const { wide, tall } = columnsFor(n);
  const cols = window.height > window.width ? tall : wide;
  const width = (window.width - TILE_GAP * (cols - 1)) / cols;
  return layerFor({ visible: true, width }, window.dpr) as 0 | 1 | 2;
}

/** How many tiles the strip under a large tile holds: as many of about 180 px as fit the width. */
export const perStripFor = (width: number) => Math.min(8, Math.max(1, Math.floor(width / 180)));

/** Active speaker with hysteresis: someone else must be the loudest this long before they take over. */
export const SPEAKER_HOLD_MS = 1_500;
/** Loudness (0..1, audio-level.ts) under which nobody counts as speaking. */
export const SPEAKER_MIN_LEVEL = 0.08;

export interface SpeakerState {
  current: string | null;
  /** Who has been the loudest since `since`, waiting to take over. */
  candidate: string | null;
  since: number;
}
export const noSpeaker: SpeakerState = { current: null, candidate: null, since: 0 };

/** One look at the levels: the speaker changes only after another has been loudest for SPEAKER_HOLD_MS. */
export function speakerStep(state: SpeakerState, levels: ReadonlyMap<string, number>, now: number, holdMs = SPEAKER_HOLD_MS): SpeakerState {
  let loudest: string | null = null;
  let best = SPEAKER_MIN_LEVEL;
  for (const [id, level] of levels) {
    if (level >= best) {
      best = level;
      loudest = id;
    }
  }
  const current = state.current !== null && levels.has(state.current) ? state.current : null;
  // A pause between words changes nothing: the candidate keeps its claim through silence.
  if (loudest === null) return current === state.current ? state : { ...state, current };
  if (loudest === current) return { current, candidate: null, since: now };
  if (current === null) return { current: loudest, candidate: null, since: now };
  if (loudest !== state.candidate) return { current, candidate: loudest, since: now };
  return now - state.since >= holdMs ? { current: loudest, candidate: null, since: now } : state;
}

/**
 * The layer a tile asks for: the smallest whose width covers the tile on screen (CSS pixels ×
 * devicePixelRatio); -1 for a tile that is not on screen.
 */
export function layerFor(tile: { visible: boolean; width: number }, dpr: number): SfuLayer {
  if (!tile.visible || tile.width <= 0) return -1;
  const px = tile.width * dpr;
  if (px <= LAYER_WIDTHS[0]) return 0;
  if (px <= LAYER_WIDTHS[1]) return 1;
  return 2;
}
