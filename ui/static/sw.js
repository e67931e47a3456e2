// OneLink service worker: keeps the app shell (the page, its scripts and styles, icons) so the
// app opens without a network. The page network first, cache as fallback; the bundle's
// content-hashed files cache first. Media, signaling (/ws), models, health checks and anything
// cross-origin are never cached.
const CACHE = "onelink-shell-v1";
// The bundle's files (signal-server/bundle.ts fills this in, and names the cache after them): the
// code of panels fetched only when first opened is kept too, so that they open offline.
const PRECACHE = [];
const HASHED = /^\/(chunk-[\w-]+\.(js|css)|manifest-[\w-]+\.webmanifest|icon-[\w-]+\.svg)$/;
const SHELL = /^\/($|c\/[^/]+$|chunk-[\w-]+\.(js|css)$|manifest[\w-]*\.webmanifest$|icon[\w-]*\.(svg|png)$)/;

// Where the browser itself may serve a request without running this worker (the static routing
// API, Chromium 123+; elsewhere the fetch handler below does the same, a little later): the
// bundle's files straight from this build's cache (the network when one is missing), and the page
// from the network raced against the handler (which keeps its copy, and falls back to the cache
// offline). Through the handler, a warm page's app script came back 67 ms after it was asked for,
// 4-10 ms with the route (bench/join/README.md, wt-lobby).
const ROUTES = [
  ...["/chunk-*", "/manifest-*", "/icon-*"].map((urlPattern) => ({ condition: { urlPattern, requestMethod: "GET" }, source: { cacheName: CACHE } })),
  { condition: { requestMode: "navigate", requestMethod: "GET" }, source: "race-network-and-fetch-handler" },
];

self.addEventListener("install", (event) => {
  const routed = typeof event.addRoutes === "function" ? event.addRoutes(ROUTES).catch((err) => console.warn("sw: no static routes", err)) : null;
  event.waitUntil(Promise.all([routed, caches.open(CACHE).then((cache) => cache.addAll(["/", ...PRECACHE]))]).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !SHELL.test(url.pathname)) return;
  // Every call link is the same page: cache it once, under "/".
  const key = url.pathname.startsWith("/c/") ? "/" : event.request;
  const keep = (response) => {
    if (response.ok) {
      const copy = response.clone();
      void caches.open(CACHE).then((cache) => cache.put(key, copy));
    }
    return response;
  };
  // A content-hashed file never changes under its name: from the cache at once, without waiting
  // for the network (the app's script no longer waits for a round trip and a copy on every start).
  if (HASHED.test(url.pathname)) {
    event.respondWith(caches.match(key).then((hit) => hit || fetch(event.request).then(keep)));
    return;
  }
  event.respondWith(
    fetch(event.request)
      .then(keep)
      .catch(() => caches.match(key).then((hit) => hit || Response.error())),
  );
});
