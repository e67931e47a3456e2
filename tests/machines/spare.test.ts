/**
 * The spare connection (issue 21): the person waiting in a direct room keeps a connection made
 * ahead, with the call's data channels and their tracks, and answers the joiner's first offer with
 * it instead of building one then; nothing of it is sent or gathered before. Another is made after
 * it is used; one that no longer fits what we send is made again; a group, or leaving, closes it.
 * Someone's arrival is shown and played only once the answer to their offer has gone.
 * The call, transport, peer and connection machines are the real ones (helpers/fake-call.ts).
 */
import { describe, expect, test } from "bun:test";
import { answerFirst } from "../../machines/answer-first.ts";
import { FEATURE_CHANNELS } from "../../protocol/index.ts";
import { ICE, harness, offer, pcs, settle, streamOf, track, useFakeBrowser } from "../helpers/fake-call.ts";

/** Into the room at once (no pre-join screen), alone: the server says we joined. */
async function aloneInRoom(iceServers = ICE) {
  const h = harness();
  h.actor.send({ type: "START", room: "room-1" });
  await settle();
  h.report({ type: "SIGNALING.JOINED", self: "aaa", token: "t", peers: [], iceServers, mode: "direct" });
  await settle();
  return h;
}

const kinds = (pc: (typeof pcs)[number]) => pc.transceivers.map((t) => `${t.receiver.track.kind}:${t.direction}:${t.sender.track?.id ?? "-"}`);

