/**
 * The order of video codecs we ask for (rtp-tuning.ts probeVideoCodecs), found without holding the
 * devices back: `mediaCapabilities` answers from the browser's media process, which on a busy
 * machine took longer than the camera. The probe runs beside the devices on every visit
 * (`codecProbe`); until it answers, the order this browser probed on an earlier visit is used
 * (kept on the device, used only by the same browser and version, its user agent, and only if it is
 * an order the probe could have given), else SOFTWARE_ORDER. Local media reports a changed order,
 * and every connection made from then on (a prepared or spare one is made again) uses it.
 */
import { type EventObject, fromCallback } from "xstate";
import { readStored, writeStored } from "../storage.ts";
import { CODECS_KEY } from "../web-storage.ts";
import { PROBED_CODECS, probeVideoCodecs, SOFTWARE_ORDER } from "../transport/rtp-tuning.ts";

export type CodecsEvent = { type: "CODECS.PROBED"; order: string[] };

/** Probes once and says what it found; never fails (SOFTWARE_ORDER when the probe does). */
export const codecProbe = fromCallback<EventObject, void, CodecsEvent>(({ sendBack }) => {
  let live = true;
  void probeVideoCodecs()
    .catch(() => SOFTWARE_ORDER)
    .then((order) => live && sendBack({ type: "CODECS.PROBED", order }));
  return () => void (live = false);
});

export { CODECS_KEY };

interface Kept {
  ua: string;
  order: string[];
}

/** An order the probe could give: some of PROBED_CODECS once each, then the software codecs not among them. */
export function isProbeOrder(order: unknown): order is string[] {
  if (!Array.isArray(order) || !order.every((m) => typeof m === "string")) return false;
  const probeOrder = (fast: string[]) => [...fast, ...SOFTWARE_ORDER.filter((m) => !fast.includes(m))].join(",");
  for (let k = 0; k <= PROBED_CODECS.length && k <= order.length; k++) {
    const fast = order.slice(0, k);
    if (fast.every((m) => PROBED_CODECS.includes(m)) && new Set(fast).size === k && probeOrder(fast) === order.join(",")) return true;
  }
  return false;
}

const userAgent = () => globalThis.navigator?.userAgent ?? "";

function parse(text: string): Kept | null {
  try {
    const kept = JSON.parse(text) as Partial<Kept> | null;
    return kept && typeof kept.ua === "string" && isProbeOrder(kept.order) ? { ua: kept.ua, order: kept.order } : null;
  } catch {
    return null;
  }
}

/** The order this browser probed last time, or null (none kept, another browser or version, not valid). */
export function recallCodecs(ua = userAgent()): string[] | null {
  const kept = parse(readStored("local", CODECS_KEY, (t) => parse(t) !== null) ?? "null");
  return kept && kept.ua === ua ? kept.order : null;
}

export function rememberCodecs(order: string[], ua = userAgent()): void {
  writeStored("local", CODECS_KEY, JSON.stringify({ ua, order } satisfies Kept));
}
