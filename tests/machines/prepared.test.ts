/**
 * The connection prepared on the pre-join screen (issue 21): with one person in the room, the page
 * makes its connection and offer before Join and sends nothing; after Join the prepared offer is
 * the first signal out, then the candidates gathered meanwhile. A room that turns out to be empty,
 * a group, or other than prepared for drops it cleanly. The call, transport, peer and connection
 * machines are the real ones; the browser's RTCPeerConnection is a fake that records what is done.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { assign, createActor, fromCallback } from "xstate";
import type { ReturnIce } from "../../machines/storage.ts";
import { type CallEvent, callMachine } from "../../machines/call/call.ts";
import { hearersOf, type SignalingCommand, type SignalingReport } from "../../machines/link/signaling.ts";
import type { LocalMedia } from "../../machines/media/media.ts";
import { phaseOf, showsLobby } from "../../ui/selectors.ts";

let pcs: FakePc[] = [];

class FakePc {
  onicecandidate: ((e: { candidate: { toJSON(): object } | null }) => void) | null = null;
  onicecandidateerror: ((e: object) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  ontrack: ((e: { track: FakeTrack }) => void) | null = null;
  onconnectionstatechange = null;
  oniceconnectionstatechange = null;
  onsignalingstatechange = null;
  localDescription: { type: string; sdp: string } | null = null;
  signalingState = "stable";
  connectionState = "new";
  closed = false;
  offers = 0;
  replaced: (string | null)[] = [];
  transceivers: { sender: FakeSender; receiver: { track: { kind: string } }; direction: string; currentDirection: null }[] = [];
  constructor(public config: RTCConfiguration) {
    pcs.push(this);
  }
  createDataChannel(label: string) {
    return { label, readyState: "connecting", binaryType: "blob", onopen: null, onmessage: null, onclose: null, send() {}, close() {} };
  }
  private transceiver(kind: string, track: FakeTrack | null, direction: string) {
    const sender: FakeSender = {
      track,
      replaceTrack: async (t) => {
        sender.track = t;
        this.replaced.push(t?.id ?? null);
      },
      setStreams() {},
      getParameters: () => ({ encodings: [] }),
      setParameters: async () => {},
    };
    this.transceivers.push({ sender, receiver: { track: { kind } }, direction, currentDirection: null });
    return sender;
  }
  addTrack(track: FakeTrack) {
    return this.transceiver(track.kind, track, "sendrecv");
  }
  addTransceiver(kind: string, init: { direction: string }) {
    return this.transceiver(kind, null, init.direction);
  }
  getTransceivers() {
    return this.transceivers;
  }
  getSenders() {
    return this.transceivers.map((t) => t.sender);
  }
  getConfiguration() {
    return this.config;
  }
  setConfiguration(config: RTCConfiguration) {
    this.config = config;
  }
  async setLocalDescription() {
    this.offers++;
    this.localDescription = { type: "offer", sdp: `v=0\r\no=fake ${pcs.indexOf(this)} ${this.offers}\r\n` };
    this.signalingState = "have-local-offer";
  }
  async setRemoteDescription() {}
  async createOffer() {
    return { type: "offer", sdp: "v=0\r\n" };
  }
  async addIceCandidate() {}
  async getStats() {
    return new Map();
  }
  restartIce() {}
  close() {
    this.closed = true;
    this.signalingState = "closed";
  }
  /** The browser found a candidate (the fake's ICE agent). */
  gather(candidate: string) {
    this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate, sdpMid: "0", sdpMLineIndex: 0 }) } });
  }
}
interface FakeTrack {
  id: string;
  kind: "audio" | "video";
  enabled: boolean;
  getSettings(): object;
}
interface FakeSender {
  track: FakeTrack | null;
  replaceTrack(t: FakeTrack | null): Promise<void>;
  setStreams(): void;
  getParameters(): { encodings: unknown[] };
  setParameters(): Promise<void>;
}

const track = (id: string, kind: "audio" | "video"): FakeTrack => ({ id, kind, enabled: true, getSettings: () => ({}) });
const streamOf = (...tracks: FakeTrack[]) =>
  ({
    id: tracks.map((t) => t.id).join("+"),
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === "audio"),
    getVideoTracks: () => tracks.filter((t) => t.kind === "video"),
  }) as unknown as MediaStream;

