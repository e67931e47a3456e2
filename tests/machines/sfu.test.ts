/**
 * The media-server path's actor (machines/transport/sfu.ts) with the browser's RTCPeerConnection
 * faked: what it answers and sends, and in which order, whatever the browser takes its time over.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { createActor, setup } from "xstate";
import { type SfuEvent, sfuActor } from "../../machines/transport/sfu.ts";

let pcs: FakePc[] = [];

/** A connection whose publishing offer is made only when the test says so. */
class FakePc {
  onicecandidate = null;
  onconnectionstatechange = null;
  ontrack = null;
  localDescription: { type: string; sdp: string } | null = null;
  signalingState = "stable";
  connectionState = "new";
  offerMade: (() => void) | null = null;
  constructor() {
    pcs.push(this);
  }
  readonly senders: FakeSender[] = [];
  addTransceiver(_what: unknown, init?: { sendEncodings?: RTCRtpEncodingParameters[] }) {
    const sender = new FakeSender(init?.sendEncodings ?? []);
    this.senders.push(sender);
    return { sender };
  }
  getTransceivers() {
    return [];
  }
  createOffer() {
    return new Promise<{ type: string; sdp: string }>((resolve) => {
      this.offerMade = () => resolve({ type: "offer", sdp: "v=0\r\no=pub\r\n" });
    });
  }
  async createAnswer() {
    return { type: "answer", sdp: "v=0\r\no=sub\r\n" };
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d;
    this.signalingState = d.type === "offer" ? "have-local-offer" : "stable";
  }
  async setRemoteDescription() {}
  async addIceCandidate() {}
  async getStats() {
    return new Map();
  }
  close() {}
}

/** A sender that keeps its encodings as the browser does, and records each setParameters. */
class FakeSender {
  track: unknown = null;
  readonly set: RTCRtpEncodingParameters[][] = [];
  constructor(private encodings: RTCRtpEncodingParameters[]) {
    this.encodings = encodings.map((e) => ({ active: true, ...e }));
  }
  async replaceTrack(track: unknown) {
    this.track = track;
  }
  getParameters() {
    return { encodings: this.encodings.map((e) => ({ ...e })) };
  }
  async setParameters(params: { encodings: RTCRtpEncodingParameters[] }) {
    this.encodings = params.encodings.map((e) => ({ ...e }));
    this.set.push(this.encodings);
  }
  /** Each layer high to low: whether it is sent, and how much it is scaled down. */
  get layers() {
    return this.encodings.map((e) => `${e.rid} ${e.active ? "on" : "off"} /${e.scaleResolutionDownBy}`);
  }
}

const browser = globalThis as { RTCPeerConnection?: unknown };
beforeEach(() => {
  pcs = [];
  browser.RTCPeerConnection = FakePc;
});
afterEach(() => {
  delete browser.RTCPeerConnection;
});

function start() {
  const out: SfuEvent[] = [];
  const parent = setup({ types: { events: {} as SfuEvent }, actors: { sfu: sfuActor } }).createMachine({
    invoke: {
      id: "sfu",
      src: "sfu",
      input: { iceServers: [], iceTransportPolicy: "all", stream: null, extraAudio: null, keys: null, view: null },
    },
    on: { "*": { actions: ({ event }) => out.push(event) } },
  });
  const actor = createActor(parent).start();
  const sfu = actor.getSnapshot().children.sfu!;
  return { actor, sfu, out };
}

/** Janus offers the receiving connection one video line, of `peer`. */
const janusOffersVideoOf = (sfu: ReturnType<typeof start>["sfu"], peer: string) =>
  sfu.send({
    type: "SFU.SIGNAL_IN",
    pc: "sub",
    data: { description: { type: "offer", sdp: "v=0\r\no=janus\r\n" } },
    streams: [{ mid: "0", peer, kind: "video" }],
  });

const descriptionsOut = (out: SfuEvent[]) =>
  out.flatMap((e) => (e.type === "SFU.SIGNAL_OUT" && "description" in e.data ? [`${e.pc} ${e.data.description.type}`] : []));

