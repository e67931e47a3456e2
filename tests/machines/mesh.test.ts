import { expect, test } from "bun:test";
import { createActor, createMachine, fromCallback, SimulatedClock } from "xstate";
import { meshTransport, SFU_KEPT_MS, type TransportInput } from "../../machines/transport/mesh.ts";
import { peerMachine } from "../../machines/transport/peer.ts";
import type { PeerConnectionCommand, PeerConnectionEvent, PeerConnectionInput } from "../../machines/transport/peer-connection.ts";
import type { SfuCommand, SfuEvent, SfuInput } from "../../machines/transport/sfu.ts";
import type { SignalingCommand } from "../../machines/link/signaling.ts";
import { decodeControl, encodeControl } from "../../protocol/index.ts";

/** A transport's input: nothing to send yet, no keys. */
const input: TransportInput = {
  relayOnly: false,
  noServer: false,
  stream: null,
  outgoing: null,
  mediaState: { type: "media-state", audio: true, video: true },
  keys: null,
};

test("a peer that throws is replaced by a fresh connection, and the failed one's RTCPeerConnection is closed", () => {
  const connections: { session: string; closed: boolean }[] = [];
  // A stand-in for the RTCPeerConnection actor: answers a stats request, and records being closed.
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ input, receive, sendBack }) => {
    const record = { session: input.session, closed: false };
    connections.push(record);
    receive((c) => {
      if (c.type === "PC.GET_STATS") sendBack({ type: "PC.STATS", sample: { at: 0 } as never });
    });
    return () => (record.closed = true);
  });
  // Handling a stats sample throws (a bug anywhere in the peer machine would do the same).
  const peer = peerMachine.provide({
    actors: { connection },
    actions: {
      forwardStats: () => {
        throw new Error("peer broke");
      },
    },
  });
  const parent = createMachine({ invoke: { id: "transport", systemId: "transport", src: meshTransport.provide({ actors: { peer } }), input } });
  const actor = createActor(parent).start();
  const transport = actor.system.get("transport")!;
  const logged = console.error;
  console.error = () => {};
  try {
    transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
    expect(connections).toHaveLength(1);
    transport.send({ type: "STATS.POLL" });
    expect(actor.getSnapshot().status).toBe("active");
    expect(connections).toHaveLength(2);
    expect(connections[0]!.closed).toBe(true); // XState alone would have left it open
    expect(connections[1]!.closed).toBe(false);
    expect(connections[1]!.session).not.toBe(connections[0]!.session);
  } finally {
    console.error = logged;
  }
});

test("a picture frozen on the page (TRANSPORT.RENEW): a direct connection that is up is replaced by a new one of ours, which offers; one not up yet, or without a server, is left alone", async () => {
  const made: { session: string; initiator: boolean; closed: boolean }[] = [];
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ input, sendBack }) => {
    const record = { session: input.session, initiator: input.initiator, closed: false };
    made.push(record);
    queueMicrotask(() => sendBack({ type: "PC.STATE", state: "connected" }));
    return () => (record.closed = true);
  });
  const peer = peerMachine.provide({ actors: { connection } });
  const warned = console.warn;
  console.warn = () => {};
  try {
    for (const noServer of [false, true]) {
      made.length = 0;
      const heard: { type: string; peer?: string; fresh?: boolean }[] = [];
      const parent = createMachine({
        invoke: { id: "transport", systemId: "transport", src: meshTransport.provide({ actors: { peer } }), input: { ...input, noServer } },
        on: { "*": { actions: ({ event }) => void heard.push(event as never) } },
      });
      const actor = createActor(parent).start();
      const transport = actor.system.get("transport")!;
      transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
      transport.send({ type: "TRANSPORT.RENEW", peer: "aaa" }); // not up yet: nothing
      expect(made).toHaveLength(1);
      await Promise.resolve();
      transport.send({ type: "TRANSPORT.RENEW", peer: "zzz" }); // nobody of ours: nothing
      transport.send({ type: "TRANSPORT.RENEW", peer: "aaa" });
      if (noServer) {
        expect(made).toHaveLength(1);
      } else {
        expect(made).toHaveLength(2);
        expect(made[0]!.closed).toBe(true);
        expect(made[1]!).toMatchObject({ initiator: true, closed: false });
        expect(made[1]!.session).not.toBe(made[0]!.session);
        expect(heard).toContainEqual({ type: "TRANSPORT.CONNECTING", peer: "aaa", fresh: false });
      }
      actor.stop();
    }
  } finally {
    console.warn = warned;
  }
});