describe("a spare connection for answering", () => {
  useFakeBrowser();

  test("alone in a direct room, a connection waits made ahead, and the joiner's first offer is answered by it; another is made after", async () => {
    const h = await aloneInRoom();
    expect(pcs).toHaveLength(1);
    const spare = pcs[0]!;
    expect(spare.channels).toEqual(["control", ...FEATURE_CHANNELS]);
    expect(kinds(spare)).toEqual(["audio:sendrecv:mic-1", "video:sendrecv:cam-1"]);
    expect(spare.config).toMatchObject({ iceServers: ICE, iceTransportPolicy: "all", bundlePolicy: "max-bundle" });
    // Nothing leaves the browser: no description, no candidate pool (not even a relay server hears of it).
    expect(spare.config.iceCandidatePoolSize ?? 0).toBe(0);
    expect(spare.localDescription).toBeNull();
    expect(h.signals()).toEqual([]);

    h.report({ type: "SIGNALING.PEER_JOINED", peer: "bbb" });
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-bbb", data: offer() });
    await settle();
    expect(pcs).toHaveLength(1); // answered by the spare: no connection built on the offer
    expect(spare.answers).toBe(1);
    // The offer's lines took the tracks added ahead: nothing added twice, nothing receive-only.
    expect(kinds(spare)).toEqual(["audio:sendrecv:mic-1", "video:sendrecv:cam-1"]);
    const [answer] = h.signals();
    expect(answer).toMatchObject({ peer: "bbb", re: "s-bbb", data: { description: { type: "answer", sdp: expect.stringContaining("o=fake 0 1") } } });

    // Once the connection it answered has had time to come up, a new spare waits for the next offer (their reload).
    await Bun.sleep(2_100);
    expect(pcs).toHaveLength(2);
    expect(pcs[1]!.localDescription).toBeNull();
    expect(pcs[1]!.closed).toBe(false);
    h.actor.send({ type: "HANG_UP" });
    expect(pcs.map((p) => p.closed)).toEqual([true, true]);
  }, 15_000); // (2.1 s of it waiting: more than bun's 5 s on a busy machine)

  test("someone arriving in a room of two: what the page shows and plays of it waits until our answer to their offer has gone", async () => {
    const h = await aloneInRoom();
    h.report({ type: "SIGNALING.PEER_JOINED", peer: "bbb" });
    expect(answerFirst.held).toBe(true);
    const shown: string[] = [];
    answerFirst.after(() => shown.push(`arrival shown after ${h.signals().length} signal(s)`));
    await settle();
    expect(shown).toEqual([]);
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-bbb", data: offer() });
    await settle();
    expect(answerFirst.held).toBe(false);
    expect(shown).toEqual(["arrival shown after 1 signal(s)"]);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "answer" } });
    h.actor.send({ type: "EXIT" });
  });

  test("a spare that no longer fits what we send is made again; a changed device is swapped in; it answers with the relay servers of now", async () => {
    const h = await aloneInRoom();
    // Relay only switched on: made again for it.
    h.actor.send({ type: "SET_RELAY_ONLY", on: true });
    await settle();
    expect(pcs.map((p) => [p.closed, p.config.iceTransportPolicy])).toEqual([
      [true, "all"],
      [false, "relay"],
    ]);
    h.actor.send({ type: "SET_RELAY_ONLY", on: false });
    await settle();
    expect(pcs).toHaveLength(3);
    // The camera unplugged: only audio to send, made again without video.
    h.newStream(streamOf(track("mic-1", "audio")));
    await settle();
    expect(pcs).toHaveLength(4);
    expect(kinds(pcs[3]!)).toEqual(["audio:sendrecv:mic-1"]);
    // Another microphone, same kinds: kept, and swapped in as it answers.
    h.newStream(streamOf(track("mic-2", "audio")));
    await settle();
    expect(pcs).toHaveLength(4);
    const spare = pcs[3]!;
    const fresh = [{ urls: ["turn:turn.test:3478"], username: "2:aaa", credential: "e" }];
    h.report({ type: "SIGNALING.ICE_SERVERS", iceServers: fresh });
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-bbb", data: offer() });
    await settle();
    expect(pcs).toHaveLength(4);
    expect(spare.answers).toBe(1);
    expect(spare.config.iceServers).toEqual(fresh);
    expect(spare.replaced).toEqual(["mic-2"]);
    // Their video line: receive-only (we send no video).
    expect(kinds(spare)).toEqual(["audio:sendrecv:mic-2", "video:recvonly:-"]);
    h.actor.send({ type: "EXIT" });
  });

  test("no spare in a group (joined as one, or the room becoming one); leaving closes it", async () => {
    const group = harness();
    group.actor.send({ type: "START", room: "room-1" });
    await settle();
    group.report({ type: "SIGNALING.JOINED", self: "aaa", token: "t", peers: ["bbb", "ccc"], iceServers: ICE, mode: "sfu" });
    await settle();
    const spares = () => pcs.filter((p) => p.channels.includes("control"));
    expect(spares()).toEqual([]); // (the media server's connections have no data channels)
    group.actor.send({ type: "EXIT" });

    pcs.length = 0;
    const h = await aloneInRoom();
    expect(spares().map((p) => p.closed)).toEqual([false]);
    h.report({ type: "SIGNALING.MODE", mode: "sfu" });
    await settle();
    expect(spares().map((p) => p.closed)).toEqual([true]);
    h.actor.send({ type: "EXIT" });

    pcs.length = 0;
    const k = await aloneInRoom();
    k.actor.send({ type: "EXIT" });
    expect(spares().map((p) => p.closed)).toEqual([true]);
    await settle();
    expect(spares()).toHaveLength(1);
  });
  test("their refresh (a new session's offer): answered before their old connection is closed, which then is", async () => {
    const h = await aloneInRoom();
    h.report({ type: "SIGNALING.PEER_JOINED", peer: "bbb" });
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-bbb", data: offer() });
    await settle();
    const old = pcs[0]!;
    expect(old.answers).toBe(1);
    const close = old.close.bind(old);
    let signalsAtClose = null as number | null;
    old.close = () => {
      signalsAtClose = h.signals().length;
      close();
    };
    h.report({ type: "SIGNALING.SIGNAL", from: "bbb", session: "s-bbb-2", data: offer(2) });
    await settle();
    const answers = h.signals().filter((s) => "description" in s.data && s.data.description.type === "answer");
    expect(answers.map((s) => s.re)).toEqual(["s-bbb", "s-bbb-2"]);
    expect(old.closed).toBe(true);
    // Closed once the second answer had gone, not before its offer was applied.
    expect(signalsAtClose).toBe(h.signals().indexOf(answers[1]!) + 1);
    h.actor.send({ type: "EXIT" });
  });
});
