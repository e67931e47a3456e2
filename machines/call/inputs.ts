/**
 * What the call's children start from (and hear again when it changes), derived from the call's
 * context: the features' inputs, the transport's, the warm socket's; and what the page shows of
 * the call outside the app (the address bar).
 */
import { cleanName, type ControlMessage, type IceServer } from "../../protocol/index.ts";
import type { TransportInput } from "../transport/mesh.ts";
import type { AnyPlan, PreparePlan } from "../transport/prepared.ts";
import type { GroupPlan } from "../transport/prepared-group.ts";
import type { RoomWatchInput } from "../link/socket.ts";
import type { CallContext } from "./call-types.ts";
import { spokenNames, storageScope } from "./roster.ts";
import { recallCodecs } from "../media/codecs.ts";

/** Inputs of the feature actors, shared by their invoke and by a restart after a failure. */
export const chatInput = ({ context }: { context: CallContext }) => ({
  room: storageScope(context.room),
  sounds: context.sounds,
  people: spokenNames(context.peers),
});
/** Hands are tracked on the camera (not while sharing the screen). */
export const cameraOf = (context: CallContext) => (context.local?.sharing ? null : (context.local?.stream ?? null));
/** `self`: our participant id once joined (a restarted drawing needs it at once; a new room tells it with DRAW.SELF). */
export const drawingInput = ({ context }: { context: CallContext }) => ({ room: storageScope(context.room), camera: cameraOf(context), self: context.self });
/** What the transport starts from: our media as it is, and how to connect. */
export function mediaState(context: CallContext): Extract<ControlMessage, { type: "media-state" }> {
  const name = cleanName(context.name);
  return {
    type: "media-state",
    audio: context.micOn,
    video: context.camOn,
    ...(context.local?.sharing ? { screen: true } : {}),
    // In the call before our devices opened (Join pressed while they started, a refresh): the others say so on our tile.
    ...(context.local === null ? { starting: true } : {}),
    ...(name ? { name } : {}),
  };
}
export const transportInput = ({ context }: { context: CallContext }): TransportInput => ({
  relayOnly: context.relayOnly,
  noServer: context.serverless !== null,
  stream: context.local?.stream ?? null,
  outgoing: context.local?.outgoing ?? null,
  mediaState: mediaState(context),
  keys: context.keys,
  prepared: context.prepared,
});

/**
 * What the pre-join screen prepares (transport/prepared.ts), with the relay servers the peek gave
 * and our media: a connection to the one person in the room; with two or more there (Join makes
 * it a group), our publishing path to the media server (transport/prepared-group.ts). None for an
 * empty or full room, nor before the server says.
 */
export function preparePlan(context: CallContext): AnyPlan | null {
  const o = context.occupancy;
  if (!o?.iceServers) return null;
  if (o.people === 1) return planWith(context, o.iceServers);
  return o.people >= 2 && o.people < o.capacity ? groupPlanWith(context, o.iceServers) : null;
}

/**
 * A refresh taking back its seat rejoins without waiting for its camera and microphone: in a direct
 * call with its connection prepared (returnPlan), in a group with its path to the media server made
 * once joined, whose lines take the tracks as they come (prepared-group.ts openSfu). Not without the
 * relay servers its page had (none kept, or expired): its connection would start without lines to
 * send on, and ask for them again once the devices came.
 */
export const returnsAtOnce = (context: CallContext): boolean => !!context.token && !!context.returnIce && !context.serverless;

/**
 * What a refresh taking its seat back prepares while its join is on the way: the connection to
 * whoever it was calling directly, with the relay servers its page had (storage.ts ReturnIce). Used
 * only if `joined` says the room is still that. Nothing for a group (a group's path made during the
 * join only competes with it: prepared.ts `hurry`). It does not wait for the camera and microphone:
 * the join goes as the socket opens, and their tracks take their places on the connection as they
 * come (`stream` null; prepared.ts), since the other's picture needs none of ours (issue 21: a reload
 * waited ~80-120 ms for its devices, which the old page's teardown slows).
 */
