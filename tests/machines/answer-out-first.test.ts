/**
 * The person already in the room answers the joiner's offer before anything that offer sets off on
 * its side (issue 21, machines/transport/peer-connection.ts `afterAnswer`): their tracks, which
 * the offer brings, reach the call, and our senders are tuned (at `stable`, which the answer brings
 * before its promise resolves), only once the answer has been sent; both still happen, once.
 * The call, transport, peer and connection machines are the real ones (helpers/fake-call.ts).
 */
import { describe, expect, test } from "bun:test";
import type { SignalingCommand } from "../../machines/link/signaling.ts";
import { ICE, harness, offer, pcs, settle, useFakeBrowser } from "../helpers/fake-call.ts";

describe("the answer goes out first", () => {
  useFakeBrowser();

  test("their tracks reach the call, and our senders are tuned, after our answer has been sent", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1" });
    await settle();
    h.report({ type: "SIGNALING.JOINED", self: "aaa", token: "t", peers: [], iceServers: ICE, mode: "direct" });
    await settle();
    const spare = pcs[0]!;
    const theirStream = () => h.actor.getSnapshot().context.peers.bbb?.stream ?? null;
    // What had happened when the answer left.
    let atAnswer = null as { tuned: number; stream: boolean } | null;
    const push = h.sent.push.bind(h.sent);
    h.sent.push = (...commands: SignalingCommand[]) => {
      for (const c of commands)
        if (c.type === "SIGNALING.SEND" && c.msg.type === "signal" && "description" in c.msg.data && c.msg.data.description.type === "answer")
          atAnswer = { tuned: spare.parametersRead, stream: theirStream() !== null };
      return push(...commands);
    };
    const tunedBefore = spare.parametersRead;

    h.report({ type: "SIGNALING.PEER_JOINED", peer: "bbb" });
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-bbb", data: offer() });
    await settle();
    expect(spare.answers).toBe(1);
    expect(atAnswer).toEqual({ tuned: tunedBefore, stream: false });
    // Then both, in the same task's wake.
    expect(theirStream()).not.toBeNull();
    expect(spare.parametersRead).toBeGreaterThan(tunedBefore);
  });
});
