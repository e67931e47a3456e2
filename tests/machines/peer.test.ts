import { describe, expect, test } from "bun:test";
import { createActor, createMachine, fromCallback, SimulatedClock } from "xstate";
import { peerMachine, type PeerReport } from "../../machines/peer.ts";
import type { PeerConnectionCommand, PeerConnectionEvent, PeerConnectionInput } from "../../machines/peer-connection.ts";

function harness() {
  const commands: PeerConnectionCommand[] = [];
  let sendBack: ((e: PeerConnectionEvent) => void) | null = null;
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ sendBack: back, receive }) => {
    sendBack = back;
    receive((c) => commands.push(c));
  });
  const reports: PeerReport[] = [];
  const parent = createMachine({
    invoke: {
      id: "peer",
      src: peerMachine.provide({ actors: { connection } }),
      input: { peer: "them", polite: true, session: "s1", iceServers: [], stream: null, initiator: true },
    },
    on: { "*": { actions: ({ event }) => reports.push(event as PeerReport) } },
  });
  const clock = new SimulatedClock();
  createActor(parent, { clock }).start();
  const pcSays = (e: PeerConnectionEvent) => sendBack!(e);
  const statuses = () => reports.filter((r) => r.type === "PEER.STATUS").map((r) => (r as { status: string }).status);
  const restarts = () => commands.filter((c) => c.type === "PC.RESTART_ICE").length;
  return { clock, pcSays, statuses, restarts, reports };
}

describe("peer machine", () => {
  test("a short disconnection heals without an ICE restart", () => {
    const h = harness();
    h.pcSays({ type: "PC.STATE", state: "connected" });
    h.pcSays({ type: "PC.STATE", state: "disconnected" });
    h.clock.increment(1_999);
    h.pcSays({ type: "PC.STATE", state: "connected" });
    h.clock.increment(10_000);
    expect(h.restarts()).toBe(0);
    expect(h.statuses()).toEqual(["connecting", "connected", "unstable", "connected"]);
  });

  test("a disconnection past the grace restarts ICE, and retries until connected", () => {
    const h = harness();
    h.pcSays({ type: "PC.STATE", state: "connected" });
    h.pcSays({ type: "PC.STATE", state: "disconnected" });
    h.clock.increment(2_000);
    expect(h.restarts()).toBe(1);
    h.clock.increment(8_000);
    expect(h.restarts()).toBe(2);
    h.pcSays({ type: "PC.STATE", state: "connected" });
    h.clock.increment(30_000);
    expect(h.restarts()).toBe(2);
    expect(h.statuses().at(-1)).toBe("connected");
  });

  test("a failed connection restarts ICE at once", () => {
    const h = harness();
    h.pcSays({ type: "PC.STATE", state: "connected" });
    h.pcSays({ type: "PC.STATE", state: "failed" });
    expect(h.restarts()).toBe(1);
    expect(h.statuses().at(-1)).toBe("restarting");
  });

  test("signals out carry the peer and the session", () => {
    const h = harness();
    h.pcSays({ type: "PC.SIGNAL_OUT", data: { candidate: null } });
    expect(h.reports).toContainEqual({ type: "PEER.SIGNAL_OUT", peer: "them", session: "s1", data: { candidate: null } });
  });
});
