/**
 * Test page script (bundled by negotiation.test.ts): two real peer connection actors in one page,
 * wired to each other through a relay that delays every signal, so that offers can cross (glare).
 */
import { createActor, createMachine, type AnyActorRef } from "xstate";
import type { SignalPayload } from "../../../protocol/index.ts";
import {
  peerConnectionActor,
  type PeerConnectionCommand,
  type PeerConnectionEvent,
  type PeerConnectionInput,
} from "../../../machines/transport/peer-connection.ts";

interface Side {
  send(cmd: PeerConnectionCommand): void;
  state: RTCPeerConnectionState | "new";
  controls: string[];
}

function host(input: PeerConnectionInput, onEvent: (e: PeerConnectionEvent) => void): AnyActorRef {
  const machine = createMachine({
    invoke: { id: "pc", src: peerConnectionActor, input },
    on: { "*": { actions: ({ event }) => onEvent(event as PeerConnectionEvent) } },
  });
  return createActor(machine).start();
}

const sides: Partial<Record<"a" | "b", Side>> = {};
/** Every signal sent, in order: "ms side type". */
const log: string[] = [];

async function start(delayMs: number) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 180 } });
  // As in a call: the newcomer (a) offers; the other side starts its connection with that offer.
  const make = (name: "a" | "b", other: "a" | "b", polite: boolean, firstSignal?: SignalPayload) => {
    const side: Side = { send: () => {}, state: "new", controls: [] };
    const input = { peer: other, polite, session: name, iceServers: [], stream, initiator: !firstSignal, ...(firstSignal ? { firstSignal } : {}) };
    const actor = host(input, (e) => {
      if (e.type === "PC.SIGNAL_OUT") log.push(`${Math.round(performance.now())} ${name} ${"description" in e.data ? e.data.description.type : "candidate"}`);
      if (e.type === "PC.SIGNAL_OUT") {
        setTimeout(() => {
          if (sides[other]) sides[other].send({ type: "PC.SIGNAL_IN", data: e.data });
          else if ("description" in e.data) make(other, name, true, e.data);
        }, delayMs);
      } else if (e.type === "PC.STATE") side.state = e.state;
      else if (e.type === "PC.CONTROL") side.controls.push(JSON.stringify(e.msg));
    });
    side.send = (cmd) => (actor.getSnapshot().children as Record<string, AnyActorRef>).pc!.send(cmd);
    sides[name] = side;
  };
  make("a", "b", false);
}

/** What a test reads: each side's connection and signaling state and its remote ICE ufrag. */
function look() {
  const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
  return pcs.map((pc) => ({
    connection: pc.connectionState,
    signaling: pc.signalingState,
    remoteUfrag: /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? "")?.[1] ?? null,
  }));
}

Object.assign(window, {
  negotiation: {
    start,
    look,
    /** Both sides restart ICE in the same instant: both make an offer, and the offers cross. */
    async restartBoth(): Promise<string[]> {
      sides.a!.send({ type: "PC.RESTART_ICE" });
      sides.b!.send({ type: "PC.RESTART_ICE" });
      // Resolves with both signaling states once both have made their offer (or after 1 s).
      const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
      for (let i = 0; i < 200 && !pcs.every((pc) => pc.signalingState === "have-local-offer"); i++) await new Promise((r) => setTimeout(r, 5));
      return pcs.map((pc) => pc.signalingState);
    },
    sendControl(from: "a" | "b") {
      sides[from]!.send({ type: "PC.SEND_CONTROL", msg: { type: "media-state", audio: false, video: true } });
    },
    controls: (name: "a" | "b") => sides[name]?.controls ?? [],
    log: () => log,
  },
});
