/**
 * Network guard for the MediaPipe workers: same-origin (and data:/blob:) fetches only, which also
 * silences the usage logging tasks-vision would otherwise POST to a Google endpoint.
 */
export function allowSameOriginFetchOnly(workerName: string): void {
  const nativeFetch = globalThis.fetch.bind(globalThis);
  const allowed = (input: RequestInfo | URL): boolean => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(raw, location.href);
    return url.origin === location.origin || url.protocol === "data:" || url.protocol === "blob:";
  };
  Object.defineProperty(globalThis, "fetch", {
    configurable: true,
    writable: true,
    value: (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
      allowed(input) ? nativeFetch(input, init) : Promise.reject(new TypeError(`${workerName} worker: cross-origin fetch blocked`)),
  });
}