export function returnPlan(context: CallContext): PreparePlan | null {
  const r = context.returnIce;
  if (!context.token || !r || r.group || context.serverless) return null;
  const codecs = context.local?.outgoing?.videoCodecs ?? recallCodecs();
  return {
    iceServers: r.iceServers,
    iceTransportPolicy: context.relayOnly ? "relay" : "all",
    stream: context.local?.stream ?? null,
    ...(codecs ? { videoCodecs: codecs } : {}),
  };
}

/**
 * What the pre-join screen prepares while its peek has not answered (100 ms from the server, the
 * screen shows and Join may be pressed a round trip before the answer: bench/join): the direct
 * connection, on the guess that one person is there, with the relay servers this browser was given
 * last (storage.ts loadLastIce; none on a first visit). Its offer goes with the join, and the server
 * relays it only to the one person of a direct room (else it is dropped, and so is the connection).
 * A peek answered later with other relay servers prepares afresh (prepared.ts `serves`); `joined`
 * gives the member's own either way (peer-connection.ts). Nothing when relay only is asked with no
 * relay server known, nor once the peek has answered (preparePlan decides then).
 */
export function joinPlan(context: CallContext, lastIce: IceServer[] | null): PreparePlan | null {
  if (context.occupancy) return null;
  if (context.relayOnly && !lastIce?.length) return null;
  return planWith(context, lastIce ?? []);
}

/**
 * The direct connection's plan with our media. Devices not ready yet (Join pressed while they start,
 * or the peek answered after such a Join): a line of each kind that sends, empty until their tracks
 * come, with the codec order the last call used (as returnPlan). Devices ready but none given: none.
 */
function planWith(context: CallContext, iceServers: IceServer[]): PreparePlan | null {
  if (context.serverless) return null;
  const local = context.local;
  if (local && !local.stream) return null;
  const codecs = local ? local.outgoing?.videoCodecs : recallCodecs();
  return {
    iceServers,
    iceTransportPolicy: context.relayOnly ? "relay" : "all",
    stream: local?.stream ?? null,
    ...(codecs ? { videoCodecs: codecs } : {}),
  };
}

function groupPlanWith(context: CallContext, iceServers: IceServer[]): GroupPlan | null {
  const stream = context.local?.stream;
  if (!stream || context.serverless) return null;
  return { group: true, iceServers, iceTransportPolicy: context.relayOnly ? "relay" : "all", stream, keys: context.keys };
}

/** A serverless call has no server to warm up a connection to. */
export const warmSocketInput = ({ context }: { context: CallContext }) => ({
  url: context.serverless ? null : context.signalingUrl,
  sockets: context.warmSockets,
});

/** Someone opening a link sees the pre-join screen first; a returning refresh (a seat token is kept) rejoins at once. */
export const wantsPreJoin = (context: Pick<CallContext, "lobby" | "token">): boolean => context.lobby && !context.token;

/**
 * The pre-join screen watches its room on the warm socket (a serverless call has none), opening the
 * cards with the link's key; a page that will not show it (a refresh taking its seat back) does not.
 */
export const roomWatchInput = ({ context }: { context: CallContext }): RoomWatchInput => ({
  ...warmSocketInput({ context }),
  ...(wantsPreJoin(context) ? {} : { url: null }),
  room: context.room,
  keys: context.keys,
});

/** The relay's refusal or failure, in words the user can act on. */
export const iceErrorText = (e: { code: number; text: string; url: string }) =>
  e.code === 401
    ? "The relay (TURN) server refused our credentials; they may have expired. Reload to get new ones."
    : `The relay (TURN) server ${e.url} could not be used (${e.code} ${e.text}).`;

/** The call's link in the address bar (a serverless call has none), with its secret: a refresh keeps the key. */
export function showRoomInAddressBar(room: string | null, secret: string | null) {
  if (room === null) return;
  const path = `/c/${encodeURIComponent(room)}`;
  const hash = secret ? `#${secret}` : "";
  if (location.pathname !== path || location.hash !== hash) history.replaceState(null, "", path + location.search + hash);
}
export function showHomeInAddressBar() {
  if (location.pathname !== "/") history.pushState(null, "", `/${location.search}`);
}
