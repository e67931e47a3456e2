/**
 * A connection's stats are not read while it comes up and shows its first picture (issue 21,
 * machines/transport/peer-connection.ts `STATS_AFTER_CONNECTED_MS`): the stats poll (once a second)
 * asks every connection, and on both pages a read in the joiner's way to its first picture is work
 * on the cores that way needs. Read from STATS_AFTER_CONNECTED_MS after it is up, or from
 * STATS_QUIET_MS after it was made if it never comes up. The call, transport, peer and connection
 * machines are the real ones; the browser's RTCPeerConnection is a fake (tests/helpers/fake-call.ts).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { awaitingPicture } from "../../machines/answer-first.ts";
import { STATS_AFTER_CONNECTED_MS, STATS_QUIET_MS } from "../../machines/transport/peer-connection.ts";
import { type FakePc, ICE, harness, offer, pcs, settle, useFakeBrowser } from "../helpers/fake-call.ts";

/** Counts the connection's stats reads. */
function reads(pc: FakePc) {
  let n = 0;
  const read = pc.getStats.bind(pc);
  pc.getStats = () => {
    n++;
    return read();
  };
  return () => n;
}

/** The clock pages read (performance.now()), moved on by `skew` ms while these tests run. */
const realNow = performance.now;
let skew = 0;

async function poll(h: ReturnType<typeof harness>) {
  h.actor.system.get("transport")!.send({ type: "STATS.POLL" });
  await settle();
}

describe("a connection's stats wait until it is up and has shown its first picture", () => {
  useFakeBrowser();
  beforeEach(() => {
    skew = 0;
    performance.now = () => realNow.call(performance) + skew;
  });
  afterEach(() => {
    performance.now = realNow;
    awaitingPicture.release();
  });

  test("the person already there, answering: no read while connecting nor in the first STATS_AFTER_CONNECTED_MS after, then every poll", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: false });
    await settle();
    h.report({ type: "SIGNALING.JOINED", self: "aaa", token: "t", peers: [], iceServers: ICE, mode: "direct" });
    await settle();
    h.report({ type: "SIGNALING.PEER_JOINED", peer: "bbb" });
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-b", data: offer() });
    await settle();
    const pc = pcs.at(-1)!;
    const count = reads(pc);
    await poll(h);
    expect(count()).toBe(0);
    pc.becomes("connected");
    await settle();
    await poll(h);
    skew += STATS_AFTER_CONNECTED_MS - 50;
    await poll(h);
    expect(count()).toBe(0);
    skew += 50;
    await poll(h);
    expect(count()).toBe(1);
    await poll(h);
    expect(count()).toBe(2);
  });

  test("the joiner, and a connection that does not come up: read from STATS_QUIET_MS after it was made", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    await settle();
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    const pc = pcs[0]!;
    const count = reads(pc);
    await poll(h);
    skew += STATS_QUIET_MS - 50;
    await poll(h);
    expect(count()).toBe(0);
    skew += 50;
    await poll(h);
    expect(count()).toBe(1);
  });
});
