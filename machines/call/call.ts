/**
 * The call: what the user experiences from pressing "New call" to hanging up. It composes local
 * media, the signaling link and one peer machine per remote member, and decides what their
 * reports mean. Nothing here is limited to two people; the server's room capacity is.
 */
import { assertEvent, assign, cancel, enqueueActions, forwardTo, sendTo, setup, stopChild, type ActorRefFrom } from "xstate";
import type { ControlMessage } from "../../protocol/index.ts";
import { type CallContext, type CallEvent, type CallInput, type PeerEntry } from "./call-types.ts";
import { chatMachine } from "../features/chat.ts";
import { drawingMachine } from "../features/drawing.ts";
import { localMediaMachine } from "../media/local-media.ts";
import { notificationsMachine } from "../features/notifications.ts";
import { peerMachine } from "../transport/peer.ts";
import { connectionInput, isTrouble, isUp, newEntry, newSession, patch, peerList, storageScope, without } from "../transport/roster.ts";
import { signalingMachine } from "../link/signaling.ts";
import { isSeatToken, readStored, writeStored } from "../storage.ts";
import { warmSocketActor } from "../link/socket.ts";
import { FEATURE_ACTOR } from "../transport/channels.ts";
import { statsMachine } from "../features/stats.ts";
import { initialServerlessView, serverlessLink } from "../link/serverless.ts";

/** Inputs of the feature actors, shared by their invoke and by a restart after a failure. */
const chatInput = ({ context }: { context: CallContext }) => ({ room: storageScope(context) });
const drawingInput = ({ context, self }: { context: CallContext; self: { getSnapshot(): { context: CallContext } } }) => ({
  room: storageScope(context),
  // Hands are tracked on the camera as it is now (it may be switched; not while sharing the screen).
  localStream: () => (self.getSnapshot().context.local?.sharing ? null : (self.getSnapshot().context.local?.stream ?? null)),
});
/** How often one part of a call may fail and be restarted before it is given up on. */
const MAX_RESTARTS = 3;

/** A serverless call has no server to warm up a connection to. */
const warmSocketInput = ({ context }: { context: CallContext }) => ({ url: context.serverless ? null : context.signalingUrl });

export * from "./call-types.ts";

export const RELAY_ONLY_KEY = "onelink.relayOnly";
const seatKey = (room: string) => `onelink.seat.${room}`;