test("through the media server, a newcomer's tiles take each stream before its first frame; a picture already shown directly waits for the new one to flow", async () => {
  const streams: Record<string, MediaStream> = {};
  let sfuOut: ((e: SfuEvent) => void) | null = null;
  const sfu = fromCallback<SfuCommand, SfuInput, SfuEvent>(({ sendBack }) => {
    sfuOut = sendBack;
  });
  // Up at once: a direct call in progress.
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ sendBack }) => {
    queueMicrotask(() => sendBack({ type: "PC.STATE", state: "connected" }));
  });
  const peer = peerMachine.provide({ actors: { connection } });
  const heard: { type: string; peer?: string; stream?: MediaStream }[] = [];
  const parent = createMachine({
    invoke: { id: "transport", systemId: "transport", src: meshTransport.provide({ actors: { peer, sfu } }), input },
    on: { "*": { actions: ({ event }) => void heard.push(event as never) } },
  });
  const actor = createActor(parent).start();
  const transport = actor.system.get("transport")!;
  const stream = (id: string) => (streams[id] ??= { id } as unknown as MediaStream);
  const shown = (p: string) => heard.filter((e) => e.type === "PEER.REMOTE_STREAM" && e.peer === p).map((e) => e.stream);

  // Ada is here directly; then the room turns to the media server as Cleo joins.
  transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
  await Bun.sleep(0);
  transport.send({ type: "SIGNALING.MODE", mode: "sfu" } as never);
  expect(sfuOut).not.toBeNull();
  sfuOut!({ type: "SFU.REMOTE_PENDING", peer: "aaa", stream: stream("aaa-sfu") });
  sfuOut!({ type: "SFU.REMOTE_PENDING", peer: "ccc", stream: stream("ccc-sfu") });
  // Cleo's tile had nothing: it takes her stream now. Ada's direct picture stays until the new one flows.
  expect(shown("ccc")).toEqual([stream("ccc-sfu")]);
  expect(shown("aaa")).toEqual([]);
  sfuOut!({ type: "SFU.REMOTE_STREAM", peer: "aaa", stream: stream("aaa-sfu") });
  expect(shown("aaa")).toEqual([stream("aaa-sfu")]);
});

/**
 * A transport beside a stand-in link (what it asks the link to send lands in `sent`), with the
 * media server's path and the direct connections given (by default, ones that never report anything).
 */
function standInTransport({
  sfu = fromCallback<SfuCommand, SfuInput, SfuEvent>(() => {}),
  connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(() => {}),
  name,
  clock,
}: {
  sfu?: ReturnType<typeof fromCallback<SfuCommand, SfuInput, SfuEvent>>;
  connection?: ReturnType<typeof fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>>;
  name?: string;
  clock?: SimulatedClock;
} = {}) {
  const peer = peerMachine.provide({ actors: { connection } });
  const sent: Extract<SignalingCommand, { type: "SIGNALING.SEND" }>[] = [];
  const link = fromCallback<SignalingCommand>(({ receive }) => receive((c) => void (c.type === "SIGNALING.SEND" && sent.push(c))));
  const heard: { type: string; peer?: string; stream?: MediaStream }[] = [];
  const parent = createMachine({
    on: { "*": { actions: ({ event }) => void heard.push(event as never) } },
    invoke: [
      { id: "link", systemId: "link", src: link },
      {
        id: "transport",
        systemId: "transport",
        src: meshTransport.provide({ actors: { sfu, peer } }),
        input: name ? { ...input, mediaState: { ...input.mediaState, name } } : input,
      },
    ],
  });
  return {
    transport: createActor(parent, clock ? { clock } : {})
      .start()
      .system.get("transport")!,
    sent,
    heard,
  };
}

/**
 * A transport named "Dan" whose media server's path never reports anyone's stream flowing; `told()`
 * gives the media states it relayed since the last look: to whom (undefined: everyone) and whether
 * sealed with the link's own key.
 */
function dan() {
  const { transport, sent } = standInTransport({ name: "Dan" });
  const told = () =>
    sent.splice(0).flatMap(({ msg, base }) => {
      if (msg.type !== "relay" || msg.channel !== "control") return [];
      const state = decodeControl(msg.data);
      return state?.type === "media-state" ? [{ to: msg.peer, name: state.name, base: base === true }] : [];
    });
  return { transport, told };
}

test("in a group, everyone learns our name as they arrive, though their picture never reaches us (a tile off the page, a decoder too busy)", () => {
  const { transport, told } = dan();
  // We join a group of two: both learn who we are at once.
  transport.send({ type: "SIGNALING.JOINED", self: "ddd", token: "t", peers: ["aaa", "bbb"], iceServers: [], mode: "sfu" });
  expect(told()).toEqual([{ to: undefined, name: "Dan", base: true }]);
  // Eve comes (or comes back, having missed what was sent while she was away): she is told.
  transport.send({ type: "SIGNALING.PEER_JOINED", peer: "eee" });
  expect(told()).toEqual([{ to: "eee", name: "Dan", base: true }]);
});

