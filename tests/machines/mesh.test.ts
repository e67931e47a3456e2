import { expect, test } from "bun:test";
import { createActor, createMachine, fromCallback } from "xstate";
import { meshTransport, type TransportInput } from "../../machines/transport/mesh.ts";
import { peerMachine } from "../../machines/transport/peer.ts";
import type { PeerConnectionCommand, PeerConnectionEvent, PeerConnectionInput } from "../../machines/transport/peer-connection.ts";

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
  const input: TransportInput = {
    relayOnly: false,
    noServer: false,
    stream: null,
    outgoing: null,
    mediaState: { type: "media-state", audio: true, video: true },
    keys: null,
  };
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
