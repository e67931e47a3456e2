/**
 * The call: what the user experiences from pressing "New call" to hanging up. It composes local
 * media, the link to the server (or the serverless codes), the transport that connects us to the
 * participants, and the features; it keeps the participants (roster.ts) and decides what the
 * reports about them mean. Signals and feature messages never pass through here: the link, the
 * transport and the features find each other by system id. Nothing here is limited to two people.
 *
 * This file is the story; its actors, guards and actions are named in setup.ts.
 */
import { type ActorRefFrom, stopChild } from "xstate";
import { Sounds } from "../features/sound.ts";
import { WarmSockets } from "../link/socket.ts";
import { PreparedSlot } from "../transport/prepared.ts";
import { RELAY_ONLY_KEY } from "../storage.ts";
import { FEATURE_ACTOR } from "../transport/channels.ts";
import { NOTIFY_ID, STATS_ID, TRANSPORT_ID } from "../system-ids.ts";
import { chatInput, drawingInput, roomWatchInput, transportInput, warmSocketInput } from "./inputs.ts";
import { callSetup } from "./setup.ts";

export * from "./call-types.ts";

export { RELAY_ONLY_KEY };

const toIdle = { target: "idle", actions: ["stopLocalMedia", "showHomeInAddressBar", "dropPrepared"] } as const;

