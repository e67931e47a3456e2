/**
 * The call: what the user experiences from pressing "New call" to hanging up. It composes local
 * media, the link to the server (or the serverless codes), the transport that connects us to the
 * participants, and the features; it keeps the participants (roster.ts) and decides what the
 * reports about them mean. Feature messages never pass through here: the features and the
 * transport find each other by system id. Nothing here is limited to two people.
 */
import { stopChildrenOfFailed } from "../failed-actor.ts";
import { assertEvent, type EventObject, assign, cancel, enqueueActions, forwardTo, sendTo, setup, stopChild, type ActorRefFrom } from "xstate";
import { chatMachine } from "../features/chat.ts";
import { drawingMachine, type DrawCameraEvent } from "../features/drawing.ts";
import { notificationsMachine } from "../features/notifications.ts";
import { statsMachine } from "../features/stats.ts";
import { initialServerlessView, serverlessLink } from "../link/serverless.ts";
import { signalingMachine } from "../link/signaling.ts";
import { WarmSockets, warmSocketActor } from "../link/socket.ts";
import { localMediaMachine } from "../media/local-media.ts";
import { loadName, loadRelayOnly, loadSeat, RELAY_ONLY_KEY, saveName, saveRelayOnly, saveSeat } from "../storage.ts";
import { NAME_MAX } from "../../protocol/index.ts";
import { FEATURE_ACTOR } from "../transport/channels.ts";
import { LINK_ID, meshTransport, STATS_ID, TRANSPORT_ID, type TransportCommand } from "../transport/mesh.ts";
import type { CallContext, CallEvent, CallInput } from "./call-types.ts";
import {
  cameraOf,
  chatInput,
  drawingInput,
  iceErrorText,
  mediaState,
  showHomeInAddressBar,
  showRoomInAddressBar,
  transportInput,
  warmSocketInput,
} from "./inputs.ts";
import {
  departed,
  departureOf,
  isTrouble,
  isUp,
  onArrived,
  onConnecting,
  onControl,
  onJoined,
  onStatus,
  participantList,
  patch,
  presenceNews,
  without,
} from "./roster.ts";

const peerList = (context: CallContext) => participantList(context.peers);
/** A command for the transport, found by system id (it exists only in a room). */
const toTransport = (command: TransportCommand): EventObject => command;
/** How often one part of a call may fail and be restarted before it is given up on. */
const MAX_RESTARTS = 3;

export * from "./call-types.ts";

export { RELAY_ONLY_KEY };

