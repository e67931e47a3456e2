/**
 * The call's vocabulary: the actors it starts, its named delays, guards and actions. call.ts tells
 * the story with these names; a test swaps any of them with `.provide()`.
 */
import { assertEvent, assign, type EventObject, enqueueActions, forwardTo, sendTo, setup } from "xstate";
import { stopChildrenOfFailed } from "../failed-actor.ts";
import type { ChatPeopleEvent, chatMachine } from "../features/chat.ts";
import type { DrawCameraEvent, DrawSelfEvent, drawingMachine } from "../features/drawing.ts";
import type { notificationsMachine } from "../features/notifications.ts";
import { lazyLogic } from "../lazy-logic.ts";
import { statsMachine } from "../features/stats.ts";
import { initialServerlessView, serverlessLink } from "../link/serverless.ts";
import { type SignalingCommand, signalingMachine } from "../link/signaling.ts";
import { cardText } from "../../protocol/cards.ts";
import { roomWatchActor, warmSocketActor } from "../link/socket.ts";
import { localMediaMachine, type MediaCommand } from "../media/local-media.ts";
import { loadLastIce, loadName, loadRelayOnly, loadReturnIce, loadSeat, saveLastIce, saveName, saveRelayOnly, saveReturnIce, saveSeat } from "../storage.ts";
import { NAME_MAX } from "../../protocol/index.ts";
import { FEATURE_ACTOR } from "../transport/channels.ts";
import { LINK_ID, NOTIFY_ID, STATS_ID, TRANSPORT_ID } from "../system-ids.ts";
import { mark } from "../timeline.ts";
import { answerFirst, OFFER_EXPECTED_MS } from "../answer-first.ts";
import { meshTransport, type TransportCommand } from "../transport/mesh.ts";
import type { CallContext, CallEvent, CallInput } from "./call-types.ts";
import { deriveKeys } from "../../protocol/e2ee.ts";
import { KeyRing } from "../../protocol/group-keys.ts";
import {
  cameraOf,
  chatInput,
  drawingInput,
  iceErrorText,
  mediaState,
  joinPlan,
  preparePlan,
  returnPlan,
  returnsAtOnce,
  showHomeInAddressBar,
  showRoomInAddressBar,
  transportInput,
  wantsPreJoin,
} from "./inputs.ts";
import {
  departed,
  departureOf,
  isUp,
  onArrived,
  onConnecting,
  onControl,
  onJoined,
  onStatus,
  participantList,
  patch,
  presenceNews,
  type RoomView,
  roomView,
  spokenNames,
  without,
} from "./roster.ts";

/** A command for the transport, found by system id (it exists only in a room). */
const toTransport = (command: TransportCommand): EventObject => command;
/** How often one part of a call may fail and be restarted before it is given up on. */
const MAX_RESTARTS = 3;
/** The reports that tell where the room stands: the first one ends `joining`. */
const ROOM_NEWS = new Set<string>([
  "SIGNALING.JOINED",
  "SIGNALING.PEER_JOINED",
  "SIGNALING.PEER_AWAY",
  "SIGNALING.PEER_LEFT",
  "PEER.PRESUMED_GONE",
  "TRANSPORT.CONNECTING",
  "PEER.STATUS",
  "PEER.CONTROL",
]);
const roomIs =
  (view: RoomView) =>
  ({ context }: { context: CallContext }) =>
    roomView(context.peers, context.departure) === view;
/** The id of the pending NAME.SETTLED, so a newer keystroke replaces it. */
const CARD_SETTLES = "cardSettles";
const goneLater = (peer: string) =>
  [
    { type: "PEER.PRESUMED_GONE" as const, peer },
    { delay: "presumedGone" as const, id: `gone:${peer}` },
  ] as const;

/** The direct connection on the guess while the peek has not answered (inputs.ts joinPlan), with the relay servers kept. */
const guessPlan = (context: CallContext) => (context.occupancy ? null : joinPlan(context, loadLastIce()));