export const callMachine = setup({
  types: {
    input: {} as CallInput,
    context: {} as CallContext,
    events: {} as CallEvent,
  },
  actors: { warmSocket: warmSocketActor, localMedia: localMediaMachine, stats: statsMachine, signaling: signalingMachine, serverlessLink, peer: peerMachine, chat: chatMachine, drawing: drawingMachine, notifications: notificationsMachine },
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
    fatalSignalingError: ({ event }) => event.type === "SIGNALING.ERROR" && event.code !== "unknown-peer" && event.code !== "rate-limited",
    /** The server was updated under a running call: the call itself needs no server, so it goes on. */
    outdatedMidCall: ({ context, event }) => event.type === "SIGNALING.ERROR" && event.code === "bad-version" && peerList(context).some(isUp),
  },
  actions: {
    /** Side effects a test can swap: where the seat token is kept, and the address bar. */
    loadSeat: assign({
      token: ({ context }) => (context.room ? readStored("session", seatKey(context.room), isSeatToken) : null),
      relayOnly: () => readStored("local", RELAY_ONLY_KEY, (v) => v === "true" || v === "false") === "true",
    }),
    saveRelayOnly: ({ context }) => void writeStored("local", RELAY_ONLY_KEY, String(context.relayOnly)),
    saveSeat: ({ context }) => {
      if (context.room && context.token) writeStored("session", seatKey(context.room), context.token);
    },
    forgetSeat: ({ context }) => {
      if (context.room) writeStored("session", seatKey(context.room), null);
    },
    /** The link to the other side: the signaling server, or in a serverless call the codes people carry. */
    startLink: enqueueActions(({ context, enqueue }) => {
      const serverless = context.serverless;
      if (!serverless) {
        enqueue.spawnChild("signaling", { id: "signaling", input: { url: context.signalingUrl, room: context.room!, token: context.token ?? undefined } });
        return;
      }
      enqueue.assign({ serverless: { ...initialServerlessView(serverless.role), connected: false } });
      enqueue.spawnChild("serverlessLink", { id: "signaling", input: { role: serverless.role } });
    }),
    noteServerlessConnected: assign({ serverless: ({ context }) => context.serverless && { ...context.serverless, connected: true } }),
    /** No server will say a peer went away: in a serverless call that has connected, a lost connection counts as that. */
    serverlessPeerAway: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "PEER.STATUS" || !context.serverless?.connected || (event.status !== "unstable" && event.status !== "restarting")) return;
      const known = context.peers[event.peer];
      if (!known || known.away) return;
      enqueue.assign({ peers: { ...context.peers, [event.peer]: { ...known, away: true } } });
      enqueue.raise({ type: "PEER.PRESUMED_GONE", peer: event.peer }, { delay: "presumedGone", id: `gone:${event.peer}` });
    }),
    showRoomInAddressBar: ({ context }) => {
      if (context.room === null) return; // a serverless call has no link
      const path = `/c/${encodeURIComponent(context.room ?? "")}`;
      if (location.pathname !== path) history.replaceState(null, "", path + location.search);
    },
    reloadPage: () => location.reload(),
    showHomeInAddressBar: () => {
      if (location.pathname !== "/") history.pushState(null, "", "/" + location.search);
    },
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
    broadcastMediaState: enqueueActions(({ context, enqueue }) => {
      const msg: ControlMessage = { type: "media-state", audio: context.micOn, video: context.camOn, ...(context.local?.sharing ? { screen: true } : {}) };
      for (const p of peerList(context)) if (p.ref) enqueue.sendTo(p.ref, { type: "PEER.SEND_CONTROL", msg });
    }),
    leaveRoom: enqueueActions(({ context, enqueue }) => {
      for (const p of peerList(context)) {
        if (p.ref) {
          enqueue.sendTo(p.ref, { type: "PEER.SEND_CONTROL", msg: { type: "hang-up" } });
          enqueue.stopChild(p.ref);
        }
      }
      enqueue.sendTo("signaling", { type: "SIGNALING.LEAVE" });
      enqueue.assign({ peers: {}, departure: null, greeted: false });
    }),
    /** Peers presumed gone are dropped; if they come back they bring a new session anyway. */
    forgetDeparted: enqueueActions(({ context, enqueue }) => {
      const peers: Record<string, PeerEntry> = {};
      for (const p of peerList(context)) {
        if (p.away && !isUp(p)) {
          if (p.ref) enqueue.stopChild(p.ref);
        } else peers[p.id] = p;
      }
      enqueue.assign({ peers, departure: null });
    }),
    /** Entering inCall: a chime and a toast, once per arrival (not after a reconnection). */
    announceArrival: enqueueActions(({ context, enqueue }) => {
      if (context.greeted) return;
      enqueue.assign({ greeted: true });
      enqueue.sendTo("notify", { type: "NOTIFY.ARRIVED" });
    }),
    /** Entering peerLeft: the same for their departure. */
    announceDeparture: enqueueActions(({ context, enqueue }) => {
      if (!context.greeted) return;
      enqueue.assign({ greeted: false });
      enqueue.sendTo("notify", { type: "NOTIFY.DEPARTED", reason: context.departure?.reason ?? "gone" });
    }),
    /**
     * A child threw (XState stops it and tells us). A peer connection starts afresh with a new
     * session; the link and the features are started again; past MAX_RESTARTS a part is left off.
     */
    restartFailedChild: enqueueActions(({ context, event, enqueue, self }) => {
      const id = event.type.slice("xstate.error.actor.".length);
      console.error(`OneLink: ${id} failed`, "error" in event ? event.error : event);
      const peer = peerList(context).find((p) => p.ref?.id === id);
      const key = peer ? `peer:${peer.id}` : id;
      const count = (context.restarts[key] ?? 0) + 1;
      enqueue.assign({ restarts: { ...context.restarts, [key]: count } });
      if (count > MAX_RESTARTS) return;
      const inRoom = self.getSnapshot().matches("inRoom");
      if (peer) {
        enqueue.assign(({ context: ctx, spawn }) => {
          const session = newSession();
          const ref = spawn("peer", { input: connectionInput(ctx, peer.id, session) });
          return { peers: patch(ctx.peers, peer.id, { ref, session, remoteSession: null, status: "connecting", stream: null }) };
        });
      } else if (id === "signaling" && inRoom) enqueue("startLink");
      else if (id === FEATURE_ACTOR.chat && inRoom) enqueue.spawnChild("chat", { id, input: chatInput({ context }) });
      else if (id === FEATURE_ACTOR.draw && inRoom) enqueue.spawnChild("drawing", { id, input: drawingInput({ context, self }) });
      else if (id === "stats" && inRoom) enqueue.spawnChild("stats", { id });
    }),
    dropPeers: enqueueActions(({ context, enqueue }) => {
      for (const p of peerList(context)) if (p.ref) enqueue.stopChild(p.ref);
      enqueue.assign({ peers: {} });
    }),
  },
}).createMachine({
  id: "call",
  context: ({ input }) => ({
    signalingUrl: input.signalingUrl,
    room: null,
    self: null,
    token: null,
    iceServers: [],
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
    greeted: false,
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
    SET_RELAY_ONLY: { actions: [assign({ relayOnly: ({ event }) => event.on }), "saveRelayOnly"] },
    "MEDIA.OUTGOING": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const sharing = event.local.sharing ?? false;
        const sharingChanged = (context.local?.sharing ?? false) !== sharing;
        // Starting to share means showing something: video goes on.
        enqueue.assign({ local: event.local, camOn: context.camOn || (sharingChanged && sharing) });
        enqueue("applyTrackSwitches");
        const outgoing = event.local.outgoing;
        if (outgoing) for (const p of peerList(context)) if (p.ref) enqueue.sendTo(p.ref, { type: "PEER.OUTGOING", outgoing });
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
          actions: assign({ room: ({ event }) => event.room, lobby: ({ event }) => event.lobby ?? false, error: null, serverless: null, signalingFailed: false, outdated: false }),
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
      invoke: [
        { id: "stats", src: "stats" },
        // Feature actors (ids in FEATURE_ACTOR) are invoked here too.
        { id: FEATURE_ACTOR.chat, src: "chat", input: chatInput },
        { id: FEATURE_ACTOR.draw, src: "drawing", input: drawingInput },
      ],
      initial: "joining",
      states: {
        joining: {},
        waiting: {},
        connecting: {},
        inCall: { entry: ["noteServerlessConnected", "announceArrival"] },
        reconnecting: {},
        peerLeft: {
          entry: "announceDeparture",
          on: { WAIT: { target: "settle", actions: "forgetDeparted" } },
        },
        settle: {
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
            enqueueActions(({ context, event, enqueue }) => {
              const joined: CallContext = { ...context, self: event.self, token: event.token, iceServers: event.iceServers, signalingOnline: true, signalingFailed: false };
              // After a server restart our connection may be alive and well: keep it. One in trouble,
              // or still connecting (its offer or answer may have been lost with the old socket), is
              // replaced by a fresh session (stopped through the machine, never directly).
              const keep = (p: PeerEntry | undefined) => p?.ref && p.status === "connected";
              for (const id of event.peers) {
                const known = context.peers[id];
                if (known?.ref && !keep(known)) enqueue.stopChild(known.ref);
              }
              enqueue.assign(({ spawn }) => {
                const peers = { ...context.peers };
                for (const id of event.peers) {
                  const known = peers[id];
                  if (known && keep(known)) {
                    peers[id] = { ...known, away: false };
                    continue;
                  }
                  const session = newSession();
                  const ref = spawn("peer", { input: connectionInput(joined, id, session) });
                  peers[id] = newEntry(id, { ref, session, status: "connecting" });
                }
                return { ...joined, peers };
              });
            }),
            "saveSeat",
          ],
        },
        "SIGNALING.PEER_JOINED": {
          target: ".settle",
          actions: [cancel(({ event }) => `gone:${event.peer}`), assign(({ context, event }) => {
            const known = context.peers[event.peer];
            return { peers: { ...context.peers, [event.peer]: known ? { ...known, away: false } : newEntry(event.peer) }, departure: null };
          })],
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
            enqueue.assign({ departure: { peer: event.peer, reason: "gone" } });
          }),
        },
        "SIGNALING.PEER_LEFT": {
          target: ".settle",
          actions: enqueueActions(({ context, event, enqueue }) => {
            const known = context.peers[event.peer];
            if (known?.ref) enqueue.stopChild(known.ref);
            enqueue.assign({ peers: without(context.peers, event.peer), departure: { peer: event.peer, reason: event.reason } });
          }),
        },
        "SIGNALING.SIGNAL": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const known = context.peers[event.from];
            if (known?.ref && (known.remoteSession === null || known.remoteSession === event.session)) {
              if (known.remoteSession === null) enqueue.assign({ peers: patch(context.peers, event.from, { remoteSession: event.session }) });
              enqueue.sendTo(known.ref, { type: "PEER.SIGNAL_IN", data: event.data });
              return;
            }
            // A new session from them: their page or connection is new, so start afresh. Only an
            // offer can start one; stray candidates of a dead session are dropped.
            if (!("description" in event.data) || event.data.description.type !== "offer") return;
            if (known?.ref) enqueue.stopChild(known.ref);
            enqueue.assign(({ context: ctx, spawn }) => {
              const session = newSession();
              const ref = spawn("peer", { input: connectionInput(ctx, event.from, session, event.data) });
              const entry = newEntry(event.from, { ref, session, remoteSession: event.session, status: "connecting" });
              return { peers: { ...ctx.peers, [event.from]: entry }, departure: null };
            });
          }),
        },
        "SIGNALING.OFFLINE": { actions: assign({ signalingOnline: false, signalingFailed: true }) },
        "SERVERLESS.VIEW": { actions: assign({ serverless: ({ context, event }) => ({ ...event.view, connected: context.serverless?.connected ?? false }) }) },
        "CODE.*": { actions: forwardTo("signaling") },
        "SIGNALING.ICE_SERVERS": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.assign({ iceServers: event.iceServers });
            for (const p of peerList(context)) if (p.ref) enqueue.sendTo(p.ref, { type: "PEER.SET_ICE_SERVERS", iceServers: event.iceServers });
          }),
        },
        "PEER.ICE_ERROR": {
          actions: assign({
            iceError: ({ event }) => ({
              code: String(event.code),
              text:
                event.code === 401
                  ? "The relay (TURN) server refused our credentials; they may have expired. Reload to get new ones."
                  : `The relay (TURN) server ${event.url} could not be used (${event.code} ${event.text}).`,
            }),
          }),
        },
        "SIGNALING.ERROR": [
          { guard: "outdatedMidCall", actions: assign({ outdated: true, signalingOnline: false }) },
          {
            guard: "fatalSignalingError",
            target: "#call.failed",
            actions: assign({ error: ({ event }) => ({ code: event.code, text: event.text }) }),
          },
        ],
        "PEER.SIGNAL_OUT": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            // Only the current session of a peer may speak.
            if (context.peers[event.peer]?.session !== event.session) return;
            enqueue.sendTo("signaling", {
              type: "SIGNALING.SEND",
              msg: { type: "signal", peer: event.peer, session: event.session, data: event.data },
            });
          }),
        },
        "PEER.STATUS": {
          target: ".settle",
          actions: [
            assign(({ context, event }) => {
              if (!context.peers[event.peer]) return {};
              if (event.status !== "connected") return { peers: patch(context.peers, event.peer, { status: event.status }) };
              return { peers: patch(context.peers, event.peer, { status: event.status, away: false }), departure: null, iceError: null };
            }),
            "serverlessPeerAway",
          ],
        },
        "PEER.REMOTE_STREAM": {
          actions: assign({ peers: ({ context, event }) => patch(context.peers, event.peer, { stream: event.stream }) }),
        },
        "PEER.CONTROL_OPEN": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const ref = context.peers[event.peer]?.ref;
            if (!ref) return;
            const screen = context.local?.sharing ? { screen: true } : {};
            enqueue.sendTo(ref, { type: "PEER.SEND_CONTROL", msg: { type: "media-state", audio: context.micOn, video: context.camOn, ...screen } });
            // Their connection started from our stream's tracks; now also tab audio and sender parameters.
            if (context.local?.outgoing) enqueue.sendTo(ref, { type: "PEER.OUTGOING", outgoing: context.local.outgoing });
          }),
        },
        "STATS.POLL": {
          actions: enqueueActions(({ context, enqueue }) => {
            for (const p of peerList(context)) if (p.ref) enqueue.sendTo(p.ref, { type: "PEER.GET_STATS" });
          }),
        },
        "PEER.STATS": { actions: sendTo("stats", ({ event }) => ({ type: "STATS.SAMPLE" as const, peer: event.peer, sample: event.sample })) },
        "PEER.CHANNEL_OPEN": {
          actions: enqueueActions(({ event, enqueue, self }) => {
            const id = FEATURE_ACTOR[event.channel];
            if (self.getSnapshot().children[id]) enqueue.sendTo(id, { type: "FEATURE.PEER_OPEN", channel: event.channel, peer: event.peer });
          }),
        },
        "PEER.CHANNEL_MESSAGE": {
          actions: enqueueActions(({ event, enqueue, self }) => {
            const id = FEATURE_ACTOR[event.channel];
            if (self.getSnapshot().children[id]) {
              enqueue.sendTo(id, { type: "FEATURE.MESSAGE", channel: event.channel, peer: event.peer, data: event.data });
            }
          }),
        },
        "FEATURE.SEND": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const targets = event.peer ? [context.peers[event.peer]] : peerList(context);
            for (const p of targets) {
              if (p?.ref) enqueue.sendTo(p.ref, { type: "PEER.CHANNEL_SEND", channel: event.channel, data: event.data });
            }
          }),
        },
        "PEER.CONTROL": {
          target: ".settle",
          actions: enqueueActions(({ context, event, enqueue }) => {
            const known = context.peers[event.peer];
            if (!known) return;
            if (event.msg.type === "media-state") {
              const { audio, video, screen = false } = event.msg;
              enqueue.assign({ peers: patch(context.peers, event.peer, { audio, video, screen }) });
            } else if (event.msg.type === "hang-up") {
              if (known.ref) enqueue.stopChild(known.ref);
              enqueue.assign({ peers: without(context.peers, event.peer), departure: { peer: event.peer, reason: "left" } });
            }
          }),
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