test("a call of two turning into a group tells everyone who we are: someone whose direct connection never came up had not heard", () => {
  const { transport, told } = dan();
  transport.send({ type: "SIGNALING.JOINED", self: "ddd", token: "t", peers: ["aaa"], iceServers: [] });
  expect(told()).toEqual([]);
  transport.send({ type: "SIGNALING.MODE", mode: "sfu" });
  expect(told()).toEqual([{ to: undefined, name: "Dan", base: true }]);
});

test("a server restart between a group, a call of two and a group again: the direct connection made meanwhile closes once both pictures come through the new path", async () => {
  let sfuOut: ((e: SfuEvent) => void) | null = null;
  const sfu = fromCallback<SfuCommand, SfuInput, SfuEvent>(({ sendBack }) => {
    sfuOut = sendBack;
  });
  const closed: string[] = [];
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ input, sendBack }) => {
    queueMicrotask(() => sendBack({ type: "PC.STATE", state: "connected" }));
    return () => void closed.push(input.session);
  });
  const { transport, sent } = standInTransport({ sfu, connection });
  const viaSfuTo = () =>
    sent.splice(0).flatMap(({ msg }) => (msg.type === "relay" && msg.channel === "control" && decodeControl(msg.data)?.type === "via-sfu" ? [msg.peer] : []));
  const direct = () => Object.keys((transport.getSnapshot() as { context: { connections: Record<string, unknown> } }).context.connections);
  const stream = { id: "s" } as unknown as MediaStream;
  const viaSfuFrom = (from: string) => transport.send({ type: "SIGNALING.RELAY", from, channel: "control", data: encodeControl({ type: "via-sfu" }) } as never);

  // A group of three: Ada's and Cleo's pictures come through the media server.
  transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa", "ccc"], iceServers: [], mode: "sfu" });
  sfuOut!({ type: "SFU.REMOTE_STREAM", peer: "aaa", stream });
  sfuOut!({ type: "SFU.REMOTE_STREAM", peer: "ccc", stream });
  expect(viaSfuTo()).toEqual(["aaa", "ccc"]);
  // The server restarts; Ada rejoins first: a call of two, a direct connection to her.
  transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
  await Bun.sleep(0);
  expect(direct()).toEqual(["aaa"]);
  // Cleo rejoins before Ada's direct picture took over: a group again, on a new path.
  const before = sfuOut;
  transport.send({ type: "SIGNALING.MODE", mode: "sfu" });
  expect(sfuOut).not.toBe(before);
  sfuOut!({ type: "SFU.REMOTE_STREAM", peer: "aaa", stream });
  // Ada is told her picture reaches us through the new path; she says the same: the direct connection closes.
  expect(viaSfuTo()).toEqual(["aaa"]);
  viaSfuFrom("aaa");
  expect(direct()).toEqual([]);
  expect(closed).toHaveLength(1);
});

/**
 * A transport on a simulated clock whose media server's path and direct connections are stand-ins
 * that record what they are told (`sfuDid`, with "stopped"; `asked`) and report what the test says
 * (`sfuOut()`, `pcOut()`: the latest made).
 */
function watchedTransport() {
  const sfuDid: string[] = [];
  let sfuOut: ((e: SfuEvent) => void) | null = null;
  const sfu = fromCallback<SfuCommand, SfuInput, SfuEvent>(({ sendBack, receive }) => {
    sfuOut = sendBack;
    receive((c) => void sfuDid.push(c.type));
    return () => void sfuDid.push("stopped");
  });
  const asked: string[] = [];
  let pcOut: ((e: PeerConnectionEvent) => void) | null = null;
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ sendBack, receive }) => {
    pcOut = sendBack;
    receive((c) => void asked.push(c.type));
  });
  const clock = new SimulatedClock();
  const made = <T>(out: T | null, what: string): T => {
    if (!out) throw new Error(`no ${what} made yet`);
    return out;
  };
  return {
    ...standInTransport({ sfu, connection, clock }),
    clock,
    sfuDid,
    asked,
    sfuOut: () => made(sfuOut, "media server path"),
    pcOut: () => made(pcOut, "direct connection"),
  };
}

/**
 * Bob (bbb) in a group with Ada (aaa), both pictures through the media server, as the room goes
 * back to two: Ada offers a direct connection, whose stand-in reports what the test says.
 */
