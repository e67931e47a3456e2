import { describe, expect, test } from "bun:test";
import { createActor, enqueueActions, fromCallback, SimulatedClock } from "xstate";
import { callMachine } from "../../machines/call/call.ts";
import { mediaState } from "../../machines/call/inputs.ts";
import type { LocalMedia } from "../../machines/media/media.ts";
import type { NotificationsEvent } from "../../machines/features/notifications.ts";
import type { PeerCommand, PeerInput } from "../../machines/transport/peer.ts";
import { meshTransport, type TransportEvent } from "../../machines/transport/mesh.ts";
import type { CallEvent } from "../../machines/call/call.ts";
import { hearersOf, type SignalingCommand, type SignalingInput, type SignalingReport } from "../../machines/link/signaling.ts";
import { phaseOf } from "../../ui/selectors.ts";
import type { ChatMessage, chatMachine } from "../../machines/features/chat.ts";
import type { drawingMachine } from "../../machines/features/drawing.ts";
import { featureLogics } from "../../machines/features/index.ts";
import { lazyLogic, LogicShelf } from "../../machines/lazy-logic.ts";
import { encodeChat } from "../../protocol/chat-wire.ts";
import { nameOnCard } from "../../protocol/cards.ts";
import { newSecret } from "../../protocol/e2ee.ts";

function harness(opts: { peerThrowsOn?: string; signalingThrowsOn?: string; transportThrowsOn?: string; stream?: MediaStream; features?: LogicShelf } = {}) {
  const signalingSent: SignalingCommand[] = [];
  const peers: { input: PeerInput; commands: PeerCommand[]; stopped: boolean }[] = [];
  const notices: string[] = [];
  const named: Extract<NotificationsEvent, { type: "NOTIFY.ARRIVED" | "NOTIFY.DEPARTED" }>[] = [];
  const media: string[] = [];
  /** The camera switch as local media is told it (it pauses the background pipeline while off). */
  const cameraOn: boolean[] = [];
  /** Whether anyone may hear us, as local media is told it (the noise suppression sleeps while nobody can). */
  const heard: boolean[] = [];
  const reloads: number[] = [];
  /** Warm sockets: "+url" when one is held, "-url" when let go. */
  const warm: string[] = [];
  let linkStarts = 0;
  const machine = callMachine.provide({
    actors: {
      warmSocket: fromCallback<{ type: string }, { url: string | null }>(({ input }) => {
        warm.push(`+${input.url}`);
        return () => void warm.push(`-${input.url}`);
      }) as never,
      // The pre-join screen's watch holds the warm socket too; it answers at once that one person is there.
      roomWatch: fromCallback<{ type: string }, { url: string | null; room: string | null }>(({ input, sendBack }) => {
        warm.push(`+${input.url} ${input.room}`);
        sendBack({ type: "ROOM.OCCUPANCY", people: 1, capacity: 2, names: ["Ada"] });
        return () => void warm.push(`-${input.url} ${input.room}`);
      }) as never,
      // The local media machine answers MEDIA.START with MEDIA.READY (here: nothing to send).
      localMedia: fromCallback<{ type: string; on?: boolean }>(({ sendBack, receive }) =>
        receive((e) => {
          if (e.type === "MEDIA.CAMERA") return void cameraOn.push(e.on as boolean);
          if (e.type === "MEDIA.HEARD") return void heard.push(e.on as boolean);
          media.push(e.type);
          if (e.type === "MEDIA.START") sendBack({ type: "MEDIA.READY", local: { stream: opts.stream ?? null, issue: null } satisfies LocalMedia });
        }),
      ) as never,
      signaling: fromCallback<SignalingCommand, SignalingInput>(({ receive }) => {
        linkStarts++;
        receive((c) => {
          signalingSent.push(c);
          if (c.type === opts.signalingThrowsOn) throw new Error(`signaling broke on ${c.type}`);
        });
      }) as never,
      // Connections are the transport's: its peers are the fakes.
      transport: meshTransport.provide({
        actors: {
          peer: fromCallback<PeerCommand, PeerInput>(({ input, receive }) => {
            const record = { input, commands: [] as PeerCommand[], stopped: false };
            peers.push(record);
            receive((c) => {
              record.commands.push(c);
              if (c.type === opts.peerThrowsOn) throw new Error(`peer broke on ${c.type}`);
            });
            return () => (record.stopped = true);
          }) as never,
        },
        actions: opts.transportThrowsOn
          ? {
              forwardToCall: enqueueActions(({ event, enqueue }) => {
                if (event.type === opts.transportThrowsOn) throw new Error(`transport broke on ${event.type}`);
                enqueue.sendParent(event);
              }),
            }
          : {},
      }),
      // The features' code on a shelf of the test's own, put there when the test says (machines/lazy-logic.ts).
      ...(opts.features
        ? { chat: lazyLogic<typeof chatMachine>("chat", opts.features), drawing: lazyLogic<typeof drawingMachine>("drawing", opts.features) }
        : {}),
      notifications: fromCallback<NotificationsEvent>(({ receive }) =>
        receive((e) => {
          notices.push(e.type === "NOTIFY.DEPARTED" ? `${e.type}:${e.reason}` : e.type);
          if (e.type === "NOTIFY.ARRIVED" || e.type === "NOTIFY.DEPARTED") named.push(e);
        }),
      ) as never,
    },
    actions: {
      loadSeat: () => {},
      saveSeat: () => {},
      forgetSeat: () => {},
      showRoomInAddressBar: () => {},
      showHomeInAddressBar: () => {},
      reloadPage: () => void reloads.push(1),
    },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input: { signalingUrl: "ws://test/ws" }, clock }).start();
  const phase = () => phaseOf(actor.getSnapshot());
  /**
   * What a peer connection or the stats actor reports goes to the transport, and what the link
   * reports to whoever hears it (the call, the transport or both), as in the app; the rest to the call.
   */
  const send = (e: CallEvent | TransportEvent) => {
    const transport = actor.system.get("transport")!;
    if (e.type.startsWith("PEER.") || e.type === "STATS.POLL") transport.send(e);
    else if (e.type.startsWith("SIGNALING.")) for (const to of hearersOf(e as SignalingReport)) (to === "call" ? actor : transport).send(e);
    else actor.send(e as CallEvent);
  };
  const connections = () => actor.system.get("transport")!.getSnapshot().context.connections;
  return { actor, send, connections, clock, phase, signalingSent, peers, notices, named, media, cameraOn, heard, reloads, warm, linkStarts: () => linkStarts };
}

