/**
 * The page's first script, a bundle of its own (index.html): on a call link it asks for the camera
 * and microphone and opens the server connection while the app's code is still loading, and asks
 * on it how full the room is (the pre-join screen's peek) as soon as it opens; the app adopts them
 * (machines/head-start.ts). Kept tiny: it must not wait for anything.
 *
 * It also starts the app's code, and on a first visit makes the pre-join screen's connection while
 * that code comes (startFirstConnection). The page names that code as a module preload (APP_ENTRY_SELECTOR,
 * signal-server/bundle.ts), which the browser fetches at once, not as a module script: the page
 * would then not finish loading until that script had run (the app's start, the pre-join screen
 * and, pressed at once, Join's work), and the browser draws its loading spinner until ~250 ms
 * after a page has loaded (bench/join README, join31). Imported once the page is parsed (where a
 * deferred module script would have run), it runs after the page has loaded.
 */
import { startFirstConnection, startHeadStart } from "../machines/head-start.ts";
import { appEntryPreload } from "./app-entry.ts";
import { routeOf, signalingUrl } from "./route.ts";

const route = routeOf(location.pathname);
if (route.kind === "call") startHeadStart(signalingUrl(location), route.room);

const startApp = () => {
  const entry = appEntryPreload();
  if (entry) import(entry).catch((err: unknown) => console.error("OneLink: the app's code did not load", err));
  // While a first visit waits for that code: the pre-join screen's connection (machines/head-start.ts).
  if (route.kind === "call") startFirstConnection(route.room);
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startApp, { once: true });
else startApp();