test("the others' media is answered at once, while our own publishing offer is still being made", async () => {
  const { actor, sfu, out } = start();
  const [pub] = pcs;
  await Bun.sleep(10);
  expect(pub?.offerMade).not.toBeNull(); // our offer is on its way, not made yet
  janusOffersVideoOf(sfu, "p1");
  await Bun.sleep(20);
  expect(descriptionsOut(out)).toEqual(["sub answer"]);
  pub!.offerMade!();
  await Bun.sleep(20);
  expect(descriptionsOut(out)).toEqual(["sub answer", "pub offer"]);
  actor.stop();
});

test("a tile shown before its participant's media comes has its layer told, so that their subscription starts at it", async () => {
  const { actor, sfu, out } = start();
  await Bun.sleep(10);
  // The stage shows p1's tile small (four tiles), before anything of p1 is received.
  sfu.send({ type: "SFU.VIEW", view: { p1: 0 } });
  await Bun.sleep(10);
  const told = () => out.flatMap((e) => (e.type === "SFU.VIEW_OUT" ? [e.want] : []));
  expect(told()).toEqual([[{ peer: "p1", layer: 0 }]]);
  // Their media comes at that layer: nothing new to tell.
  janusOffersVideoOf(sfu, "p1");
  await Bun.sleep(20);
  expect(told()).toEqual([[{ peer: "p1", layer: 0 }]]);
  actor.stop();
});

test("dynacast: the layers above the highest anyone wants are paused and resumed on the server's word; a replaced track keeps the choice and gets its own sizes", async () => {
  const { actor, sfu } = start();
  await Bun.sleep(10);
  const video = pcs[0]!.senders.find((s) => s.layers.length === 3)!;
  expect(video.layers).toEqual(["h on /1", "m on /2", "l on /4"]);
  sfu.send({ type: "SFU.LAYERS", max: 0 });
  await Bun.sleep(10);
  expect(video.layers).toEqual(["h off /1", "m off /2", "l on /4"]);
  // Another camera, a 1080p one: sized for it (720p, 360p, 180p), still only the low layer sent.
  const camera = { kind: "video", contentHint: "", getSettings: () => ({ width: 1920, height: 1080 }) };
  const stream = { getVideoTracks: () => [camera], getAudioTracks: () => [], getTracks: () => [camera] } as unknown as MediaStream;
  sfu.send({ type: "SFU.STREAM", stream, extraAudio: null });
  await Bun.sleep(10);
  expect(video.layers).toEqual(["h off /1.5", "m off /3", "l on /6"]);
  sfu.send({ type: "SFU.LAYERS", max: 1 });
  await Bun.sleep(10);
  expect(video.layers).toEqual(["h off /1.5", "m on /3", "l on /6"]);
  const changes = video.set.length;
  // Told the same again: nothing to change.
  sfu.send({ type: "SFU.LAYERS", max: 1 });
  await Bun.sleep(10);
  expect(video.set.length).toBe(changes);
  sfu.send({ type: "SFU.LAYERS", max: 2 });
  await Bun.sleep(10);
  expect(video.layers).toEqual(["h on /1.5", "m on /3", "l on /6"]);
  actor.stop();
});

test("active TCP candidates (port 9, they only dial out) are not sent to the media server; the others, and the end of gathering, are", async () => {
  const { actor, out } = start();
  const [pub, sub] = pcs as unknown as { onicecandidate: ((e: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null }[];
  const udp = "candidate:1 1 udp 2122194687 10.0.0.2 5000 typ host generation 0";
  const activeTcp = "candidate:2 1 tcp 1518214911 10.0.0.2 9 typ host tcptype active generation 0";
  const relay = "candidate:3 1 udp 41885439 203.0.113.9 5003 typ relay raddr 0.0.0.0 rport 0 generation 0";
  for (const pc of [pub!, sub!]) {
    for (const candidate of [udp, activeTcp, relay]) pc.onicecandidate?.({ candidate: { toJSON: () => ({ candidate, sdpMid: "0", sdpMLineIndex: 0 }) } });
    pc.onicecandidate?.({ candidate: null });
  }
  const sent = out.flatMap((e) => (e.type === "SFU.SIGNAL_OUT" && "candidate" in e.data ? [`${e.pc} ${e.data.candidate?.candidate ?? "end"}`] : []));
  expect(sent).toEqual([`pub ${udp}`, `pub ${relay}`, "pub end", `sub ${udp}`, `sub ${relay}`, "sub end"]);
  actor.stop();
});