export const callMachine = setup({
  types: {
    input: {} as CallInput,
    context: {} as CallContext,
    events: {} as CallEvent,
  },
  actors: {
    warmSocket: warmSocketActor,
    localMedia: localMediaMachine,
    stats: statsMachine,
    signaling: signalingMachine,
    serverlessLink,
    transport: meshTransport,
    chat: chatMachine,
    drawing: drawingMachine,
    notifications: notificationsMachine,
  },
  delays: {
    /** A member away (socket dropped) with a dead connection for this long is presumed gone; they may still return. */
    presumedGone: 3_000,
  },
  guards: {
    /** A returning refresh (a seat token is kept) skips the pre-join screen: rejoin is automatic. */
    wantsLobby: ({ context }) => context.lobby && !context.token,
    nobody: ({ context }) => peerList(context).length === 0,
    presumedGone: ({ context }) => context.departure !== null && !peerList(context).some(isUp),
    anyoneUp: ({ context }) => peerList(context).some((p) => isUp(p) && !p.away),
    anyoneInTrouble: ({ context }) => peerList(context).some(isTrouble),
    fatalSignalingError: ({ event }) =>
      event.type === "SIGNALING.ERROR" && event.code !== "unknown-peer" && event.code !== "rate-limited" && event.code !== "sfu-failed",
    /** The server was updated under a running call: the call itself needs no server, so it goes on. */
    outdatedMidCall: ({ context, event }) => event.type === "SIGNALING.ERROR" && event.code === "bad-version" && peerList(context).some(isUp),
  },
  actions: {
    /** Side effects a test can swap: where the seat token is kept, and the address bar. */
    loadSeat: assign({
      token: ({ context }) => (context.room ? loadSeat(context.room) : null),
      relayOnly: () => loadRelayOnly(),
      name: ({ context }) => context.name || loadName(),
    }),
    saveName: ({ context }) => saveName(context.name),
    saveRelayOnly: ({ context }) => saveRelayOnly(context.relayOnly),
    saveSeat: ({ context }) => void (context.room && context.token && saveSeat(context.room, context.token)),
    forgetSeat: ({ context }) => void (context.room && saveSeat(context.room, null)),
    /** The link to the other side: the signaling server, or in a serverless call the codes people carry. */
    startLink: enqueueActions(({ context, enqueue }) => {
      const serverless = context.serverless;
      if (!serverless) {
        enqueue.spawnChild("signaling", {
          id: "signaling",
          systemId: LINK_ID,
          input: { url: context.signalingUrl, room: context.room!, token: context.token ?? undefined, warm: context.warmSockets },
        });
        return;
      }
      enqueue.assign({ serverless: { ...initialServerlessView(serverless.role), connected: false } });
      enqueue.spawnChild("serverlessLink", { id: "signaling", systemId: LINK_ID, input: { role: serverless.role } });
    }),
    noteServerlessConnected: assign({ serverless: ({ context }) => context.serverless && { ...context.serverless, connected: true } }),
    /** No server will say a peer went away: in a serverless call that has connected, a lost connection counts as that. */
    serverlessPeerAway: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "PEER.STATUS" || !context.serverless?.connected || (event.status !== "unstable" && event.status !== "restarting")) return;
      const known = context.peers[event.peer];
      if (!known || known.away) return;
      enqueue.assign({ peers: patch(context.peers, event.peer, { away: true }) });
      enqueue.raise({ type: "PEER.PRESUMED_GONE", peer: event.peer }, { delay: "presumedGone", id: `gone:${event.peer}` });
    }),
    showRoomInAddressBar: ({ context }) => showRoomInAddressBar(context.room),
    reloadPage: () => location.reload(),
    showHomeInAddressBar: () => showHomeInAddressBar(),
    takeLocalMedia: assign(({ event }) => {
      assertEvent(event, "MEDIA.READY");
      return {
        local: event.local,
        micOn: (event.local.stream?.getAudioTracks().length ?? 0) > 0,
        camOn: (event.local.stream?.getVideoTracks().length ?? 0) > 0,
      };
    }),
    startLocalMedia: sendTo("media", { type: "MEDIA.START" }),
    stopLocalMedia: sendTo("media", { type: "MEDIA.STOP" }),
    applyTrackSwitches: ({ context }) => {
      context.local?.stream?.getAudioTracks().forEach((t) => (t.enabled = context.micOn));
      context.local?.stream?.getVideoTracks().forEach((t) => (t.enabled = context.camOn));
    },
    /** The transport (in a room) tells everyone; it also tells each new connection. */
    broadcastMediaState: enqueueActions(({ context, enqueue, system }) => {
      const transport = system.get(TRANSPORT_ID);
      if (transport) enqueue.sendTo(transport, toTransport({ type: "TRANSPORT.MEDIA_STATE", msg: mediaState(context) }));
    }),
    leaveRoom: enqueueActions(({ enqueue }) => {
      enqueue.sendTo(TRANSPORT_ID, { type: "TRANSPORT.LEAVE" });
      enqueue.sendTo("signaling", { type: "SIGNALING.LEAVE" });
      enqueue.assign({ peers: {}, departure: null, greeted: {} });
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
    /** After any change of who is here: a chime and a toast per arrival and departure (not for reconnections). */
    announcePresence: enqueueActions(({ context, enqueue }) => {
      const { greeted, news } = presenceNews(context.peers, context.greeted, context.departure);
      if (news.length === 0) return;
      enqueue.assign({ greeted });
      for (const event of news) enqueue.sendTo("notify", event);
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
    dropPeers: assign({ peers: {} }),
  },
}).createMachine({
  id: "call",
  context: ({ input }) => ({
    signalingUrl: input.signalingUrl,
    warmSockets: new WarmSockets(),
    room: null,
    self: null,
    token: null,
    local: null,
    micOn: true,
    camOn: true,
    peers: {},
    signalingOnline: false,
    signalingFailed: false,
    outdated: false,
    relayOnly: false,
    iceError: null,
    departure: null,
    error: null,
    serverless: null,
    lobby: false,
    name: "",
    greeted: {},
    restarts: {},
  }),
  // Local media lives as long as the call actor; MEDIA.START/STOP open and close the devices.
  // Toasts and chimes ("notify") too.
  invoke: [
    { id: "media", src: "localMedia" },
    { id: "notify", src: "notifications" },
  ],
  on: {
    // A part of the call that throws is reported and restarted, never left dead under a live page.
    "xstate.error.actor.*": { actions: "restartFailedChild" },
    // What we call ourselves, as typed (cleaned when kept and when sent); everyone hears it with our media state.
    SET_NAME: { actions: [assign({ name: ({ event }) => event.name.slice(0, NAME_MAX * 2) }), "saveName", "broadcastMediaState"] },
    SET_RELAY_ONLY: {
      actions: [
        assign({ relayOnly: ({ event }) => event.on }),
        "saveRelayOnly",
        enqueueActions(({ event, enqueue, system }) => {
          const transport = system.get(TRANSPORT_ID);
          if (transport) enqueue.sendTo(transport, toTransport({ type: "TRANSPORT.RELAY_ONLY", on: event.on }));
        }),
      ],
    },
    "MEDIA.OUTGOING": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const sharing = event.local.sharing ?? false;
        const sharingChanged = (context.local?.sharing ?? false) !== sharing;
        // Starting to share means showing something: video goes on.
        enqueue.assign({ local: event.local, camOn: context.camOn || (sharingChanged && sharing) });
        enqueue("applyTrackSwitches");
        const drawing = system.get(FEATURE_ACTOR.draw);
        if (drawing)
          enqueue.sendTo(drawing, { type: "DRAW.CAMERA", stream: cameraOf({ ...context, local: event.local }) } satisfies DrawCameraEvent as EventObject);
        const transport = system.get(TRANSPORT_ID);
        if (transport)
          enqueue.sendTo(transport, toTransport({ type: "TRANSPORT.PUBLISH", stream: event.local.stream, outgoing: event.local.outgoing ?? null }));
        if (sharingChanged) enqueue("broadcastMediaState");
      }),
    },
  },
  initial: "idle",
  states: {
    idle: {
      on: {
        START: {
          target: "preparing",
          actions: assign({
            room: ({ event }) => event.room,
            lobby: ({ event }) => event.lobby ?? false,
            error: null,
            serverless: null,
            signalingFailed: false,
            outdated: false,
          }),
        },
        START_SERVERLESS: {
          target: "preparing",
          actions: assign({ room: null, token: null, error: null, serverless: ({ event }) => ({ ...initialServerlessView(event.role), connected: false }) }),
        },
      },
    },
    preparing: {
      entry: ["loadSeat", "showRoomInAddressBar", "startLocalMedia"],
      // The server connection opens while the camera starts, so joining does not wait for it.
      invoke: { src: "warmSocket", input: warmSocketInput },
      on: {
        "MEDIA.READY": [
          { guard: "wantsLobby", target: "lobby", actions: "takeLocalMedia" },
          { target: "inRoom", actions: "takeLocalMedia" },
        ],
        EXIT: { target: "idle", actions: ["stopLocalMedia", "showHomeInAddressBar"] },
      },
    },
    /** Pre-join: see yourself, check the microphone, pick devices, then Join. */
    lobby: {
      invoke: { src: "warmSocket", input: warmSocketInput },
      on: {
        JOIN: "inRoom",
        EXIT: { target: "idle", actions: ["stopLocalMedia", "showHomeInAddressBar"] },
      },
    },
    inRoom: {
      // The link (id "signaling") is spawned, not invoked, as which one depends on the mode. Exit
      // actions run before it is stopped, so the `leave` still goes out.
      entry: "startLink",
      exit: ["leaveRoom", stopChild("signaling")],
      // Features find the transport (and it them) by system id: their messages never pass through here.
      invoke: [
        { id: TRANSPORT_ID, systemId: TRANSPORT_ID, src: "transport", input: transportInput },
        { id: STATS_ID, systemId: STATS_ID, src: "stats" },
        { id: FEATURE_ACTOR.chat, systemId: FEATURE_ACTOR.chat, src: "chat", input: chatInput },
        { id: FEATURE_ACTOR.draw, systemId: FEATURE_ACTOR.draw, src: "drawing", input: drawingInput },
      ],
      initial: "joining",
      states: {
        joining: {},
        waiting: {},
        connecting: {},
        inCall: { entry: "noteServerlessConnected" },
        reconnecting: {},
        peerLeft: {
          on: { WAIT: { target: "settle", actions: "forgetDeparted" } },
        },
        settle: {
          entry: "announcePresence",
          always: [
            { guard: "presumedGone", target: "peerLeft" },
            { guard: "nobody", target: "waiting" },
            { guard: "anyoneUp", target: "inCall" },
            { guard: "anyoneInTrouble", target: "reconnecting" },
            { target: "connecting" },
          ],
        },
      },
      on: {
        "SIGNALING.JOINED": {
          target: ".settle",
          actions: [
            assign(({ context, event }) => ({
              self: event.self,
              token: event.token,
              signalingOnline: true,
              signalingFailed: false,
              peers: onJoined(context.peers, event.peers),
            })),
            "saveSeat",
            forwardTo(TRANSPORT_ID),
          ],
        },
        "SIGNALING.PEER_JOINED": {
          target: ".settle",
          actions: [
            cancel(({ event }) => `gone:${event.peer}`),
            assign(({ context, event }) => ({ peers: onArrived(context.peers, event.peer), departure: null })),
          ],
        },
        "SIGNALING.PEER_AWAY": {
          target: ".settle",
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (!context.peers[event.peer]) return;
            enqueue.assign({ peers: patch(context.peers, event.peer, { away: true }) });
            enqueue.raise({ type: "PEER.PRESUMED_GONE", peer: event.peer }, { delay: "presumedGone", id: `gone:${event.peer}` });
          }),
        },
        "PEER.PRESUMED_GONE": {
          target: ".settle",
          actions: enqueueActions(({ context, event, enqueue }) => {
            const known = context.peers[event.peer];
            if (!known?.away) return;
            // Their socket is gone but media still flows (a slow reload, a network change): look again later.
            if (isUp(known)) {
              enqueue.raise({ type: "PEER.PRESUMED_GONE", peer: event.peer }, { delay: "presumedGone", id: `gone:${event.peer}` });
              return;
            }
            enqueue.assign({ departure: departureOf(known, event.peer, "gone") });
          }),
        },
        "SIGNALING.PEER_LEFT": {
          target: ".settle",
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.sendTo(TRANSPORT_ID, event);
            enqueue.assign({ peers: without(context.peers, event.peer), departure: departureOf(context.peers[event.peer], event.peer, event.reason) });
          }),
        },
        "SIGNALING.SIGNAL": { actions: forwardTo(TRANSPORT_ID) },
        "SIGNALING.ICE_SERVERS": { actions: forwardTo(TRANSPORT_ID) },
        "SIGNALING.MODE": { actions: forwardTo(TRANSPORT_ID) },
        "SIGNALING.SFU": { actions: forwardTo(TRANSPORT_ID) },
        "SIGNALING.RELAY": { actions: forwardTo(TRANSPORT_ID) },
        "TRANSPORT.CONNECTING": {
          target: ".settle",
          actions: assign(({ context, event }) => ({
            peers: onConnecting(context.peers, event.peer, event.fresh),
            ...(event.fresh ? { departure: null } : {}),
          })),
        },
        "SIGNALING.OFFLINE": { actions: assign({ signalingOnline: false, signalingFailed: true }) },
        "SERVERLESS.VIEW": { actions: assign({ serverless: ({ context, event }) => ({ ...event.view, connected: context.serverless?.connected ?? false }) }) },
        "CODE.*": { actions: forwardTo("signaling") },
        "PEER.ICE_ERROR": { actions: assign({ iceError: ({ event }) => ({ code: String(event.code), text: iceErrorText(event) }) }) },
        "SIGNALING.ERROR": [
          { guard: "outdatedMidCall", actions: assign({ outdated: true, signalingOnline: false }) },
          {
            guard: "fatalSignalingError",
            target: "#call.failed",
            actions: assign({ error: ({ event }) => ({ code: event.code, text: event.text }) }),
          },
        ],
        "PEER.STATUS": {
          target: ".settle",
          actions: [
            assign(({ context, event }) => {
              if (!context.peers[event.peer]) return {};
              const peers = onStatus(context.peers, event.peer, event.status);
              return event.status === "connected" ? { peers, departure: null, iceError: null } : { peers };
            }),
            "serverlessPeerAway",
          ],
        },
        "PEER.REMOTE_STREAM": {
          actions: assign({ peers: ({ context, event }) => patch(context.peers, event.peer, { stream: event.stream }) }),
        },
        "PEER.CONTROL": {
          target: ".settle",
          actions: assign(({ context, event }) => onControl(context.peers, event.peer, event.msg)),
        },
        TOGGLE_MIC: { actions: [assign({ micOn: ({ context }) => !context.micOn }), "applyTrackSwitches", "broadcastMediaState"] },
        TOGGLE_CAMERA: { actions: [assign({ camOn: ({ context }) => !context.camOn }), "applyTrackSwitches", "broadcastMediaState"] },
        // Hanging up turns the camera and microphone off (their lights too); Rejoin opens them again.
        HANG_UP: { target: "ended", actions: ["forgetSeat", "stopLocalMedia", assign({ local: null })] },
        EXIT: { target: "idle", actions: ["forgetSeat", "stopLocalMedia", "showHomeInAddressBar"] },
      },
    },
    ended: {
      on: {
        REJOIN: { target: "preparing", actions: assign({ token: null, lobby: false }) },
        EXIT: { target: "idle", actions: ["stopLocalMedia", "showHomeInAddressBar"] },
      },
    },
    failed: {
      // Not in a call: the camera and microphone are released until Try again.
      entry: ["dropPeers", "stopLocalMedia", assign({ local: null })],
      on: {
        REJOIN: { target: "preparing", actions: assign({ error: null, lobby: false }) },
        RELOAD: { actions: "reloadPage" },
        EXIT: { target: "idle", actions: ["stopLocalMedia", "showHomeInAddressBar", assign({ error: null })] },
      },
    },
  },
});

export type CallActor = ActorRefFrom<typeof callMachine>;