const ICE = [{ urls: ["turn:turn.test:3478"], username: "1:lobby-ab12cd34", credential: "c" }];
/** Microtasks, and the task in which a preparation is made (after the page paints: here, a timer). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 1));
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function harness(opts: { token?: string; returnIce?: ReturnIce; handoverLimit?: number } = {}) {
  const sent: SignalingCommand[] = [];
  let occupancy: ((o: { people: number; iceServers?: typeof ICE }) => void) | null = null;
  const watched: (string | null)[] = [];
  let stream = streamOf(track("mic-1", "audio"), track("cam-1", "video"));
  let media: ((e: CallEvent) => void) | null = null;
  const machine = callMachine.provide({
    actors: {
      warmSocket: fromCallback(() => undefined) as never,
      roomWatch: fromCallback<{ type: string }, { url: string | null }>(({ input, sendBack }) => {
        watched.push(input.url);
        if (input.url) occupancy = (o) => sendBack({ type: "ROOM.OCCUPANCY", capacity: 20, names: [], ...o });
        return () => {
          occupancy = null;
        };
      }) as never,
      localMedia: fromCallback<{ type: string }>(({ sendBack, receive }) => {
        media = sendBack as never;
        receive((e) => {
          if (e.type === "MEDIA.START") sendBack({ type: "MEDIA.READY", local: { stream, issue: null } satisfies LocalMedia });
        });
      }) as never,
      signaling: fromCallback<SignalingCommand>(({ receive }) => receive((c) => void sent.push(c))) as never,
    },
    actions: {
      loadSeat: assign({ token: opts.token ?? null, returnIce: opts.returnIce ?? null }),
      saveSeat: () => {},
      forgetSeat: () => {},
      showRoomInAddressBar: () => {},
      showHomeInAddressBar: () => {},
    },
    ...(opts.handoverLimit !== undefined ? { delays: { handoverLimit: opts.handoverLimit } } : {}),
  });
  const actor = createActor(machine, { input: { signalingUrl: "ws://test/ws" } }).start();
  const report = (e: SignalingReport) => {
    const transport = actor.system.get("transport");
    for (const to of hearersOf(e)) (to === "call" ? actor : transport)?.send(e as never);
  };
  const signals = () => sent.flatMap((c) => (c.type === "SIGNALING.SEND" && c.msg.type === "signal" ? [c.msg] : []));
  return {
    actor,
    sent,
    signals,
    watched,
    report,
    room: (o: { people: number; iceServers?: typeof ICE }) => occupancy?.(o),
    /** A device picked on the pre-join screen: the call's stream changes. */
    newStream: (s: MediaStream) => {
      stream = s;
      media?.({ type: "MEDIA.OUTGOING", local: { stream: s, issue: null } });
    },
    phase: () => phaseOf(actor.getSnapshot()),
  };
}

