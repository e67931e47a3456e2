/**
 * Web Storage, or null where there is none (tests, a worker) or the browser refuses it (storage
 * disabled, some private modes throw on access). Callers treat null as "nothing kept".
 */
export function webStorage(kind: "session" | "local"): Storage | null {
  try {
    return (kind === "session" ? globalThis.sessionStorage : globalThis.localStorage) ?? null;
  } catch {
    return null;
  }
}
