/**
 * The page's first script, a bundle of its own (index.html): on a call link it asks for the camera
 * and microphone and opens the server connection while the app's code is still loading, and asks
 * on it how full the room is (the pre-join screen's peek) as soon as it opens; the app adopts them
 * (machines/head-start.ts). Kept tiny: it must not wait for anything.
 */
import { startHeadStart } from "../machines/head-start.ts";
import { routeOf, signalingUrl } from "./route.ts";

const route = routeOf(location.pathname);
if (route.kind === "call") startHeadStart(signalingUrl(location), route.room);