/** The names on the cards sent to the link, in order (null: an empty card, no name). */
const cardsSent = (h: ReturnType<typeof harness>) =>
  h.signalingSent.flatMap((c) => (c.type === "SIGNALING.SEND" && c.msg.type === "card" ? [c.msg.data.byteLength ? nameOnCard(c.msg.data) : null] : []));

/** Started, then joined as "bbb" with `peers` already in the room. */
async function joinedWith(h: ReturnType<typeof harness>, peers: string[]) {
  h.send({ type: "START", room: "room-1" });
  await Promise.resolve();
  await Promise.resolve();
  expect(h.phase()).toBe("joining");
  h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers, iceServers: [] });
}

async function joinedAlone(h: ReturnType<typeof harness>) {
  await joinedWith(h, []);
  expect(h.phase()).toBe("waiting");
}

const offer = { description: { type: "offer" as const, sdp: "v=0" } };

/** Joined alone, then "aaa" offers and the connection comes up. */
async function inCallWithAaa(h: ReturnType<typeof harness>) {
  await joinedAlone(h);
  h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-1", data: offer });
  h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
}

describe("call machine", () => {
  test("a newcomer offers to everyone already in the room", async () => {
    const h = harness();
    h.send({ type: "START", room: "room-1" });
    await Promise.resolve();
    await Promise.resolve();
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa", "ccc"], iceServers: [] });
    expect(h.phase()).toBe("connecting");
    expect(h.peers.map((p) => [p.input.peer, p.input.initiator, p.input.polite])).toEqual([
      ["aaa", true, true],
      ["ccc", true, false],
    ]);
  });

  test("the member waiting answers an offer, and the call is up once the peer connects", async () => {
    const h = harness();
    await joinedAlone(h);
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    expect(h.phase()).toBe("connecting");
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-1", data: offer });
    expect(h.peers).toHaveLength(1);
    expect(h.peers[0]!.input).toMatchObject({ peer: "aaa", initiator: false, firstSignal: offer });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.phase()).toBe("inCall");
    // Later signals of the same session go to the same connection.
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-1", data: { candidate: null } });
    expect(h.peers).toHaveLength(1);
    expect(h.peers[0]!.commands).toContainEqual({ type: "PEER.SIGNAL_IN", data: { candidate: null } });
  });

  test("nobody may hear us until someone's connection is up, and again after a second waiting alone", async () => {
    const h = harness();
    await joinedAlone(h);
    h.clock.increment(5_000);
    expect(h.heard).not.toContain(true); // local media starts unheard
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-1", data: offer });
    expect(h.phase()).toBe("connecting");
    expect(h.heard).not.toContain(true); // still nobody: no media flows before the connection is up
    h.heard.length = 0;
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.phase()).toBe("inCall");
    expect(h.heard).toEqual([true]);
    h.send({ type: "SIGNALING.PEER_LEFT", peer: "aaa", reason: "left" });
    h.actor.send({ type: "WAIT" });
    expect(h.phase()).toBe("waiting");
    h.clock.increment(999);
    expect(h.heard).toEqual([true]);
    h.clock.increment(1);
    expect(h.heard).toEqual([true, false]);
    // Hanging up: unheard, whatever we were (the next call's pre-join screen starts so).
    h.actor.send({ type: "HANG_UP" });
    expect(h.heard.at(-1)).toBe(false);
  });

  test("a refreshed peer (new session) replaces the old connection instead of confusing it", async () => {
    const h = harness();
    await inCallWithAaa(h);
    h.send({ type: "SIGNALING.PEER_AWAY", peer: "aaa" });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "unstable" });
    expect(h.phase()).toBe("reconnecting");
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    // A stray candidate of the new session before its offer is not a reason to start over.
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-2", data: { candidate: null } });
    expect(h.peers).toHaveLength(1);
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-2", data: offer });
    expect(h.peers).toHaveLength(2);
    expect(h.peers[0]!.stopped).toBe(true);
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.phase()).toBe("inCall");
  });

  test("back after a reload: leftovers of their old connection, meant for our old page, are not taken for their answer", async () => {
    const h = harness();
    // Our page is new: we offer to "aaa", whose connection still points at our old page.
    await joinedWith(h, ["aaa"]);
    expect(h.peers).toHaveLength(1);
    const ours = h.connections().aaa!.session;
    // Their old connection, restarting ICE toward our old page: candidates and an offer, all dropped.
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-old", re: "our-old-page", data: { candidate: null } });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-old", re: "our-old-page", data: offer });
    expect(h.peers).toHaveLength(1);
    expect(h.peers[0]!.commands.filter((c) => c.type === "PEER.SIGNAL_IN")).toEqual([]);
    expect(h.connections().aaa!.remoteSession).toBeNull();
    // Their new connection answers ours: taken, and what we send next says it is for that one.
    const answer = { description: { type: "answer" as const, sdp: "v=0" } };
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-new", re: ours, data: answer });
    expect(h.peers[0]!.commands).toContainEqual({ type: "PEER.SIGNAL_IN", data: answer });
    expect(h.connections().aaa!.remoteSession).toBe("their-new");
    h.send({ type: "PEER.SIGNAL_OUT", peer: "aaa", session: ours, data: { candidate: null } } as never);
    expect(h.signalingSent).toContainEqual({
      type: "SIGNALING.SEND",
      msg: { type: "signal", peer: "aaa", session: ours, re: "their-new", data: { candidate: null } },
    });
    // A stray candidate of a session we never heard from does not take a connection that has none.
    const h2 = harness();
    await joinedWith(h2, ["aaa"]);
    h2.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-old", data: { candidate: null } });
    expect(h2.connections().aaa!.remoteSession).toBeNull();
    h2.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-new", data: answer });
    expect(h2.connections().aaa!.remoteSession).toBe("their-new");
    expect(h2.peers[0]!.commands).toEqual([{ type: "PEER.SIGNAL_IN", data: answer }]);
  });

  test("a peer away with a dead connection is presumed gone after a while, and may come back", async () => {
    const h = harness();
    await inCallWithAaa(h);
    h.send({ type: "SIGNALING.PEER_AWAY", peer: "aaa" });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "unstable" });
    h.clock.increment(2_999);
    expect(h.phase()).toBe("reconnecting");
    h.clock.increment(1);
    expect(h.phase()).toBe("peerLeft");
    expect(h.actor.getSnapshot().context.departure).toEqual({ peer: "aaa", reason: "gone" });
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-2", data: offer });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.phase()).toBe("inCall");
  });

  test("hang up from the other side offers to wait; hanging up ourselves sends leave", async () => {
    const h = harness();
    await inCallWithAaa(h);
    h.send({ type: "SIGNALING.PEER_LEFT", peer: "aaa", reason: "left" });
    expect(h.phase()).toBe("peerLeft");
    expect(h.peers[0]!.stopped).toBe(true);
    h.send({ type: "WAIT" });
    expect(h.phase()).toBe("waiting");
    h.send({ type: "HANG_UP" });
    expect(h.phase()).toBe("ended");
    expect(h.signalingSent).toContainEqual({ type: "SIGNALING.LEAVE" });
  });

  test("hanging up releases the camera and microphone; Rejoin opens them again and joins at once", async () => {
    const h = harness();
    await inCallWithAaa(h);
    expect(h.media).toEqual(["MEDIA.START"]);
    h.send({ type: "HANG_UP" });
    expect(h.phase()).toBe("ended");
    expect(h.media).toEqual(["MEDIA.START", "MEDIA.STOP"]);
    expect(h.actor.getSnapshot().context.local).toBeNull();
    h.send({ type: "REJOIN" });
    expect(h.media).toEqual(["MEDIA.START", "MEDIA.STOP", "MEDIA.START"]);
    expect(h.phase()).toBe("joining"); // no pre-join screen on the way back
    expect(h.actor.getSnapshot().context.local).not.toBeNull();
  });

  test("a full room fails with the server's words, and mute state is told to peers", async () => {
    const h = harness();
    await joinedAlone(h);
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-1", data: offer });
    h.send({ type: "TOGGLE_MIC" });
    expect(h.peers[0]!.commands).toContainEqual({ type: "PEER.SEND_CONTROL", msg: { type: "media-state", audio: true, video: false } });
    h.send({ type: "SIGNALING.ERROR", code: "room-full", text: "This call is full (2 people)." });
    expect(h.phase()).toBe("failed");
    expect(h.actor.getSnapshot().context.error?.text).toBe("This call is full (2 people).");
    expect(h.media).toEqual(["MEDIA.START", "MEDIA.STOP"]); // not in a call: devices released
    h.send({ type: "REJOIN" });
    expect(h.media).toEqual(["MEDIA.START", "MEDIA.STOP", "MEDIA.START"]);
    expect(h.phase()).toBe("joining");
  });

  test("our name goes to the link as a card when we join, again when it changes or we rejoin; with no key in the link, never", async () => {
    const h = harness();
    h.send({ type: "START", room: "room-1", secret: newSecret() });
    await Promise.resolve();
    await Promise.resolve();
    expect(cardsSent(h)).toEqual([]);
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: [] });
    expect(cardsSent(h)).toEqual([null]); // no name yet: an empty card (takes down one a previous page of ours showed)
    h.send({ type: "SET_NAME", name: "  Ada  Lovelace\n" });
    h.clock.increment(400);
    expect(cardsSent(h)).toEqual([null, "Ada Lovelace"]);
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: [] });
    expect(cardsSent(h)).toEqual([null, "Ada Lovelace", "Ada Lovelace"]);

    const typed = harness();
    typed.send({ type: "START", room: "room-1" });
    await Promise.resolve();
    await Promise.resolve();
    typed.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: [] });
    typed.send({ type: "SET_NAME", name: "Ada" });
    typed.clock.increment(400);
    typed.send({ type: "NAME_DONE" });
    expect(typed.phase()).toBe("waiting");
    expect(cardsSent(typed)).toEqual([]);
  });

  test("typing a name sends one card, with the last name typed, once it has settled for 400 ms; done typing or a rejoin sends it at once", async () => {
    const h = harness();
    h.send({ type: "START", room: "room-1", secret: newSecret() });
    await Promise.resolve();
    await Promise.resolve();
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: [] });
    expect(cardsSent(h)).toEqual([null]);
    for (const name of ["A", "Ad", "Ada", "Ada ", "Ada L"]) {
      h.send({ type: "SET_NAME", name });
      h.clock.increment(300);
    }
    expect(cardsSent(h)).toEqual([null]); // still typing: no card yet
    h.clock.increment(99);
    expect(cardsSent(h)).toEqual([null]);
    h.clock.increment(1);
    expect(cardsSent(h)).toEqual([null, "Ada L"]);
    h.clock.increment(5_000);
    expect(cardsSent(h)).toEqual([null, "Ada L"]);

    // The field loses focus: the card goes now, and not again when the name would have settled.
    h.send({ type: "SET_NAME", name: "Ada Lo" });
    h.send({ type: "SET_NAME", name: "Ada Lov" });
    h.send({ type: "NAME_DONE" });
    expect(cardsSent(h)).toEqual([null, "Ada L", "Ada Lov"]);
    h.clock.increment(400);
    h.send({ type: "NAME_DONE" }); // nothing new typed: nothing sent
    expect(cardsSent(h)).toEqual([null, "Ada L", "Ada Lov"]);

    // A rejoin while typing sends the name as it is, once.
    h.send({ type: "SET_NAME", name: "Ada Love" });
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: [] });
    expect(cardsSent(h)).toEqual([null, "Ada L", "Ada Lov", "Ada Love"]);
    h.clock.increment(400);
    expect(cardsSent(h)).toEqual([null, "Ada L", "Ada Lov", "Ada Love"]);
  });

  test("the server connection is warmed up while the camera starts and the pre-join screen shows", async () => {
    const h = harness();
    h.send({ type: "START", room: "room-1", lobby: true });
    await Promise.resolve();
    await Promise.resolve();
    expect(h.phase()).toBe("lobby");
    // Held while the camera starts, the room watched already then (the peek goes out meanwhile),
    // then by the pre-join screen watching how full its room is (the holders share one socket).
    expect(h.warm).toEqual(["+ws://test/ws", "+ws://test/ws room-1", "-ws://test/ws", "-ws://test/ws room-1", "+ws://test/ws room-1"]);
    expect(h.actor.getSnapshot().context.occupancy).toEqual({ people: 1, capacity: 2, names: ["Ada"] });
    h.send({ type: "JOIN" });
    expect(h.phase()).toBe("joining");
    expect(h.warm.at(-1)).toBe("-ws://test/ws room-1"); // let go as the signaling link (which adopts it) starts
  });

  test("the microphone and camera switched off before Join stay off in the call, and the transport starts from that", async () => {
    const mic = { enabled: true };
    const cam = { enabled: true };
    const stream = { getAudioTracks: () => [mic], getVideoTracks: () => [cam] } as unknown as MediaStream;
    const h = harness({ stream });
    h.send({ type: "START", room: "room-1", lobby: true });
    await Promise.resolve();
    await Promise.resolve();
    expect(h.phase()).toBe("lobby");
    expect(h.actor.getSnapshot().context).toMatchObject({ micOn: true, camOn: true });
    h.send({ type: "TOGGLE_MIC" });
    h.send({ type: "TOGGLE_CAMERA" });
    h.send({ type: "TOGGLE_CAMERA" });
    h.send({ type: "TOGGLE_CAMERA" });
    h.send({ type: "JOIN" });
    const { context } = h.actor.getSnapshot();
    expect({ mic: context.micOn, cam: context.camOn }).toEqual({ mic: false, cam: false });
    expect({ mic: mic.enabled, cam: cam.enabled }).toEqual({ mic: false, cam: false });
    expect(h.cameraOn.at(-1)).toBe(false);
    expect(mediaState(context)).toMatchObject({ audio: false, video: false });
  });

  test("a server newer than the page: a running call goes on, a page not yet in a call offers a reload", async () => {
    const updated = {
      type: "SIGNALING.ERROR" as const,
      code: "bad-version" as const,
      text: "OneLink has been updated (protocol 1, expected 2): reload the page.",
    };
    const mid = harness();
    await inCallWithAaa(mid);
    mid.send(updated);
    expect(mid.phase()).toBe("inCall");
    expect(mid.actor.getSnapshot().context.outdated).toBe(true);
    expect(mid.peers[0]!.stopped).toBe(false);
    expect(mid.media).toEqual(["MEDIA.START"]); // camera and microphone stay on

    const early = harness();
    await joinedAlone(early);
    early.send(updated);
    expect(early.phase()).toBe("failed");
    expect(early.actor.getSnapshot().context.error?.code).toBe("bad-version");
    early.send({ type: "RELOAD" });
    expect(early.reloads).toHaveLength(1);
  });

  test("arrivals (once connected and their media state is heard) and departures are announced once each, not on reconnections", async () => {
    const h = harness();
    const hello = (peer: string, name?: string) =>
      h.send({ type: "PEER.CONTROL", peer, msg: { type: "media-state", audio: true, video: true, ...(name ? { name } : {}) } });
    await joinedAlone(h);
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-1", data: offer });
    expect(h.notices).toEqual([]);
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.notices).toEqual([]); // connected, but who they are is not known yet
    hello("aaa", "Ada");
    expect(h.notices).toEqual(["NOTIFY.ARRIVED"]);
    // Re-entering inCall (any report settles again) and a reconnection are not arrivals.
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "unstable" });
    expect(h.phase()).toBe("reconnecting");
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    hello("aaa", "Ada");
    expect(h.phase()).toBe("inCall");
    expect(h.notices).toEqual(["NOTIFY.ARRIVED"]);
    h.send({ type: "SIGNALING.PEER_LEFT", peer: "aaa", reason: "left" });
    expect(h.phase()).toBe("peerLeft");
    h.send({ type: "PEER.STATUS", peer: "zzz", status: "connected" }); // settles into peerLeft again
    expect(h.notices).toEqual(["NOTIFY.ARRIVED", "NOTIFY.DEPARTED:left"]);
    // They come back (their media state first this time): a new arrival.
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-2", data: offer });
    hello("aaa");
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.notices).toEqual(["NOTIFY.ARRIVED", "NOTIFY.DEPARTED:left", "NOTIFY.ARRIVED"]);
    // Hanging up ourselves is no departure of theirs; rejoining announces them again.
    h.send({ type: "HANG_UP" });
    h.send({ type: "REJOIN" });
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    hello("aaa", "Ada");
    expect(h.notices).toEqual(["NOTIFY.ARRIVED", "NOTIFY.DEPARTED:left", "NOTIFY.ARRIVED", "NOTIFY.ARRIVED"]);
    expect(h.named.map((e) => e.who)).toEqual(["Ada", "Ada", null, "Ada"]);
    // The departure said the same as the status line (nobody else was here): quiet.
    expect(h.named[1]).toMatchObject({ type: "NOTIFY.DEPARTED", quiet: true });
  });

  test("in a group each arrival and departure is named; a departure with others still here is announced", async () => {
    const h = harness();
    await joinedAlone(h);
    for (const [peer, name] of [
      ["aaa", "Ada"],
      ["ccc", "Grace"],
    ] as const) {
      h.send({ type: "SIGNALING.PEER_JOINED", peer });
      h.send({ type: "SIGNALING.SIGNAL", from: peer, session: `${peer}-1`, data: offer });
      h.send({ type: "PEER.STATUS", peer, status: "connected" });
      h.send({ type: "PEER.CONTROL", peer, msg: { type: "media-state", audio: false, video: true, name } });
    }
    const peers = h.actor.getSnapshot().context.peers;
    expect([peers.aaa?.name, peers.ccc?.name, peers.ccc?.audio]).toEqual(["Ada", "Grace", false]);
    h.send({ type: "PEER.CONTROL", peer: "aaa", msg: { type: "hang-up" } });
    expect(h.phase()).toBe("inCall");
    expect(h.named).toEqual([
      { type: "NOTIFY.ARRIVED", who: "Ada" },
      { type: "NOTIFY.ARRIVED", who: "Grace" },
      { type: "NOTIFY.DEPARTED", reason: "left", who: "Ada", quiet: false },
    ]);
  });

  test("in a group whose others are still connecting, one leaving is a toast said aloud, not the end of the call", async () => {
    const h = harness();
    await joinedAlone(h);
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "aaa-1", data: offer });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    h.send({ type: "PEER.CONTROL", peer: "aaa", msg: { type: "media-state", audio: true, video: true, name: "Ada" } });
    // Two more join; their connections are not up yet.
    for (const peer of ["ccc", "ddd"]) {
      h.send({ type: "SIGNALING.PEER_JOINED", peer });
      h.send({ type: "SIGNALING.SIGNAL", from: peer, session: `${peer}-1`, data: offer });
    }
    // Ada closes her tab: away, her connection dies, and she is presumed gone.
    h.send({ type: "SIGNALING.PEER_AWAY", peer: "aaa" });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "unstable" });
    h.clock.increment(3_000);
    expect(h.actor.getSnapshot().context.departure).toEqual({ peer: "aaa", reason: "gone", name: "Ada" });
    // Not "Ada left the call" over the whole stage, nor "Reconnecting" to someone gone: a toast said aloud.
    expect(h.phase()).toBe("connecting");
    expect(h.named.at(-1)).toEqual({ type: "NOTIFY.DEPARTED", reason: "gone", who: "Ada", quiet: false });
    // Her seat expires: the others are still connecting.
    h.send({ type: "SIGNALING.PEER_LEFT", peer: "aaa", reason: "gone" });
    expect(h.phase()).toBe("connecting");
    h.send({ type: "PEER.STATUS", peer: "ccc", status: "connected" });
    expect(h.phase()).toBe("inCall");
    // Both others close their tabs at once: whoever is presumed gone first, the call then says they left.
    for (const peer of ["ccc", "ddd"]) {
      h.send({ type: "SIGNALING.PEER_AWAY", peer });
      h.send({ type: "PEER.STATUS", peer, status: "unstable" });
    }
    h.clock.increment(3_000);
    expect(h.phase()).toBe("peerLeft");
    h.send({ type: "WAIT" });
    expect(h.phase()).toBe("waiting");
  });

  test("the features' code may come after the call is up: what chat and drawing were sent before is kept and handled in order", async () => {
    const shelf = new LogicShelf();
    const h = harness({ features: shelf });
    await joinedAlone(h);
    const chat = () => h.actor.system.get("chat")!;
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "aaa-1", data: offer });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    h.send({ type: "PEER.CONTROL", peer: "aaa", msg: { type: "media-state", audio: true, video: true, name: "Grace" } });
    for (const n of [1, 2])
      chat().send({
        type: "FEATURE.MESSAGE",
        channel: "chat",
        peer: "aaa",
        data: encodeChat({ t: "msg", id: `m${n}`, from: "tab-aaa", at: Date.now() + n, text: `hello ${n}` }),
      });
    // Before the code: stand-ins, nothing handled, the call itself up.
    expect(h.phase()).toBe("inCall");
    expect(shelf.waiting).toBe(2);
    expect(chat().getSnapshot().context.messages).toBeUndefined();
    shelf.provide(featureLogics);
    expect(shelf.waiting).toBe(0);
    const messages = chat().getSnapshot().context.messages as ChatMessage[];
    // Both messages, in order, named as the people the chat was told of before its code came.
    expect(messages.map((m) => [m.text, m.name])).toEqual([
      ["hello 1", "Grace"],
      ["hello 2", "Grace"],
    ]);
    // The drawing learned our own id (DRAW.SELF, sent at the join) and is the real machine.
    expect(h.actor.system.get("drawing")!.getSnapshot().context.self).toBe("bbb");
    // Anything after goes straight to the real machines.
    chat().send({
      type: "FEATURE.MESSAGE",
      channel: "chat",
      peer: "aaa",
      data: encodeChat({ t: "msg", id: "m3", from: "tab-aaa", at: Date.now() + 3, text: "hello 3" }),
    });
    expect((chat().getSnapshot().context.messages as ChatMessage[]).map((m) => m.text)).toEqual(["hello 1", "hello 2", "hello 3"]);
  });

  test("chat names each message by its sender as their tile does, and keeps the name of someone who left", async () => {
    const h = harness();
    await joinedAlone(h);
    const chat = () => h.actor.system.get("chat")!;
    let n = 0;
    const say = (peer: string) =>
      chat().send({
        type: "FEATURE.MESSAGE",
        channel: "chat",
        peer,
        data: encodeChat({ t: "msg", id: `m${++n}`, from: `tab-${peer}`, at: Date.now() + n, text: `from ${peer}` }),
      });
    const senders = () => (chat().getSnapshot().context.messages as ChatMessage[]).map((m) => [m.text, m.name ?? "Them"]);
    const arrive = (peer: string, name?: string) => {
      h.send({ type: "SIGNALING.PEER_JOINED", peer });
      h.send({ type: "SIGNALING.SIGNAL", from: peer, session: `${peer}-1`, data: offer });
      h.send({ type: "PEER.STATUS", peer, status: "connected" });
      h.send({ type: "PEER.CONTROL", peer, msg: { type: "media-state", audio: true, video: true, ...(name ? { name } : {}) } });
    };
    // Two people, the other unnamed: nobody to tell apart, "them".
    arrive("aaa");
    say("aaa");
    expect(senders()).toEqual([["from aaa", "Them"]]);
    // A group: the unnamed one is their tile's label, the named ones their names.
    arrive("ccc", "Grace");
    arrive("ddd", "Ada");
    say("ccc");
    say("ddd");
    expect(senders()).toEqual([
      ["from aaa", "Guest 2"],
      ["from ccc", "Grace"],
      ["from ddd", "Ada"],
    ]);
    // A rename shows on their messages; after they leave, their messages keep the name they had.
    h.send({ type: "PEER.CONTROL", peer: "ddd", msg: { type: "media-state", audio: true, video: true, name: "Ada L." } });
    h.send({ type: "SIGNALING.PEER_LEFT", peer: "ddd", reason: "left" });
    h.send({ type: "SIGNALING.PEER_LEFT", peer: "ccc", reason: "left" });
    expect(senders()).toEqual([
      ["from aaa", "Them"],
      ["from ccc", "Grace"],
      ["from ddd", "Ada L."],
    ]);
  });

  test("our name travels with our media state, cleaned; an empty one is not sent", async () => {
    const h = harness();
    h.send({ type: "SET_NAME", name: "  Ada \u202e Lovelace " });
    await inCallWithAaa(h);
    h.send({ type: "PEER.CONTROL_OPEN", peer: "aaa" });
    expect(h.peers[0]!.commands).toContainEqual({ type: "PEER.SEND_CONTROL", msg: { type: "media-state", audio: false, video: false, name: "Ada Lovelace" } });
    h.send({ type: "SET_NAME", name: "   " });
    expect(h.peers[0]!.commands.at(-1)).toEqual({ type: "PEER.SEND_CONTROL", msg: { type: "media-state", audio: false, video: false } }); // (no camera nor microphone here)
  });

  test("rejoining the server while a connection is in trouble or not yet up replaces it cleanly (the actor never errors)", async () => {
    for (const trouble of ["unstable", "restarting", "connecting", "announced"] as const) {
      const h = harness();
      const errors: unknown[] = [];
      h.actor.subscribe({ error: (e) => errors.push(e) });
      await inCallWithAaa(h);
      if (trouble !== "announced") h.send({ type: "PEER.STATUS", peer: "aaa", status: trouble });
      // (still connecting: its answer may have been lost with the old socket)
      else h.send({ type: "SIGNALING.PEER_AWAY", peer: "aaa" });
      // The socket dropped and came back (server restart, network switch, a stalled tab).
      h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
      expect(errors).toEqual([]);
      expect(h.actor.getSnapshot().status).toBe("active");
      if (trouble === "announced") {
        // Away but still connected: the connection is kept.
        expect(h.peers).toHaveLength(1);
        continue;
      }
      // The troubled connection is stopped and a fresh one offers.
      expect(h.peers).toHaveLength(2);
      expect(h.peers[0]!.stopped).toBe(true);
      expect(h.peers[1]!.stopped).toBe(false);
      expect(h.peers[1]!.input).toMatchObject({ peer: "aaa", initiator: true });
      h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
      expect(h.phase()).toBe("inCall");
      // And again, while the new one is in trouble.
      h.send({ type: "PEER.STATUS", peer: "aaa", status: "restarting" });
      h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
      expect(errors).toEqual([]);
      expect(h.peers).toHaveLength(3);
      expect(h.peers[1]!.stopped).toBe(true);
    }
  });
  test("a part of the call that throws is restarted, never left dead under a live page", async () => {
    const h = harness({ peerThrowsOn: "PEER.GET_STATS", signalingThrowsOn: "SIGNALING.SEND" });
    const errors: unknown[] = [];
    h.actor.subscribe({ error: (e) => errors.push(e) });
    const logged = console.error;
    console.error = () => {};
    try {
      await inCallWithAaa(h);
      // The peer connection throws: a fresh one (new session) offers to the same member.
      h.send({ type: "STATS.POLL" });
      expect(errors).toEqual([]);
      expect(h.actor.getSnapshot().status).toBe("active");
      expect(h.peers).toHaveLength(2);
      expect(h.peers[1]!.input).toMatchObject({ peer: "aaa", initiator: true });
      expect(h.peers[1]!.input.session).not.toBe(h.peers[0]!.input.session);
      expect(h.connections().aaa?.ref).not.toBeNull();
      // The link throws: it is started again, and the call goes on.
      const links = () => Object.keys(h.actor.getSnapshot().children).filter((id) => id === "signaling").length;
      h.send({ type: "PEER.SIGNAL_OUT", peer: "aaa", session: h.peers[1]!.input.session, data: { candidate: null } });
      expect(errors).toEqual([]);
      expect(links()).toBe(1);
      expect(h.phase()).not.toBe("failed");
      // A part that keeps failing is given up on after a few restarts, and the call still stands.
      for (let i = 0; i < 6; i++) h.send({ type: "STATS.POLL" });
      expect(errors).toEqual([]);
      expect(h.actor.getSnapshot().status).toBe("active");
      expect(h.peers.length).toBeLessThanOrEqual(4);
      h.send({ type: "HANG_UP" });
      expect(h.phase()).toBe("ended");
    } finally {
      console.error = logged;
    }
  });
  test("the transport itself failing is restarted, with a fresh join that connects to everyone again", async () => {
    const h = harness({ transportThrowsOn: "PEER.ICE_ERROR" });
    const errors: unknown[] = [];
    h.actor.subscribe({ error: (e) => errors.push(e) });
    const logged = console.error;
    console.error = () => {};
    try {
      await inCallWithAaa(h);
      expect(h.linkStarts()).toBe(1);
      h.send({ type: "PEER.ICE_ERROR", peer: "aaa", code: 701, text: "x", url: "turn:x" });
      expect(errors).toEqual([]);
      expect(h.actor.getSnapshot().status).toBe("active");
      expect(h.peers[0]!.stopped).toBe(true);
      expect(h.actor.system.get("transport")).toBeDefined();
      expect(h.linkStarts()).toBe(2); // the link joins again
      // The new link joins again (same seat): the new transport offers to who is there.
      h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
      expect(h.peers).toHaveLength(2);
      expect(h.peers[1]!.input).toMatchObject({ peer: "aaa", initiator: true });
      h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
      expect(h.phase()).toBe("inCall");
    } finally {
      console.error = logged;
    }
  });
  test("rejoining a restarted server before the other member drops a connection that never came up; their fresh offer is answered", async () => {
    const h = harness();
    // We joined and offered to aaa; the offer died with the server.
    await joinedWith(h, ["aaa"]);
    expect(h.peers).toHaveLength(1);
    expect(h.peers[0]!.input.initiator).toBe(true);
    // The server restarted and we are back first: the room lists nobody else yet.
    h.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: [] });
    expect(h.peers[0]!.stopped).toBe(true);
    expect(h.connections().aaa).toBeUndefined();
    // aaa comes back and offers: we answer at once (no glare with a dead offer of ours).
    h.send({ type: "SIGNALING.PEER_JOINED", peer: "aaa" });
    h.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "their-2", data: offer });
    expect(h.peers).toHaveLength(2);
    expect(h.peers[1]!.input).toMatchObject({ peer: "aaa", initiator: false, firstSignal: offer });
    h.send({ type: "PEER.STATUS", peer: "aaa", status: "connected" });
    expect(h.phase()).toBe("inCall");
  });
});