describe("a connection prepared on the pre-join screen", () => {
  const browser = globalThis as { RTCPeerConnection?: unknown; MediaStream?: unknown };
  beforeEach(() => {
    pcs = [];
    browser.RTCPeerConnection = FakePc;
    // The remote stream a connection fills as tracks arrive.
    browser.MediaStream = class {
      tracks: unknown[] = [];
      addTrack(t: unknown) {
        this.tracks.push(t);
      }
    };
  });
  afterEach(() => {
    delete browser.RTCPeerConnection;
    delete browser.MediaStream;
  });

  test("one person there: the offer is made before Join and sent only after `joined`, first, then the candidates kept meanwhile", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("lobby");
    h.room({ people: 1, iceServers: ICE });
    await settle();
    expect(pcs).toHaveLength(1);
    const pc = pcs[0]!;
    expect(pc.config).toMatchObject({ iceServers: ICE, iceTransportPolicy: "all", bundlePolicy: "max-bundle" });
    expect(pc.config.iceCandidatePoolSize).toBeGreaterThan(0);
    expect(pc.localDescription?.type).toBe("offer");
    pc.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");
    // The same room again, every 3 s: the same preparation.
    h.room({ people: 1, iceServers: [{ ...ICE[0]!, username: "2:lobby-ffff0000" }] });
    await settle();
    expect(pcs).toHaveLength(1);
    // Nothing has left: no join, no signal.
    expect(h.sent).toEqual([]);

    h.actor.send({ type: "JOIN" });
    await settle();
    expect(showsLobby(h.actor.getSnapshot())).toBe(true); // "Joining…" until the server answers
    expect(h.signals()).toEqual([]);
    const mine = [{ urls: ["turn:turn.test:3478"], username: "1:bbb", credential: "d" }];
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: mine, mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1); // no second connection
    expect(pc.closed).toBe(false);
    expect(pc.offers).toBe(1); // the prepared offer, not a new one
    expect(pc.config.iceServers).toEqual(mine); // the member's own relay credentials from now on
    pc.gather("candidate:2 1 udp 1 10.0.0.2 5001 typ host");
    const signals = h.signals();
    expect(signals.map((s) => s.peer)).toEqual(["aaa", "aaa", "aaa"]);
    expect(signals.map((s) => ("description" in s.data ? s.data.description.type : s.data.candidate?.candidate))).toEqual([
      "offer",
      "candidate:1 1 udp 1 10.0.0.2 5000 typ host",
      "candidate:2 1 udp 1 10.0.0.2 5001 typ host",
    ]);
    expect("description" in signals[0]!.data && signals[0]!.data.description.sdp).toContain(`o=fake 0 1`);
    // The pre-join screen stays until their picture arrives (with the answer), then the call shows.
    expect(showsLobby(h.actor.getSnapshot())).toBe(true);
    pc.ontrack?.({ track: track("their-cam", "video") });
    await settle();
    expect(showsLobby(h.actor.getSnapshot())).toBe(false);
  });

  test("no picture comes (frames that do not open, a connection still coming up): the call's view shows anyway after handoverLimit", async () => {
    const h = harness({ handoverLimit: 40 });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(showsLobby(h.actor.getSnapshot())).toBe(true);
    await Bun.sleep(80);
    expect(showsLobby(h.actor.getSnapshot())).toBe(false);
    expect(h.phase()).not.toBe("lobby");
  });

  test("Join pressed before the preparation was made (an instant click): made during the join's round trip, and used", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    h.actor.send({ type: "JOIN" });
    expect(pcs).toHaveLength(0); // not in the task that pressed Join (the join goes out first)
    await settle();
    expect(pcs).toHaveLength(1);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.offers).toBe(1);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer" } });
  });

  test("a device changed on the pre-join screen is swapped in place; a relay error before Join is told only after it", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    const pc = pcs[0]!;
    pc.onicecandidateerror?.({ url: "turn:turn.test:3478", errorCode: 401, errorText: "Unauthorized" });
    const camera = h.actor.getSnapshot().context.local!.stream!.getVideoTracks()[0] as unknown as FakeTrack;
    h.newStream(streamOf(track("mic-2", "audio"), camera));
    await settle();
    expect(pcs).toHaveLength(1); // same kinds of track: kept
    expect(h.actor.getSnapshot().context.iceError).toBeNull();
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pc.replaced).toEqual(["mic-2"]);
    expect(pc.offers).toBe(1);
    expect(h.actor.getSnapshot().context.iceError?.code).toBe("401");
  });

  test("an empty room, a group, or a room that changed by Join: nothing prepared is used, and it is closed", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 0, iceServers: ICE });
    await settle();
    expect(pcs).toHaveLength(0);
    h.room({ people: 1 }); // an older server: no relay servers, nothing prepared
    await settle();
    expect(pcs).toHaveLength(0);
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.room({ people: 2, iceServers: ICE }); // a group now: through the media server
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true]);
    h.room({ people: 1, iceServers: ICE });
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true, false]);
    // Relay only switched on: prepared again for it.
    h.actor.send({ type: "SET_RELAY_ONLY", on: true });
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true, true, false]);
    expect(pcs[2]!.config.iceTransportPolicy).toBe("relay");
    // Two people by the time we joined (the room became a group): dropped, nothing direct starts.
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa", "ccc"], iceServers: ICE, mode: "sfu" });
    await settle();
    expect(pcs[2]!.closed).toBe(true);
    expect(h.signals()).toEqual([]);
    h.actor.send({ type: "SET_RELAY_ONLY", on: false });
  });

  test("joined, the room differs from what was prepared: a fresh connection offers, the prepared one is closed", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    // They left as we joined: nobody to offer to.
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true]);
    expect(h.signals()).toEqual([]);
    // Hanging up on the pre-join screen's way out leaves nothing open either.
    h.actor.send({ type: "EXIT" });
    expect(pcs.every((p) => p.closed)).toBe(true);
  });

  test("a refresh taking its seat back prepares its connection with the relay servers its page had while the join is on its way", async () => {
    const h = harness({ token: "seat-token", returnIce: { iceServers: ICE, group: false } });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("joining");
    expect(h.watched.every((url) => url === null)).toBe(true); // no peek
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.config.iceServers).toEqual(ICE);
    expect(h.signals()).toEqual([]);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.offers).toBe(1);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer", sdp: expect.stringContaining("o=fake 0 1") } });

    // Back in a group, or alone: nothing of it is used, and nothing is left open.
    for (const [returnIce, peers, mode] of [
      [{ iceServers: ICE, group: true }, ["aaa", "ccc"], "sfu"],
      [{ iceServers: ICE, group: false }, [], "direct"],
    ] as const) {
      pcs = [];
      const g = harness({ token: "seat-token", returnIce });
      g.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      expect(pcs).toHaveLength(returnIce.group ? 0 : 1);
      g.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [...peers], iceServers: ICE, mode });
      await settle();
      if (!returnIce.group) expect(pcs[0]!.closed).toBe(true);
      expect(g.signals()).toEqual([]);
    }
  });

  test("a refresh taking its seat back peeks at nothing and prepares nothing: it joins at once", async () => {
    const h = harness({ token: "seat-token" });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("joining");
    expect(h.watched.every((url) => url === null)).toBe(true);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer" } });
  });
});
