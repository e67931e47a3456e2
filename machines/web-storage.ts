/**
 * Web Storage, or null where there is none (tests, a worker) or the browser refuses it (storage
 * disabled, some private modes throw on access). On its own, so that the page's first script
 * (head-start.ts) can read settings without the rest of storage.ts and what it imports.
 */
export function webStorage(kind: "session" | "local"): Storage | null {
  try {
    return (kind === "session" ? globalThis.sessionStorage : globalThis.localStorage) ?? null;
  } catch {
    return null;
  }
}

/** Where a call's seat token is kept (sessionStorage: a refresh of this tab gets the same seat back; storage.ts loadSeat). */
export const seatKey = (room: string) => `onelink.seat.${room}`;

/**
 * What a connection made before Join depends on, kept by the app (storage.ts, media/codecs.ts): the
 * relay servers given last, the "relay only" setting, and the probed codec order. The page's first
 * script makes the pre-join screen's connection itself only when none of them is kept (head-start.ts).
 */
export const LAST_ICE_KEY = "onelink.ice";
export const RELAY_ONLY_KEY = "onelink.relayOnly";
export const CODECS_KEY = "onelink.videoCodecs";
