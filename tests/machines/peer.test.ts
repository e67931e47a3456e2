import { describe, expect, test } from "bun:test";
import { createActor, createMachine, fromCallback, SimulatedClock } from "xstate";
import { MEDIA_STALL_MS, peerMachine, type PeerReport } from "../../machines/transport/peer.ts";
import type { StatsSample } from "../../machines/features/stats.ts";
import type { PeerConnectionCommand, PeerConnectionEvent, PeerConnectionInput } from "../../machines/transport/peer-connection.ts";

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

  test("a first attempt that fails (never connected) restarts ICE, and retries until connected", () => {
    const h = harness();
    h.pcSays({ type: "PC.STATE", state: "connecting" });
    h.pcSays({ type: "PC.STATE", state: "failed" });
    expect(h.restarts()).toBe(1);
    expect(h.statuses()).toEqual(["connecting", "restarting"]);
    h.clock.increment(8_000);
    expect(h.restarts()).toBe(2);
    h.pcSays({ type: "PC.STATE", state: "connected" });
    h.clock.increment(30_000);
    expect(h.restarts()).toBe(2);
    expect(h.statuses().at(-1)).toBe("connected");
  });

  test("a first connection that never comes up (a signal lost in flight) restarts, which offers again", () => {
    const h = harness();
    h.pcSays({ type: "PC.STATE", state: "connecting" });
    h.clock.increment(11_999);
    expect(h.restarts()).toBe(0);
    h.clock.increment(1);
    expect(h.restarts()).toBe(1);
    expect(h.statuses()).toEqual(["connecting", "restarting"]);
    h.pcSays({ type: "PC.STATE", state: "connected" });
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

  describe("media that stops arriving while connected", () => {
    /** One stats sample: `packets` received so far (audio and video together), at `at` ms. */
    const rtp = (packets: number) => ({ bytes: packets * 100, packets, lost: 0, frames: 0, width: null, height: null, fps: null, codec: null, limit: null });
    const sample = (at: number, packets: number): StatsSample => ({
      at,
      audioIn: packets ? rtp(Math.floor(packets / 2)) : null,
      videoIn: packets ? rtp(Math.ceil(packets / 2)) : null,
      audioOut: null,
      videoOut: null,
      rttMs: null,
      remoteLoss: null,
      localCandidate: null,
      remoteCandidate: null,
    });
    /** Samples every second from `from` to `to` (exclusive) ms, packets growing by `rate` a second. */
    function feed(h: ReturnType<typeof harness>, from: number, to: number, start: number, rate: number) {
      let packets = start;
      for (let at = from; at < to; at += 1000, packets += rate) h.pcSays({ type: "PC.STATS", sample: sample(at, packets) });
      return packets - rate;
    }

    test("is restarted after a few seconds without a packet, once, then again only much later", () => {
      const h = harness();
      h.pcSays({ type: "PC.STATE", state: "connected" });
      const last = feed(h, 0, 10_000, 0, 100); // flowing; the last new packets at 9 s
      expect(h.restarts()).toBe(0);
      feed(h, 10_000, 9_000 + MEDIA_STALL_MS, last, 0); // nothing new for just under the limit
      expect(h.restarts()).toBe(0);
      feed(h, 9_000 + MEDIA_STALL_MS, 10_000 + MEDIA_STALL_MS, last, 0); // the limit
      expect(h.restarts()).toBe(1);
      expect(h.statuses().at(-1)).toBe("connected"); // restarted in place: the connection is still up
      feed(h, 10_000 + MEDIA_STALL_MS, 23_000 + MEDIA_STALL_MS, last, 0); // still nothing: no new try yet
      expect(h.restarts()).toBe(1);
      feed(h, 23_000 + MEDIA_STALL_MS, 40_000, last, 0); // one more try, 15 s after the first
      expect(h.restarts()).toBe(2);
      // Every sample is still passed on to the call.
      expect(h.reports.filter((r) => r.type === "PEER.STATS").length).toBe(40);
    });

    test("a peer that sends nothing (no camera or microphone) never counts as stalled", () => {
      const h = harness();
      h.pcSays({ type: "PC.STATE", state: "connected" });
      feed(h, 0, 60_000, 0, 0);
      expect(h.restarts()).toBe(0);
    });

    test("after a reconnection media gets its few seconds again before it counts as stalled", () => {
      const h = harness();
      h.pcSays({ type: "PC.STATE", state: "connected" });
      const last = feed(h, 0, 5_000, 0, 100);
      h.pcSays({ type: "PC.STATE", state: "disconnected" }); // nothing flows while disconnected
      feed(h, 5_000, 7_000, last, 0);
      h.pcSays({ type: "PC.STATE", state: "connected" });
      const restartsBefore = h.restarts(); // the grace may have restarted ICE already
      feed(h, 7_000, 7_000 + MEDIA_STALL_MS, last, 0); // counted from the reconnection, not from before
      expect(h.restarts()).toBe(restartsBefore);
      feed(h, 7_000 + MEDIA_STALL_MS, 13_000 + MEDIA_STALL_MS, last, 0);
      expect(h.restarts()).toBe(restartsBefore + 1);
    });
  });
});