function backToTwo() {
  const { transport, sent, heard, clock, sfuDid, asked, sfuOut, pcOut } = watchedTransport();
  const viaSfuStream = { id: "aaa-sfu" } as unknown as MediaStream;
  const directStream = { id: "aaa-direct" } as unknown as MediaStream;
  const shown = () => heard.filter((e) => e.type === "PEER.REMOTE_STREAM" && e.peer === "aaa").map((e) => e.stream);
  /** Control messages relayed since the last look: their type, to whom. */
  const told = () =>
    sent.splice(0).flatMap(({ msg }) => (msg.type === "relay" && msg.channel === "control" ? [`${decodeControl(msg.data)?.type} to ${msg.peer}`] : []));
  const fromAda = (type: "via-sfu" | "direct") => transport.send({ type: "SIGNALING.RELAY", from: "aaa", channel: "control", data: encodeControl({ type }) });

  transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "sfu" });
  sfuOut()({ type: "SFU.REMOTE_STREAM", peer: "aaa", stream: viaSfuStream });
  fromAda("via-sfu");
  expect(told()).toContain("via-sfu to aaa");
  // Cleo left: two again. Ada (the lower id) offers; her picture comes on the direct connection.
  transport.send({ type: "SIGNALING.MODE", mode: "direct" });
  transport.send({ type: "SIGNALING.SIGNAL", from: "aaa", session: "s1", data: { description: { type: "offer", sdp: "v=0" } } });
  pcOut()({ type: "PC.REMOTE_STREAM", stream: directStream });
  return { transport, clock, sfuDid, asked, shown, told, fromAda, pcOut: pcOut(), viaSfuStream, directStream };
}

test("back to two from a group, make before break both ways: the direct picture replaces the media server's once it flows, however long that takes, and each side publishes to the media server until the other says it sees it directly", () => {
  const { clock, sfuDid, asked, shown, told, fromAda, pcOut, viaSfuStream, directStream } = backToTwo();
  // Its frames are watched; until one decodes, Ada's picture stays the media server's (a busy machine may take seconds).
  expect(asked).toContain("PC.WATCH_FLOW");
  clock.increment(5_000);
  expect(shown()).toEqual([viaSfuStream]);
  // It flows: shown, and Ada is told. We still publish: she may not see ours directly yet.
  pcOut({ type: "PC.FLOWING" });
  expect(shown()).toEqual([viaSfuStream, directStream]);
  expect(told()).toEqual(["direct to aaa"]);
  expect(sfuDid).toEqual([]);
  // She sees ours directly too: the media server's path closes.
  fromAda("direct");
  expect(sfuDid).toEqual(["SFU.CLOSE", "stopped"]);
});

test("back to two: Ada says she sees us directly before her own picture flows to us: the media server's path stays until it does", () => {
  const { sfuDid, shown, fromAda, pcOut, viaSfuStream, directStream } = backToTwo();
  fromAda("direct");
  expect(sfuDid).toEqual([]);
  expect(shown()).toEqual([viaSfuStream]);
  pcOut({ type: "PC.FLOWING" });
  expect(shown()).toEqual([viaSfuStream, directStream]);
  expect(sfuDid).toEqual(["SFU.CLOSE", "stopped"]);
});

test("back to two: a page that never says it sees us directly (an older one, a message lost) is published to for SFU_KEPT_MS, then the media server's path closes", () => {
  const { clock, sfuDid, pcOut } = backToTwo();
  pcOut({ type: "PC.FLOWING" });
  clock.increment(SFU_KEPT_MS - 10);
  expect(sfuDid).toEqual([]);
  clock.increment(10);
  expect(sfuDid).toEqual(["SFU.CLOSE", "stopped"]);
});

test("a control message of an unknown type, or a malformed one, reads as nothing; 'direct' reads as itself", () => {
  expect(decodeControl(encodeControl({ type: "direct" }))).toEqual({ type: "direct" });
  expect(decodeControl(encodeControl({ type: "directly" } as never))).toBeNull();
  expect(decodeControl(new Uint8Array([0xc1]))).toBeNull();
});

test("a server restart takes a group back to two: the old media server's path is let go SFU_KEPT_MS later, once the direct picture shows, though the other never says 'direct'", () => {
  const { transport, clock, sfuDid, sfuOut, pcOut } = watchedTransport();
  transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "sfu" });
  sfuOut()({ type: "SFU.REMOTE_STREAM", peer: "aaa", stream: { id: "aaa-sfu" } as unknown as MediaStream });
  transport.send({ type: "SIGNALING.RELAY", from: "aaa", channel: "control", data: encodeControl({ type: "via-sfu" }) });
  // The server restarted; the room is two: we connect directly, her picture flows.
  transport.send({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [] });
  pcOut()({ type: "PC.REMOTE_STREAM", stream: { id: "aaa-direct" } as unknown as MediaStream });
  pcOut()({ type: "PC.FLOWING" });
  expect(sfuDid).toEqual([]);
  clock.increment(SFU_KEPT_MS);
  expect(sfuDid).toEqual(["SFU.CLOSE", "stopped"]);
});
