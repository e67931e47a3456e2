/**
 * When our own downlink is short, every tile steps down a simulcast layer: a cap on the layers we
 * ask the media server for, lowered on packet loss (or a known incoming bandwidth under what the
 * tiles need) and raised again only after a quiet while. Plain numbers in, a cap out: testable.
 */
import type { SfuLayer } from "../../protocol/index.ts";

/** Over this share of video packets lost since the last look, the downlink is short. */
export const LOSS_HIGH = 0.05;
/** Under this, it is fine. */
export const LOSS_LOW = 0.01;
/** A step down is judged on at least this long before the next; a step up needs this long fine. */
export const STEP_DOWN_AFTER_MS = 2_000;
export const STEP_UP_AFTER_MS = 10_000;
/** What each layer costs, roughly (kbit/s, as the publishers' encodings allow: sfu.ts LAYERS). */
export const LAYER_KBPS = [150, 500, 1_500] as const;

export interface DownlinkSample {
  at: number;
  /** Video packets received and lost, summed over every inbound video, since the call started. */
  received: number;
  lost: number;
  /** The browser's estimate of what can come in (kbit/s), when it gives one. */
  availableKbps: number | null;
}

export interface DownlinkState {
  cap: 0 | 1 | 2;
  /** When the cap last changed, and since when the downlink has been fine. */
  changed: number;
  fineSince: number;
  last: DownlinkSample | null;
}

export const freshDownlink = (at: number): DownlinkState => ({ cap: 2, changed: at, fineSince: at, last: null });

/** What `layers` cost at most (kbit/s): the bandwidth the tiles ask for. */
export const neededKbps = (layers: readonly SfuLayer[]) => layers.reduce<number>((sum, l) => sum + (l < 0 ? 0 : LAYER_KBPS[l as 0 | 1 | 2]), 0);

/** One look at the counters: the new cap. `needKbps`: what the layers asked for now cost. */
export function downlinkStep(state: DownlinkState, sample: DownlinkSample, needKbps: number): DownlinkState {
  const prev = state.last;
  if (!prev || sample.received < prev.received) return { ...state, last: sample };
  const got = sample.received - prev.received;
  const lost = Math.max(0, sample.lost - prev.lost);
  const loss = got + lost > 0 ? lost / (got + lost) : 0;
  const starved = sample.availableKbps !== null && needKbps > 0 && sample.availableKbps < needKbps * 0.9;
  const at = sample.at;
  if (loss > LOSS_HIGH || starved) {
    // The last step down has had its time to take effect: another.
    if (state.cap > 0 && at - state.changed >= STEP_DOWN_AFTER_MS) return { cap: (state.cap - 1) as 0 | 1, changed: at, fineSince: at, last: sample };
    return { ...state, fineSince: at, last: sample };
  }
  if (loss > LOSS_LOW) return { ...state, fineSince: at, last: sample };
  if (state.cap < 2 && at - state.fineSince >= STEP_UP_AFTER_MS) return { cap: (state.cap + 1) as 1 | 2, changed: at, fineSince: at, last: sample };
  return { ...state, last: sample };
}

/** The layer asked for under the cap (none stays none). */
export const capped = (layer: SfuLayer, cap: number): SfuLayer => (layer < 0 ? layer : (Math.min(layer, cap) as SfuLayer));