export const callMachine = callSetup.createMachine({
  id: "call",
  context: ({ input }) => ({
    signalingUrl: input.signalingUrl,
    warmSockets: new WarmSockets(),
    prepared: new PreparedSlot(),
    sounds: new Sounds(),
    room: null,
    secret: null,
    keys: null,
    self: null,
    token: null,
    firstLayer: null,
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
    handover: false,
    returnIce: null,
    occupancy: null,
    name: "",
    cardStale: false,
    greeted: {},
    restarts: {},
  }),
  // Local media lives as long as the call actor; MEDIA.START/STOP open and close the devices.
  // Toasts and chimes ("notify") too.
  invoke: [
    { id: "media", src: "localMedia" },
    { id: NOTIFY_ID, systemId: NOTIFY_ID, src: "notifications", input: ({ context }) => ({ sounds: context.sounds }) },
  ],
  on: {
    // A part of the call that throws is reported and restarted, never left dead under a live page.
    "xstate.error.actor.*": { actions: "restartFailedChild" },
    // What we call ourselves, as typed (cleaned when kept and when sent); everyone hears it with our media state.
    // Our card (the pre-join screen's name) waits until the name settles or typing is done: one card, not one a keystroke.
    SET_NAME: { actions: ["takeName", "saveName", "broadcastMediaState", "showCardLater"] },
    "NAME.SETTLED": { actions: "showCard" },
    NAME_DONE: { guard: "cardStale", actions: "showCard" },
    SET_RELAY_ONLY: { actions: "setRelayOnly" },
    "MEDIA.OUTGOING": { actions: "takeOutgoing" },
  },
  initial: "idle",
  states: {
    idle: {
      on: {
        START: { target: "preparing", actions: "startCall" },
        START_SERVERLESS: { target: "preparing", actions: "startServerless" },
      },
    },
    preparing: {
      // The pre-join screen shows before the devices are ready: the direct connection is made on a
      // guess here too, after its paint (empty lines their tracks take later), so that a Join finds its offer set.
      entry: ["loadSeat", "showRoomInAddressBar", "startLocalMedia", "forgetOccupancy", "prepareGuess"],
      // The server connection opens while the camera starts, so joining does not wait for it; on
      // its way to the pre-join screen, the page asks on it how full the room is (not a returning refresh).
      invoke: [
        { src: "warmSocket", input: warmSocketInput },
        { src: "roomWatch", input: roomWatchInput },
      ],
      // A refresh back in its seat rejoins now; its devices follow (inRoom MEDIA.READY).
      always: { guard: "returnsAtOnce", target: "inRoom" },
      on: {
        "ROOM.OCCUPANCY": { actions: ["takeOccupancy", "prepareConnection"] },
        // Join pressed on the pre-join screen while the camera and microphone still start (a real
        // camera takes 0.3-1 s): we go in at once, as a refresh does, and their tracks take their
        // places on the connection as they come (inRoom MEDIA.READY). Nothing was sent before Join.
        JOIN: {
          guard: "joinsBeforeDevices",
          target: "inRoom",
          actions: ["markJoin", "takeFirstLayer", "startHandover", "prepareAtEarlyJoin"],
        },
        "MEDIA.READY": [
          { guard: "wantsLobby", target: "lobby", actions: "takeLocalMedia" },
          { target: "inRoom", actions: "takeLocalMedia" },
        ],
        EXIT: toIdle,
      },
    },
    /** Pre-join: see yourself, check the microphone, pick devices, then Join. */
    lobby: {
      // On the socket Join will use, the screen asks how full the room is (a peek, not a join). With
      // one person there, the connection to them is prepared here, its offer made: nothing is sent
      // before Join, after which only the wire remains (transport/prepared.ts). Shown before the peek
      // has answered, the screen prepares that connection on a guess (setup.ts prepareGuess).
      entry: ["prepareConnection", "prepareGuess"],
      invoke: { src: "roomWatch", input: roomWatchInput },
      on: {
        "ROOM.OCCUPANCY": { actions: ["takeOccupancy", "prepareConnection"] },
        SET_RELAY_ONLY: { actions: ["setRelayOnly", "prepareConnection"] },
        "MEDIA.OUTGOING": { actions: ["takeOutgoing", "prepareConnection"] },
        JOIN: { target: "inRoom", actions: ["markJoin", "takeFirstLayer", "startHandover", "hurryPrepared"] },
        EXIT: toIdle,
        // Joining muted or with the camera off: the transport starts from this (inputs.ts mediaState).
        TOGGLE_MIC: { actions: ["toggleMic", "applyTrackSwitches"] },
        TOGGLE_CAMERA: { actions: ["toggleCamera", "applyTrackSwitches"] },
      },
    },
    inRoom: {
      // Exit actions run before the link is stopped, so the `leave` still goes out.
      exit: ["leaveRoom", stopChild("signaling"), "dropPrepared", "endHandover", "notHeard"],
      // The pre-join screen never outstays its welcome: whatever is still on its way, the call shows.
      after: { handoverLimit: { actions: "endHandover" } },
      // Features find the transport (and it them) by system id: their messages never pass through here.
      invoke: [
        { id: TRANSPORT_ID, systemId: TRANSPORT_ID, src: "transport", input: transportInput },
        { id: STATS_ID, systemId: STATS_ID, src: "stats" },
        { id: FEATURE_ACTOR.chat, systemId: FEATURE_ACTOR.chat, src: "chat", input: chatInput },
        { id: FEATURE_ACTOR.draw, systemId: FEATURE_ACTOR.draw, src: "drawing", input: drawingInput },
      ],
      // The reports below change the roster; each state below moves on when the room, as the user
      // would see it (roster.ts `roomView`), is no longer what it shows. Exactly one guard holds.
      initial: "joining",
      states: {
        /** Until the first news of the room (we joined, someone is there, a connection starts). */
        joining: {
          // The link (id "signaling") is spawned, not invoked, as which one depends on the mode; here,
          // after the transport it reports to exists.
          entry: ["resetServerlessView", "startLink", "prepareReturn"],
          always: { guard: "heardFromRoom", target: "waiting" },
          // The pre-join screen's peek answered after Join (pressed the instant it was enabled): the
          // server answers it before `joined`, on the same socket, so `joined` still finds the offer made.
          on: { "SIGNALING.OCCUPANCY": { actions: "prepareBeforeJoined" } },
        },
        waiting: {
          // (Passed through on the way to `connecting` as we join: only nobody here ends the handover.)
          entry: "endHandoverIfAlone",
          // Back to waiting alone after a call: nobody may hear us any more (we start the room unheard).
          after: { aloneQuiet: { actions: "notHeard" } },
          always: [
            { guard: "stillConnecting", target: "connecting" },
            { guard: "someoneUp", target: "inCall" },
            { guard: "someoneInTrouble", target: "reconnecting" },
            { guard: "theyLeft", target: "peerLeft" },
          ],
        },
        connecting: {
          always: [
            { guard: "someoneUp", target: "inCall" },
            { guard: "someoneInTrouble", target: "reconnecting" },
            { guard: "theyLeft", target: "peerLeft" },
            { guard: "nobodyHere", target: "waiting" },
          ],
        },
        inCall: {
          // Someone's connection is up: from now on they may hear us (until we wait alone again).
          entry: ["noteServerlessConnected", "endHandover", "heardAgain"],
          always: [
            { guard: "someoneInTrouble", target: "reconnecting" },
            { guard: "stillConnecting", target: "connecting" },
            { guard: "theyLeft", target: "peerLeft" },
            { guard: "nobodyHere", target: "waiting" },
          ],
        },
        reconnecting: {
          entry: "endHandover",
          always: [
            { guard: "someoneUp", target: "inCall" },
            { guard: "theyLeft", target: "peerLeft" },
            { guard: "stillConnecting", target: "connecting" },
            { guard: "nobodyHere", target: "waiting" },
          ],
        },
        /** They left (or are presumed gone): the user may wait for someone (WAIT) or hang up. */
        peerLeft: {
          entry: "endHandover",
          on: { WAIT: { actions: ["forgetDeparted", "announcePresence", "tellChatWhoIsWho"] } },
          always: [
            { guard: "nobodyHere", target: "waiting" },
            { guard: "someoneUp", target: "inCall" },
            { guard: "stillConnecting", target: "connecting" },
            { guard: "someoneInTrouble", target: "reconnecting" },
          ],
        },
      },
      on: {
        // What the link says of the room (signals go straight to the transport, not through here).
        "SIGNALING.JOINED": {
          actions: [
            "takeSeat",
            "saveSeat",
            "keepLastIce",
            "tellDrawingWhoWeAre",
            "announcePresence",
            "tellChatWhoIsWho",
            "showCard",
            "endHandoverIfGroupForms",
          ],
        },
        "SIGNALING.PEER_JOINED": { actions: ["noteArrival", "awaitTheirOffer", "announcePresence", "tellChatWhoIsWho"] },
        "SIGNALING.PEER_AWAY": { actions: "noteAway" },
        "PEER.PRESUMED_GONE": { actions: ["presumeGone", "announcePresence", "tellChatWhoIsWho"] },
        "SIGNALING.PEER_LEFT": { actions: ["noteLeft", "announcePresence", "tellChatWhoIsWho"] },
        "SIGNALING.OFFLINE": { actions: ["noteOffline", "endHandover"] },
        "SIGNALING.ERROR": [
          { guard: "outdatedMidCall", actions: "noteOutdated" },
          { guard: "fatalSignalingError", target: "#call.failed", actions: "takeError" },
        ],
        "SERVERLESS.VIEW": { actions: "takeServerlessView" },
        "CODE.*": { actions: "forwardCode" },
        // What the transport says of the participants' connections.
        "TRANSPORT.CONNECTING": { actions: ["noteConnecting", "announcePresence", "tellChatWhoIsWho"] },
        "PEER.STATUS": { actions: ["noteStatus", "serverlessPeerAway", "announcePresence", "tellChatWhoIsWho"] },
        "PEER.REMOTE_STREAM": { actions: ["takeStream", "endHandover"] },
        "PEER.CONTROL": { actions: ["takeControl", "announcePresence", "tellChatWhoIsWho"] },
        "PEER.ICE_ERROR": { actions: "noteIceError" },
        // We went in before the devices were ready (a refresh's returnsAtOnce, or Join pressed while they started): they are here now.
        "MEDIA.READY": { actions: "takeLateMedia" },
        // What the user does.
        TOGGLE_MIC: { actions: ["toggleMic", "applyTrackSwitches", "broadcastMediaState"] },
        TOGGLE_CAMERA: { actions: ["toggleCamera", "applyTrackSwitches", "broadcastMediaState"] },
        // Hanging up turns the camera and microphone off (their lights too); Rejoin opens them again.
        HANG_UP: { target: "ended", actions: ["forgetSeat", "stopLocalMedia", "dropLocalMedia"] },
        EXIT: { target: "idle", actions: ["forgetSeat", "stopLocalMedia", "showHomeInAddressBar"] },
      },
    },
    ended: {
      on: {
        REJOIN: { target: "preparing", actions: ["clearToken", "clearLobby"] },
        EXIT: toIdle,
      },
    },
    failed: {
      // Not in a call: the camera and microphone are released until Try again.
      entry: ["dropPeers", "stopLocalMedia", "dropLocalMedia"],
      on: {
        REJOIN: { target: "preparing", actions: ["clearError", "clearLobby"] },
        RELOAD: { actions: "reloadPage" },
        EXIT: { target: "idle", actions: ["stopLocalMedia", "showHomeInAddressBar", "clearError"] },
      },
    },
  },
});

export type CallActor = ActorRefFrom<typeof callMachine>;