export const callSetup = setup({
  types: {
    input: {} as CallInput,
    context: {} as CallContext,
    events: {} as CallEvent,
  },
  actors: {
    warmSocket: warmSocketActor,
    roomWatch: roomWatchActor,
    localMedia: localMediaMachine,
    stats: statsMachine,
    signaling: signalingMachine,
    serverlessLink,
    transport: meshTransport,
    // In a chunk of their own (machines/features/index.ts): until it is in, each keeps what it is sent (lazy-logic.ts).
    chat: lazyLogic<typeof chatMachine>("chat"),
    drawing: lazyLogic<typeof drawingMachine>("drawing"),
    notifications: lazyLogic<typeof notificationsMachine>("notifications"),
  },
  delays: {
    /** A member away (socket dropped) with a dead connection for this long is presumed gone; they may still return. */
    presumedGone: 3_000,
    /** Our card goes out once the name typed has not changed for this long, not at every keystroke. */
    cardSettles: 400,
    /** Join shows the call's own view after this long at most, picture or not (a connection still coming up, frames that do not open). */
    handoverLimit: 2_000,
    /** Waiting alone this long after a call, the noise suppression sleeps again (a pass through `waiting` does not). */
    aloneQuiet: 1_000,
  },
  guards: {
    /** A returning refresh (a seat token is kept) skips the pre-join screen: rejoin is automatic. */
    wantsLobby: ({ context }) => wantsPreJoin(context),
    /** A refresh taking back its seat: it rejoins without waiting for its devices (inputs.ts returnsAtOnce). */
    returnsAtOnce: ({ context }) => returnsAtOnce(context),
    /** Join pressed on the pre-join screen before the devices were ready (not a serverless call: its code needs our media). */
    joinsBeforeDevices: ({ context }) => wantsPreJoin(context) && !context.serverless,
    cardStale: ({ context }) => context.cardStale,
    heardFromRoom: ({ event }) => ROOM_NEWS.has(event.type),
    // Where the room stands (roster.ts `roomView`): exactly one of these holds at a time.
    theyLeft: roomIs("peerLeft"),
    nobodyHere: roomIs("waiting"),
    someoneUp: roomIs("inCall"),
    someoneInTrouble: roomIs("reconnecting"),
    stillConnecting: roomIs("connecting"),
    fatalSignalingError: ({ event }) =>
      event.type === "SIGNALING.ERROR" && event.code !== "unknown-peer" && event.code !== "rate-limited" && event.code !== "sfu-failed",
    /** The server was updated under a running call: the call itself needs no server, so it goes on. */
    outdatedMidCall: ({ context, event }) => event.type === "SIGNALING.ERROR" && event.code === "bad-version" && participantList(context.peers).some(isUp),
  },
  actions: {
    /** Side effects a test can swap: where the seat token is kept, and the address bar. */
    loadSeat: assign({
      token: ({ context }) => (context.room ? loadSeat(context.room) : null),
      returnIce: ({ context }) => (context.room ? loadReturnIce(context.room) : null),
      relayOnly: () => loadRelayOnly(),
      name: ({ context }) => context.name || loadName(),
    }),
    saveName: ({ context }) => saveName(context.name),
    takeName: assign({
      name: ({ event }) => {
        assertEvent(event, "SET_NAME");
        return event.name.slice(0, NAME_MAX * 2);
      },
    }),
    saveRelayOnly: ({ context }) => saveRelayOnly(context.relayOnly),
    saveSeat: ({ context, event }) => {
      if (!context.room || !context.token) return;
      saveSeat(context.room, context.token);
      if (event.type === "SIGNALING.JOINED") saveReturnIce(context.room, { iceServers: event.iceServers, group: event.mode === "sfu" });
    },
    /** The relay servers the server gave us, for a later Join pressed before its peek's answer (inputs.ts joinPlan). */
    keepLastIce: ({ context, event }) => {
      assertEvent(event, "SIGNALING.JOINED");
      if (!context.serverless) saveLastIce(event.iceServers);
    },
    forgetSeat: ({ context }) => {
      if (!context.room) return;
      saveSeat(context.room, null);
      saveReturnIce(context.room, null);
    },
    showRoomInAddressBar: ({ context }) => showRoomInAddressBar(context.room, context.secret),
    reloadPage: () => location.reload(),
    showHomeInAddressBar: () => showHomeInAddressBar(),

    // ---- starting and leaving ----
    startCall: assign(({ event }) => {
      assertEvent(event, "START");
      return {
        room: event.room,
        secret: event.secret ?? null,
        // Derived once per call (WebCrypto is async: whoever uses a key waits for it).
        keys: event.secret ? new KeyRing(deriveKeys(event.secret, event.room), event.room) : null,
        lobby: event.lobby ?? false,
        error: null,
        serverless: null,
        signalingFailed: false,
        outdated: false,
      };
    }),
    startServerless: assign(({ event }) => {
      assertEvent(event, "START_SERVERLESS");
      return { room: null, secret: null, keys: null, token: null, error: null, serverless: { ...initialServerlessView(event.role), connected: false } };
    }),
    /** A serverless call starts its exchange of codes afresh in the room (Rejoin too). */
    resetServerlessView: assign({ serverless: ({ context }) => context.serverless && { ...initialServerlessView(context.serverless.role), connected: false } }),
    /** The link to the other side: the signaling server, or in a serverless call the codes people carry. */
    startLink: enqueueActions(({ context, enqueue }) => {
      if (context.serverless) enqueue.spawnChild("serverlessLink", { id: "signaling", systemId: LINK_ID, input: { role: context.serverless.role } });
      else
        enqueue.spawnChild("signaling", {
          id: "signaling",
          systemId: LINK_ID,
          input: {
            url: context.signalingUrl,
            room: context.room!,
            token: context.token ?? undefined,
            layer: context.firstLayer ?? undefined,
            warm: context.warmSockets,
            messageKeys: context.keys,
            offers: context.prepared,
          },
        });
    }),
    leaveRoom: enqueueActions(({ enqueue }) => {
      enqueue.sendTo(TRANSPORT_ID, { type: "TRANSPORT.LEAVE" });
      enqueue.sendTo("signaling", { type: "SIGNALING.LEAVE" });
      enqueue.assign({ peers: {}, departure: null, greeted: {} });
    }),
    dropPeers: assign({ peers: {} }),
    clearToken: assign({ token: null }),
    clearLobby: assign({ lobby: false }),
    takeFirstLayer: assign({ firstLayer: ({ event }) => (event.type === "JOIN" ? (event.layer ?? null) : null) }),
    takeOccupancy: assign(({ event }) => {
      assertEvent(event, "ROOM.OCCUPANCY");
      return {
        occupancy: { people: event.people, capacity: event.capacity, names: event.names, ...(event.iceServers ? { iceServers: event.iceServers } : {}) },
      };
    }),
    /**
     * The pre-join screen prepares the connection the room calls for, or none (inputs.ts preparePlan);
     * until the peek has answered, a guess made meanwhile (prepareGuess) is kept, fitted to what
     * changed (relay only, the codecs).
     */
    prepareConnection: ({ context }) => {
      const guess = context.prepared.holding ? guessPlan(context) : null;
      context.prepared.want(preparePlan(context) ?? guess, guess ? "now" : undefined);
    },
    /**
     * The pre-join screen shows before the peek has answered (a server 100 ms away answers after the
     * devices are ready, bench/join): the direct connection is made on the guess (inputs.ts joinPlan),
     * at once, before the screen renders, so that its offer is set by a Join pressed the instant the
     * screen shows (made in a task after the render, it was made at Join, and the join waited ~100 ms
     * for it). A peek answered later keeps it or replaces it.
     */
    prepareGuess: ({ context }) => {
      // Not a page that shows no pre-join screen (a refresh taking its seat back prepares its own, returnPlan).
      if (!wantsPreJoin(context)) return;
      const guess = guessPlan(context);
      // Shown while the devices start (`preparing`), the screen is drawn first and the guess made
      // right after its paint, with empty lines their tracks take later: a person's Join comes long
      // after, and one before it makes it at once (prepared.ts `hurry`). Made before that paint, the
      // screen came 16-35 ms later for a first frame no sooner (bench/join, join30).
      if (guess) context.prepared.want(guess, context.local ? "now" : "afterPaint");
    },
    dropPrepared: ({ context }) => context.prepared.drop(),
    /**
     * Join pressed before the preparation was made: it is made during the join's round trip. Pressed
     * before the peek has answered, the direct connection is made on the guess (inputs.ts joinPlan).
     */
    hurryPrepared: ({ context }) => {
      const guess = guessPlan(context);
      if (guess) context.prepared.want(guess);
      context.prepared.hurry();
    },
    /**
     * Join pressed while the devices still start: the direct connection the room calls for (or the
     * guess, before the peek has answered) is made now with an empty sending line of each kind
     * (inputs.ts planWith), which their tracks take as they come. Not a group's path: it is made
     * once joined, and takes the tracks the same way (prepared-group.ts openSfu).
     */
    prepareAtEarlyJoin: ({ context }) => {
      const plan = preparePlan(context) ?? guessPlan(context);
      if (plan && !("group" in plan)) context.prepared.want(plan);
      context.prepared.hurry();
    },
    /**
     * The peek's answer came after Join: a direct connection is made at once (in a microtask, before
     * the `joined` behind the answer is read). Not a group's path, which would only compete with the
     * join (prepared.ts `hurry`); nor a drop: `joined` decides what is used.
     */
    prepareBeforeJoined: ({ context, event }) => {
      assertEvent(event, "SIGNALING.OCCUPANCY");
      const { people, capacity, iceServers } = event;
      const plan = preparePlan({ ...context, occupancy: { people, capacity, names: [], ...(iceServers ? { iceServers } : {}) } });
      if (!plan || "group" in plan) return;
      context.prepared.want(plan);
      context.prepared.hurry();
    },
    /** A refresh back in its seat prepares its connection while the join is on its way (once: a later rejoin does not). */
    prepareReturn: enqueueActions(({ context, enqueue }) => {
      const plan = returnPlan(context);
      if (!context.returnIce) return;
      enqueue.assign({ returnIce: null });
      if (plan) enqueue(() => context.prepared.want(plan, "now"));
    }),
    forgetOccupancy: assign({ occupancy: null }),
    /**
     * Our card for the pre-join screens of people about to join: our name, which the link seals
     * with the link's key (none without one; empty when we have no name, which takes it down).
     */
    showCard: enqueueActions(({ context, enqueue, self }) => {
      enqueue.cancel(CARD_SETTLES);
      if (context.cardStale) enqueue.assign({ cardStale: false });
      if (!context.keys || context.serverless || !self.getSnapshot().children.signaling) return;
      enqueue.sendTo("signaling", { type: "SIGNALING.SEND", msg: { type: "card", data: cardText(context.name) } } satisfies SignalingCommand);
    }),
    /** A name being typed: its card goes when the name settles (or at once on NAME_DONE), the last one typed. */
    showCardLater: enqueueActions(({ enqueue }) => {
      enqueue.cancel(CARD_SETTLES);
      enqueue.raise({ type: "NAME.SETTLED" }, { delay: "cardSettles", id: CARD_SETTLES });
      enqueue.assign({ cardStale: true });
    }),
    markJoin: () => mark("join"),
    startHandover: assign({ handover: true }),
    endHandover: assign({ handover: false }),
    endHandoverIfAlone: assign({ handover: ({ context }) => context.handover && roomView(context.peers, context.departure) !== "waiting" }),
    /**
     * We made a call of two a group: the others' pictures come only once they publish to the media
     * server (a few hundred ms), so the call's view renders now, meanwhile, rather than after
     * their first stream, where its first render stood between our answer and the first frame
     * (bench/join trace.ts --group). A later joiner is offered the others' media at once: its
     * view waits for it, as ever.
     */
    endHandoverIfGroupForms: assign({
      handover: ({ context, event }) => {
        assertEvent(event, "SIGNALING.JOINED");
        return context.handover && !(event.mode === "sfu" && !event.keep && event.peers.length === 2);
      },
    }),
    clearError: assign({ error: null }),
    takeError: assign(({ event }) => {
      assertEvent(event, "SIGNALING.ERROR");
      return { error: { code: event.code, text: event.text } };
    }),
    noteOutdated: assign({ outdated: true, signalingOnline: false }),
    noteOffline: assign({ signalingOnline: false, signalingFailed: true }),
    forwardCode: forwardTo("signaling"),
    takeServerlessView: assign(({ context, event }) => {
      assertEvent(event, "SERVERLESS.VIEW");
      return { serverless: { ...event.view, connected: context.serverless?.connected ?? false } };
    }),
    noteServerlessConnected: assign({ serverless: ({ context }) => context.serverless && { ...context.serverless, connected: true } }),

    // ---- our media ----
    takeLocalMedia: assign(({ event }) => {
      assertEvent(event, "MEDIA.READY");
      mark("devices");
      return {
        local: event.local,
        micOn: (event.local.stream?.getAudioTracks().length ?? 0) > 0,
        camOn: (event.local.stream?.getVideoTracks().length ?? 0) > 0,
      };
    }),
    /**
     * The devices came after we went in (a refresh rejoins without waiting for them): as when they
     * change, the transport sends them and drawing follows the camera; a microphone or camera
     * switched off meanwhile stays off, and everyone hears what we send.
     */
    takeLateMedia: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "MEDIA.READY");
      mark("devices");
      const stream = event.local.stream;
      enqueue.assign({
        micOn: context.micOn && (stream?.getAudioTracks().length ?? 0) > 0,
        camOn: context.camOn && (stream?.getVideoTracks().length ?? 0) > 0,
      });
      enqueue("publishLocal");
      enqueue("broadcastMediaState");
    }),
    dropLocalMedia: assign({ local: null }),
    startLocalMedia: sendTo("media", { type: "MEDIA.START" }),
    stopLocalMedia: sendTo("media", { type: "MEDIA.STOP" }),
    /**
     * Nobody may hear us (the pre-join screen, waiting alone, a connection still coming up) or someone
     * may (a connection is up): the noise suppression sleeps meanwhile (media/denoise.ts).
     */
    notHeard: sendTo("media", { type: "MEDIA.HEARD", on: false } satisfies MediaCommand),
    heardAgain: sendTo("media", { type: "MEDIA.HEARD", on: true } satisfies MediaCommand),
    toggleMic: assign({ micOn: ({ context }) => !context.micOn }),
    toggleCamera: assign({ camOn: ({ context }) => !context.camOn }),
    applyTrackSwitches: enqueueActions(({ context, enqueue }) => {
      context.local?.stream?.getAudioTracks().forEach((t) => (t.enabled = context.micOn));
      context.local?.stream?.getVideoTracks().forEach((t) => (t.enabled = context.camOn));
      // Local media pauses the camera's processing while it is off.
      enqueue.sendTo("media", { type: "MEDIA.CAMERA", on: context.camOn } satisfies MediaCommand);
    }),
    /** The transport (in a room) tells everyone; it also tells each new connection. */
    broadcastMediaState: enqueueActions(({ context, enqueue, system }) => {
      const transport = system.get(TRANSPORT_ID);
      if (transport) enqueue.sendTo(transport, toTransport({ type: "TRANSPORT.MEDIA_STATE", msg: mediaState(context) }));
    }),
    /** What we send changed (devices, screen sharing): the transport publishes it, drawing follows the camera. */
    takeOutgoing: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "MEDIA.OUTGOING");
      const sharing = event.local.sharing ?? false;
      const sharingChanged = (context.local?.sharing ?? false) !== sharing;
      // Starting to share means showing something: video goes on.
      enqueue.assign({ camOn: context.camOn || (sharingChanged && sharing) });
      enqueue("publishLocal");
      if (sharingChanged) enqueue("broadcastMediaState");
    }),
    /** Our media as local media reports it (ready or changed): kept, and sent. */
    publishLocal: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, ["MEDIA.READY", "MEDIA.OUTGOING"]);
      const local = event.local;
      enqueue.assign({ local });
      enqueue("applyTrackSwitches");
      const drawing = system.get(FEATURE_ACTOR.draw);
      if (drawing) enqueue.sendTo(drawing, { type: "DRAW.CAMERA", stream: cameraOf({ ...context, local }) } satisfies DrawCameraEvent as EventObject);
      const transport = system.get(TRANSPORT_ID);
      if (transport) enqueue.sendTo(transport, toTransport({ type: "TRANSPORT.PUBLISH", stream: local.stream, outgoing: local.outgoing ?? null }));
    }),
    setRelayOnly: enqueueActions(({ event, enqueue, system }) => {
      assertEvent(event, "SET_RELAY_ONLY");
      enqueue.assign({ relayOnly: event.on });
      enqueue("saveRelayOnly");
      const transport = system.get(TRANSPORT_ID);
      if (transport) enqueue.sendTo(transport, toTransport({ type: "TRANSPORT.RELAY_ONLY", on: event.on }));
    }),

    // ---- the participants (roster.ts) ----
    takeSeat: assign(({ context, event }) => {
      assertEvent(event, "SIGNALING.JOINED");
      mark("joined");
      return { self: event.self, token: event.token, signalingOnline: true, signalingFailed: false, peers: onJoined(context.peers, event.peers) };
    }),
    /** Drawings are addressed by the participant whose camera they are on: the drawing learns our id. */
    tellDrawingWhoWeAre: enqueueActions(({ event, enqueue, system }) => {
      assertEvent(event, "SIGNALING.JOINED");
      const drawing = system.get(FEATURE_ACTOR.draw);
      if (drawing) enqueue.sendTo(drawing, { type: "DRAW.SELF", self: event.self } satisfies DrawSelfEvent as EventObject);
    }),
    noteArrival: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "SIGNALING.PEER_JOINED");
      enqueue.cancel(`gone:${event.peer}`);
      enqueue.assign({ peers: onArrived(context.peers, event.peer), departure: null });
    }),
    /** Someone arrived in a room of two: their offer follows, and is answered before their arrival is shown (answer-first.ts). */
    awaitTheirOffer: ({ context }) => {
      if (!context.serverless && Object.keys(context.peers).length === 1) answerFirst.hold(OFFER_EXPECTED_MS);
    },
    noteAway: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "SIGNALING.PEER_AWAY");
      if (!context.peers[event.peer]) return;
      enqueue.assign({ peers: patch(context.peers, event.peer, { away: true }) });
      enqueue.raise(...goneLater(event.peer));
    }),
    presumeGone: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "PEER.PRESUMED_GONE");
      const known = context.peers[event.peer];
      if (!known?.away) return;
      // Their socket is gone but media still flows (a slow reload, a network change): look again later.
      if (isUp(known)) enqueue.raise(...goneLater(event.peer));
      else enqueue.assign({ departure: departureOf(known, event.peer, "gone") });
    }),
    noteLeft: assign(({ context, event }) => {
      assertEvent(event, "SIGNALING.PEER_LEFT");
      return { peers: without(context.peers, event.peer), departure: departureOf(context.peers[event.peer], event.peer, event.reason) };
    }),
    noteConnecting: assign(({ context, event }) => {
      assertEvent(event, "TRANSPORT.CONNECTING");
      return { peers: onConnecting(context.peers, event.peer, event.fresh), ...(event.fresh ? { departure: null } : {}) };
    }),
    noteStatus: assign(({ context, event }) => {
      assertEvent(event, "PEER.STATUS");
      if (!context.peers[event.peer]) return {};
      const peers = onStatus(context.peers, event.peer, event.status);
      return event.status === "connected" ? { peers, departure: null, iceError: null } : { peers };
    }),
    /** No server will say a peer went away: in a serverless call that has connected, a lost connection counts as that. */
    serverlessPeerAway: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "PEER.STATUS" || !context.serverless?.connected || (event.status !== "unstable" && event.status !== "restarting")) return;
      const known = context.peers[event.peer];
      if (!known || known.away) return;
      enqueue.assign({ peers: patch(context.peers, event.peer, { away: true }) });
      enqueue.raise(...goneLater(event.peer));
    }),
    takeStream: assign(({ context, event }) => {
      assertEvent(event, "PEER.REMOTE_STREAM");
      return { peers: patch(context.peers, event.peer, { stream: event.stream }) };
    }),
    takeControl: assign(({ context, event }) => {
      assertEvent(event, "PEER.CONTROL");
      return onControl(context.peers, event.peer, event.msg);
    }),
    noteIceError: assign(({ event }) => {
      assertEvent(event, "PEER.ICE_ERROR");
      return { iceError: { code: String(event.code), text: iceErrorText(event) } };
    }),
    /** Peers presumed gone are dropped; if they come back they bring a new session anyway. */
    forgetDeparted: enqueueActions(({ context, enqueue }) => {
      let peers = context.peers;
      for (const p of departed(peers)) {
        enqueue.sendTo(TRANSPORT_ID, { type: "TRANSPORT.DROP", peer: p.id });
        peers = without(peers, p.id);
      }
      enqueue.assign({ peers, departure: null });
    }),
    /** Chat names each message by who sent it: after any change of who is here or what they are called, it hears. */
    tellChatWhoIsWho: enqueueActions(({ context, enqueue, system }) => {
      const chat = system.get(FEATURE_ACTOR.chat);
      if (chat) enqueue.sendTo(chat, { type: "CHAT.PEOPLE", people: spokenNames(context.peers) } satisfies ChatPeopleEvent as EventObject);
    }),
    /** After any change of who is here: a chime and a toast per arrival and departure (not for reconnections). */
    announcePresence: enqueueActions(({ context, enqueue }) => {
      const { greeted, news } = presenceNews(context.peers, context.greeted, context.departure);
      if (news.length === 0) return;
      enqueue.assign({ greeted });
      for (const event of news) enqueue.sendTo(NOTIFY_ID, event);
    }),

    /** A child threw (XState stops it and tells us): it is started again, up to MAX_RESTARTS. */
    restartFailedChild: enqueueActions(({ context, event, enqueue, self }) => {
      const id = event.type.slice("xstate.error.actor.".length);
      console.error(`OneLink: ${id} failed`, "error" in event ? event.error : event);
      stopChildrenOfFailed(self.getSnapshot().children[id]);
      const count = (context.restarts[id] ?? 0) + 1;
      enqueue.assign({ restarts: { ...context.restarts, [id]: count } });
      if (count > MAX_RESTARTS || !self.getSnapshot().matches("inRoom")) return;
      if (id === "signaling") enqueue("startLink");
      else if (id === TRANSPORT_ID) {
        // A new transport, and a fresh join (same seat) tells it who is here.
        enqueue.spawnChild("transport", { id, systemId: id, input: transportInput({ context }) });
        enqueue.stopChild("signaling");
        enqueue("startLink");
      } else if (id === FEATURE_ACTOR.chat) enqueue.spawnChild("chat", { id, systemId: id, input: chatInput({ context }) });
      else if (id === FEATURE_ACTOR.draw) enqueue.spawnChild("drawing", { id, systemId: id, input: drawingInput({ context }) });
      else if (id === STATS_ID) enqueue.spawnChild("stats", { id, systemId: id });
    }),
  },
});
