/**
 * The joiner's data channels wait for the other person's picture (issue 21, machines/answer-first.ts
 * `awaitingPicture`): from its first offer until that picture shows, what the channels' opening
 * sets off (the media state and sender tuning at the control channel's, chat history resent,
 * drawings) and what comes over them is kept back, then handed on in the order it came, once; the
 * wait ends by itself shortly after the connection is up (a camera that is off sends no picture).
 * The person already there (who answers) is never held. The call, transport, peer and connection
 * machines are the real ones; the browser's RTCPeerConnection is a fake (tests/helpers/fake-call.ts).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { awaitingPicture, PICTURE_AFTER_CONNECTED_MS } from "../../machines/answer-first.ts";
import { encodeChat, type ChatWire } from "../../protocol/chat-wire.ts";
import { ICE, harness, offer, pcs, settle, useFakeBrowser } from "../helpers/fake-call.ts";

const text = (id: string, text: string): ChatWire => ({ t: "msg", id, from: "tab-a", at: Date.now(), text });
type Chat = { messages: { id: string; text: string }[] };

/** B on the pre-join screen with A in the room, Join pressed and joined: its prepared offer has gone. */
async function joinedAsB() {
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
  const chat = () => (h.actor.system.get("chat")!.getSnapshot() as { context: Chat }).context.messages.map((m) => m.text);
  return { h, pc, chat };
}

describe("the joiner's data channels wait for the other's picture", () => {
  useFakeBrowser();
  afterEach(() => awaitingPicture.release());

  test("opened and spoken over before the picture: nothing is handed on until it shows, then all of it in order, once", async () => {
    const { pc, chat } = await joinedAsB();
    expect(awaitingPicture.held).toBe(true);
    pc.open("control");
    pc.open("chat");
    pc.receive("chat", encodeChat(text("m1", "hello")));
    pc.receive("chat", encodeChat(text("m2", "are you there?")));
    await settle();
    expect(pc.dataChannels.control!.sent).toEqual([]); // our media state waits
    expect(chat()).toEqual([]);
    expect(pc.dataChannels.chat!.sent).toEqual([]); // nor acknowledged

    awaitingPicture.release(); // the first remote frame (ui Video)
    // One more comes before the task that hands on what waited: it stays behind them.
    pc.receive("chat", encodeChat(text("m3", "ah, there")));
    await settle();
    await settle();
    expect(pc.dataChannels.control!.sent).toHaveLength(1);
    expect(chat()).toEqual(["hello", "are you there?", "ah, there"]);
    expect(pc.dataChannels.chat!.sent.length).toBeGreaterThan(0); // acknowledged
    // The same message again later is a repeat: still once.
    pc.receive("chat", encodeChat(text("m1", "hello")));
    await settle();
    expect(chat()).toEqual(["hello", "are you there?", "ah, there"]);
  });

  test("no picture comes (their camera is off): once connected, the channels wait no longer than PICTURE_AFTER_CONNECTED_MS", async () => {
    const { pc, chat } = await joinedAsB();
    pc.open("chat");
    pc.receive("chat", encodeChat(text("m1", "camera's off")));
    pc.becomes("connected");
    await settle();
    expect(chat()).toEqual([]);
    await Bun.sleep(PICTURE_AFTER_CONNECTED_MS + 50);
    await settle();
    expect(awaitingPicture.held).toBe(false);
    expect(chat()).toEqual(["camera's off"]);
  });

  test("the person already there, answering, hands on its channels' opening and messages at once", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: false });
    await settle();
    h.report({ type: "SIGNALING.JOINED", self: "aaa", token: "t", peers: [], iceServers: ICE, mode: "direct" });
    await settle();
    h.report({ type: "SIGNALING.PEER_JOINED", peer: "bbb" });
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-b", data: offer() });
    await settle();
    const pc = pcs.at(-1)!;
    expect(pc.answers).toBe(1);
    expect(awaitingPicture.held).toBe(false);
    pc.open("control");
    pc.open("chat");
    pc.receive("chat", encodeChat(text("m1", "hi, I'm in")));
    await settle();
    expect(pc.dataChannels.control!.sent).toHaveLength(1);
    const chat = (h.actor.system.get("chat")!.getSnapshot() as { context: Chat }).context.messages.map((m) => m.text);
    expect(chat).toEqual(["hi, I'm in"]);
  });
});
