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
