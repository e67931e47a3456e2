/**
 * The connection prepared on the pre-join screen (issue 21): with one person in the room, the page
 * makes its connection and offer before Join and sends nothing; after Join the prepared offer is
 * the first signal out, then the candidates gathered meanwhile. A room that turns out to be empty,
 * a group, or other than prepared for drops it cleanly. The call, transport, peer and connection
 * machines are the real ones; the browser's RTCPeerConnection is a fake that records what is done.
 */
import { describe, expect, test } from "bun:test";
import { ICE, type FakeTrack, harness, pcs, settle, streamOf, track, useFakeBrowser } from "../helpers/fake-call.ts";
import { showsLobby } from "../../ui/selectors.ts";
import { PreparedSlot } from "../../machines/transport/prepared.ts";
import { answerFirst, awaitingPicture } from "../../machines/answer-first.ts";
import { loadLastIce, saveLastIce } from "../../machines/storage.ts";
import { memoryStorage } from "../helpers/memory-storage.ts";
import { decodeControl } from "../../protocol/index.ts";

/**
 * In the room before the devices are ready: one connection, its offer made with an empty sending
 * line of each kind, carried by the join; `joined` says it was relayed (no other offer).
 */
async function joinedOnEmptyLines(h: ReturnType<typeof harness>) {
  expect(h.actor.getSnapshot().context.local).toBeNull();
  expect(pcs).toHaveLength(1);
  const pc = pcs[0]!;
  expect(pc.transceivers.map((t) => [t.receiver.track.kind, t.direction, t.sender.track])).toEqual([
    ["audio", "sendrecv", null],
    ["video", "sendrecv", null],
  ]);
  pc.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");
  const offer = await h.joinOffer();
  expect(offer?.sdp).toContain("o=fake 0 1");
  h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct", offered: true });
  await settle();
  expect(pc.offers).toBe(1);
  return pc;
}

describe("a connection prepared on the pre-join screen", () => {
  useFakeBrowser();

  test("one person there: the offer is made before Join and sent only after `joined`, first, then the candidates kept meanwhile", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("lobby");
    h.room({ people: 1, iceServers: ICE });
    await settle();
    expect(pcs).toHaveLength(1);
    const pc = pcs[0]!;
    expect(pc.config).toMatchObject({ iceServers: ICE, iceTransportPolicy: "all", bundlePolicy: "max-bundle" });
    expect(pc.config.iceCandidatePoolSize).toBeGreaterThan(0);
    expect(pc.localDescription?.type).toBe("offer");
    pc.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");
    // The same room again, every 3 s: the same preparation.
    h.room({ people: 1, iceServers: [{ ...ICE[0]!, username: "2:lobby-ffff0000" }] });
    await settle();
    expect(pcs).toHaveLength(1);
    // Nothing has left: no join, no signal.
    expect(h.sent).toEqual([]);

    h.actor.send({ type: "JOIN" });
    await settle();
    expect(showsLobby(h.actor.getSnapshot())).toBe(true); // "Joining…" until the server answers
    expect(h.signals()).toEqual([]);
    const mine = [{ urls: ["turn:turn.test:3478"], username: "1:bbb", credential: "d" }];
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: mine, mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1); // no second connection
    expect(pc.closed).toBe(false);
    expect(pc.offers).toBe(1); // the prepared offer, not a new one
    expect(pc.config.iceServers).toEqual(mine); // the member's own relay credentials from now on
    pc.gather("candidate:2 1 udp 1 10.0.0.2 5001 typ host");
    const signals = h.signals();
    expect(signals.map((s) => s.peer)).toEqual(["aaa", "aaa", "aaa"]);
    expect(signals.map((s) => ("description" in s.data ? s.data.description.type : s.data.candidate?.candidate))).toEqual([
      "offer",
      "candidate:1 1 udp 1 10.0.0.2 5000 typ host",
      "candidate:2 1 udp 1 10.0.0.2 5001 typ host",
    ]);
    expect("description" in signals[0]!.data && signals[0]!.data.description.sdp).toContain(`o=fake 0 1`);
    // The pre-join screen stays until their picture arrives (with the answer), then the call shows.
    expect(showsLobby(h.actor.getSnapshot())).toBe(true);
    pc.ontrack?.({ track: track("their-cam", "video") });
    await settle();
    expect(showsLobby(h.actor.getSnapshot())).toBe(false);
  });

  test("active TCP candidates (port 9, they only dial out) are not signaled, kept before `joined` or gathered after it; the others are", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    const pc = pcs.at(-1)!;
    const udp = "candidate:1 1 udp 2122194687 10.0.0.2 5000 typ host generation 0 ufrag abcd network-id 1";
    const activeTcp = (n: number) => `candidate:${n} 1 tcp 1518214911 10.0.0.2 9 typ host tcptype active generation 0 ufrag abcd network-id 1`;
    const passiveTcp = "candidate:4 1 tcp 1518214911 10.0.0.2 5002 typ host tcptype passive generation 0";
    const relay = "candidate:5 1 udp 41885439 203.0.113.9 5003 typ relay raddr 0.0.0.0 rport 0 generation 0";
    pc.gather(udp);
    h.actor.send({ type: "JOIN" });
    await settle();
    expect(await h.joinOffer()).not.toBeNull();
    pc.gather(activeTcp(2)); // kept until `joined`
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct", offered: true });
    await settle();
    for (const c of [activeTcp(3), passiveTcp, relay]) pc.gather(c);
    const sent = h.signals().map((s) => ("candidate" in s.data ? s.data.candidate?.candidate : "description"));
    expect(sent).toEqual([passiveTcp, relay]);
    h.actor.stop();
  });

  test("the prepared offer goes with the join: relayed, it is not sent again, nor the candidates its SDP carried; dropped, it goes after `joined` under a new session", async () => {
    for (const relayed of [true, false]) {
      const h = harness();
      h.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      h.room({ people: 1, iceServers: ICE });
      await settle();
      const pc = pcs.at(-1)!;
      pc.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");
      // Before Join the link has nothing to carry it with, and nothing has left.
      expect(h.sent).toEqual([]);
      h.actor.send({ type: "JOIN" });
      await settle();
      const offer = await h.joinOffer();
      expect(offer?.sdp).toContain("o=fake");
      expect(offer?.sdp).toContain("a=candidate:1 1 udp 1 10.0.0.2 5000 typ host\r\n");
      // Asked again (a join sent again after the socket dropped): not twice.
      expect(await h.joinOffer()).toBeNull();
      h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct", ...(relayed ? { offered: true } : {}) });
      await settle();
      expect(pc.offers).toBe(1);
      pc.gather("candidate:2 1 udp 1 10.0.0.2 5001 typ host");
      const signals = h.signals();
      const what = signals.map((s) => ("description" in s.data ? s.data.description.type : s.data.candidate?.candidate));
      if (relayed) {
        expect(what).toEqual(["candidate:2 1 udp 1 10.0.0.2 5001 typ host"]);
        expect(signals[0]!.session).toBe(offer!.session);
      } else {
        expect(what).toEqual(["offer", "candidate:1 1 udp 1 10.0.0.2 5000 typ host", "candidate:2 1 udp 1 10.0.0.2 5001 typ host"]);
        expect(signals[0]!.session).not.toBe(offer!.session);
      }
      // Their answer comes to the session they heard; the picture ends the pre-join screen.
      h.report({
        type: "SIGNALING.SIGNAL",
        from: "aaa",
        session: "their-1",
        re: signals[0]!.session,
        data: { description: { type: "answer", sdp: "v=0\r\n" } },
      });
      await settle();
      expect(pc.remoteDescription?.type).toBe("answer");
      h.actor.stop();
    }
  });

  test("no prepared connection, or one for a group: the join carries no offer", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 0, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    await settle();
    expect(await h.joinOffer()).toBeNull();
  });

  test("the pre-join screen shows while the devices start and nothing leaves: the connection to the one person there is made with empty lines, kept once the devices come, and its offer goes with Join", async () => {
    const h = harness({ holdDevices: true });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("preparing");
    expect(showsLobby(h.actor.getSnapshot())).toBe(true);
    h.room({ people: 1, iceServers: ICE });
    await settle();
    expect(h.phase()).toBe("preparing");
    expect(h.sent).toEqual([]);
    // Prepared for the one person the peek saw before the devices: a sending line of each kind, empty for now.
    expect(pcs).toHaveLength(1);
    const pc = pcs[0]!;
    expect(pc.localDescription?.type).toBe("offer");
    expect(pc.transceivers.map((t) => [t.receiver.track.kind, t.direction, t.sender.track])).toEqual([
      ["audio", "sendrecv", null],
      ["video", "sendrecv", null],
    ]);
    h.devicesReady(h.outgoingOf());
    await settle();
    expect(h.phase()).toBe("lobby");
    expect(showsLobby(h.actor.getSnapshot())).toBe(true);
    // Kept (it fits whatever the devices gave): nothing made again, nothing sent.
    expect(pcs).toHaveLength(1);
    expect(pc.closed).toBe(false);
    expect(h.sent).toEqual([]);
    h.actor.send({ type: "JOIN" });
    expect((await h.joinOffer())?.sdp).toContain("o=fake 0 1");
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct", offered: true });
    await settle();
    // Our tracks take its lines; no other offer.
    expect(pc.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(pc.offers).toBe(1);
    expect(pcs).toHaveLength(1);
    expect(h.signals().filter((s) => "description" in s.data)).toEqual([]);
  });

  test("the pre-join screen showing before its devices and its peek: the guess is made with empty lines after it is drawn, and a Join carries its offer", async () => {
    const h = harness({ holdDevices: true, guess: true });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    // Not in the task that shows the screen: after it is drawn.
    expect(pcs).toHaveLength(0);
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.config.iceServers).toEqual([]);
    expect(pcs[0]!.localDescription?.type).toBe("offer");
    expect(h.phase()).toBe("preparing");
    expect(h.sent).toEqual([]);
    h.actor.send({ type: "JOIN" });
    const pc = await joinedOnEmptyLines(h);
    expect(pc).toBe(pcs[0]!);
    h.devicesReady(h.outgoingOf());
    await settle();
    expect(pc.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(pc.offers).toBe(1);
    expect(pcs).toHaveLength(1);

    // A refresh taking its seat back shows no pre-join screen: no guess (it prepares its own).
    pcs.length = 0;
    const r = harness({ holdDevices: true, guess: true, token: "t" });
    r.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(pcs).toHaveLength(0);
    r.actor.stop();
  });

  test("Join pressed while the devices start goes in at once with an offer of empty lines; their tracks then take the lines, with no other offer", async () => {
    const h = harness({ holdDevices: true });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    expect(h.sent).toEqual([]);
    h.actor.send({ type: "JOIN" });
    await settle();
    expect(h.phase()).toBe("joining");
    expect(showsLobby(h.actor.getSnapshot())).toBe(true); // "Joining…"
    const pc = await joinedOnEmptyLines(h);
    expect(pc.config).toMatchObject({ iceServers: ICE, iceTransportPolicy: "all" });
    // Our media state tells the other our camera is still starting (their tile says so), until it has opened.
    const mediaStates = () => pc.dataChannels.control!.sent.map((d) => decodeControl(d as Uint8Array)).filter((m) => m?.type === "media-state");
    pc.open("control");
    awaitingPicture.release();
    await settle();
    expect(mediaStates().at(-1)).toMatchObject({ type: "media-state", starting: true });
    h.devicesReady(h.outgoingOf());
    await settle();
    expect(mediaStates().at(-1)).toEqual({ type: "media-state", audio: true, video: true });
    const { context } = h.actor.getSnapshot();
    expect([context.micOn, context.camOn]).toEqual([true, true]);
    expect(pc.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(pc.offers).toBe(1);
    expect(pc.streamsSet).toBe(0);
    expect(pcs).toHaveLength(1);
    expect(h.signals().filter((s) => "description" in s.data)).toEqual([]);
  });

  test("Join pressed while the devices start, in a room that turns out a group or empty: in at once, nothing direct prepared, the devices published when they come", async () => {
    for (const people of [2, 0]) {
      const h = harness({ holdDevices: true });
      h.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      h.room({ people, iceServers: ICE });
      await settle();
      h.actor.send({ type: "JOIN" });
      await settle();
      expect(h.phase()).toBe("joining");
      expect(pcs).toHaveLength(0);
      expect(await h.joinOffer()).toBeNull();
      h.devicesReady();
      await settle();
      expect(
        h.actor
          .getSnapshot()
          .context.local?.stream?.getTracks()
          .map((t) => t.id),
      ).toEqual(["mic-1", "cam-1"]);
    }
  });

  test("a refresh taking its seat back never shows the pre-join screen, not even while its devices start", async () => {
    const h = harness({ holdDevices: true, token: "t" });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("preparing");
    expect(showsLobby(h.actor.getSnapshot())).toBe(false);
    h.devicesReady();
    await settle();
    expect(h.phase()).not.toBe("lobby");
    expect(showsLobby(h.actor.getSnapshot())).toBe(false);
  });

  test("no picture comes (frames that do not open, a connection still coming up): the call's view shows anyway after handoverLimit", async () => {
    const h = harness({ handoverLimit: 40 });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(showsLobby(h.actor.getSnapshot())).toBe(true);
    await Bun.sleep(80);
    expect(showsLobby(h.actor.getSnapshot())).toBe(false);
    expect(h.phase()).not.toBe("lobby");
  });

  test("one person there: the connection is made in the next task, not after a paint, even before the devices; a group's path waits for it", async () => {
    // A page that has not painted yet (a Join pressed the instant it is enabled comes before the paint).
    const paints: (() => void)[] = [];
    const raf = globalThis.requestAnimationFrame;
    globalThis.requestAnimationFrame = (fn: FrameRequestCallback) => paints.push(() => fn(0));
    try {
      const h = harness({ holdDevices: true });
      h.actor.send({ type: "START", room: "room-1", lobby: true });
      h.room({ people: 1, iceServers: ICE });
      await settle();
      // Made without a paint, before the devices (empty lines), and kept once they come.
      expect(pcs).toHaveLength(1);
      expect(pcs[0]!.localDescription?.type).toBe("offer");
      h.devicesReady(h.outgoingOf());
      await settle();
      expect(pcs).toHaveLength(1);
      expect(h.sent).toEqual([]);
      // Two there: our path to the media server comes after the pre-join screen has painted.
      h.room({ people: 2, iceServers: ICE });
      await settle();
      expect(pcs.map((p) => p.closed)).toEqual([true]);
      for (const paint of paints.splice(0)) paint();
      await settle();
      expect(pcs.length).toBeGreaterThan(1);
      expect(h.sent).toEqual([]);
    } finally {
      globalThis.requestAnimationFrame = raf;
    }
  });

  test("Join pressed before the preparation was made (an instant click): made right after the join goes out, before the next task, and used", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    // What the page's next task would find (a paint, the browser's code caching come before a timer).
    let inNextTask = -1;
    setTimeout(() => (inNextTask = pcs.length), 0);
    h.actor.send({ type: "JOIN" });
    expect(pcs).toHaveLength(0); // not before the join goes out
    await settle();
    expect(inNextTask).toBe(1);
    expect(pcs).toHaveLength(1);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.offers).toBe(1);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer" } });
  });

  test("Join pressed before the peek's answer: the direct connection is made on the guess, with no relay servers on a first visit, and its offer goes with the join", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("lobby");
    expect(pcs).toHaveLength(0); // nothing before Join while the room is unknown
    h.actor.send({ type: "JOIN" });
    const offer = await h.joinOffer();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.config.iceServers).toEqual([]);
    expect(offer?.sdp).toContain("o=fake 0 1");
    // On the socket Join adopted, the server answers the peek before it answers the join: the same servers, kept.
    h.report({ type: "SIGNALING.OCCUPANCY", people: 1, capacity: 20, iceServers: [] });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(h.signals()).toEqual([]); // nothing goes before `joined`
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "direct", offered: true });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.offers).toBe(1);
    expect(h.signals()).toEqual([]); // the server relayed it: not sent again
  });

  test("the pre-join screen showing before the peek has answered: the guess is made there, at once, kept by an answer that fits, dropped by one that does not", async () => {
    const h = harness({ guess: true });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.config.iceServers).toEqual([]);
    expect(pcs[0]!.localDescription?.type).toBe("offer");
    expect(h.sent).toEqual([]); // made, nothing sent
    h.room({ people: 1, iceServers: [] });
    await settle();
    expect(pcs).toHaveLength(1); // the answer fits the guess: kept
    h.actor.send({ type: "JOIN" });
    expect((await h.joinOffer())?.sdp).toContain("o=fake 0 1");
    h.actor.stop();

    for (const answer of [{ people: 0 }, { people: 1, iceServers: ICE }]) {
      pcs.length = 0;
      const g = harness({ guess: true });
      g.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      g.room({ iceServers: [], ...answer });
      await settle();
      expect(pcs[0]!.closed).toBe(true);
      expect(pcs.slice(1).map((p) => p.config.iceServers)).toEqual(answer.people ? [ICE] : []);
      g.actor.stop();
    }

    // Relay only asked, with no relay server known: the guess is dropped.
    pcs.length = 0;
    const r = harness({ guess: true });
    r.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    r.actor.send({ type: "SET_RELAY_ONLY", on: true });
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true]);
    r.actor.send({ type: "SET_RELAY_ONLY", on: false });
    r.actor.stop();
  });

  test("Join pressed before the peek's answer, which names other relay servers: prepared afresh with them, the guess closed and its offer not used", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.actor.send({ type: "JOIN" });
    const guessed = await h.joinOffer();
    expect(guessed).not.toBeNull();
    h.report({ type: "SIGNALING.OCCUPANCY", people: 1, capacity: 20, iceServers: ICE });
    await Promise.resolve();
    expect(pcs).toHaveLength(2); // before the next message (`joined`) is read
    expect(pcs[0]!.closed).toBe(true);
    expect(pcs[1]!.config.iceServers).toEqual(ICE);
    await settle();
    // The server relayed the guess's offer to them; the connection going on is the new one, under a new session.
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct", offered: true });
    await settle();
    expect(pcs).toHaveLength(2);
    expect(pcs[1]!.offers).toBe(1);
    const first = h.signals()[0]!;
    expect(first.data).toMatchObject({ description: { type: "offer", sdp: expect.stringContaining("o=fake 1 1") } });
    expect(first.session).not.toBe(guessed!.session);
  });

  test("Join pressed before the peek's answer uses the relay servers the server gave last (kept across calls), unless they have expired", async () => {
    const g = globalThis as { localStorage?: Storage };
    g.localStorage = memoryStorage();
    try {
      const mine = [{ urls: ["turn:turn.test:3478"], username: `${Math.floor(Date.now() / 1000) + 3600}:bbb`, credential: "d" }];
      const first = harness();
      first.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      first.room({ people: 0, iceServers: ICE });
      await settle();
      first.actor.send({ type: "JOIN" });
      first.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: mine, mode: "direct" });
      await settle();
      first.actor.stop();
      expect(loadLastIce()).toEqual(mine);

      pcs.length = 0;
      const again = harness();
      again.actor.send({ type: "START", room: "room-2", lobby: true });
      await settle();
      again.actor.send({ type: "JOIN" });
      expect(await again.joinOffer()).not.toBeNull();
      expect(pcs[0]!.config.iceServers).toEqual(mine);
      again.actor.stop();

      // Expired credentials, or a poisoned value, are none.
      saveLastIce([{ ...mine[0]!, username: `${Math.floor(Date.now() / 1000) - 10}:bbb` }]);
      expect(loadLastIce()).toBeNull();
      g.localStorage.setItem("onelink.ice", '[{"urls":5}]');
      expect(loadLastIce()).toBeNull();
      expect(g.localStorage.getItem("onelink.ice")).toBeNull();
    } finally {
      delete g.localStorage;
    }
  });

  test("Join pressed before the peek's answer: a group, an empty room or relay only with no relay server known sends nothing direct", async () => {
    for (const late of [
      { people: 2, peers: ["aaa", "ccc"], mode: "sfu" as const },
      { people: 0, peers: [], mode: "direct" as const },
    ]) {
      pcs.length = 0;
      const g = harness();
      g.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      g.actor.send({ type: "JOIN" });
      expect(await g.joinOffer()).not.toBeNull(); // the guess went with the join; the server drops it (server.test.ts, group-server.test.ts)
      g.report({ type: "SIGNALING.OCCUPANCY", people: late.people, capacity: 20, iceServers: [] });
      g.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: late.peers, iceServers: [], mode: late.mode });
      await settle();
      expect(pcs[0]!.closed).toBe(true);
      expect(g.signals()).toEqual([]);
      g.actor.stop();
    }
    // A peek answered after `joined` prepares nothing from it.
    pcs.length = 0;
    const after = harness();
    after.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    after.actor.send({ type: "SET_RELAY_ONLY", on: true });
    after.actor.send({ type: "JOIN" });
    expect(await after.joinOffer()).toBeNull(); // relay only, and no relay server known: no guess
    after.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: ICE, mode: "direct" });
    after.report({ type: "SIGNALING.OCCUPANCY", people: 1, capacity: 20, iceServers: ICE });
    await settle();
    expect(pcs.filter((p) => p.offers > 0)).toEqual([]);
    after.actor.send({ type: "SET_RELAY_ONLY", on: false });
  });

  test("a device changed on the pre-join screen is swapped in place; a relay error before Join is told only after it", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    const pc = pcs[0]!;
    pc.onicecandidateerror?.({ url: "turn:turn.test:3478", errorCode: 401, errorText: "Unauthorized" });
    const camera = h.actor.getSnapshot().context.local!.stream!.getVideoTracks()[0] as unknown as FakeTrack;
    h.newStream(streamOf(track("mic-2", "audio"), camera));
    await settle();
    expect(pcs).toHaveLength(1); // same kinds of track: kept
    expect(h.actor.getSnapshot().context.iceError).toBeNull();
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pc.replaced).toEqual(["mic-2"]);
    expect(pc.offers).toBe(1);
    expect(h.actor.getSnapshot().context.iceError?.code).toBe("401");
  });

  test("an empty room, a group, or a room that changed by Join: no direct connection prepared is used, and it is closed", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 0, iceServers: ICE });
    await settle();
    expect(pcs).toHaveLength(0);
    h.room({ people: 1 }); // an older server: no relay servers, nothing prepared
    await settle();
    expect(pcs).toHaveLength(0);
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.room({ people: 2, iceServers: ICE }); // a group now: our path to the media server instead (prepared-group.test.ts)
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true, false, false]);
    h.room({ people: 1, iceServers: ICE });
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true, true, true, false]);
    // Relay only switched on: prepared again for it.
    h.actor.send({ type: "SET_RELAY_ONLY", on: true });
    await settle();
    expect(pcs.map((p) => p.closed)).toEqual([true, true, true, true, false]);
    expect(pcs[4]!.config.iceTransportPolicy).toBe("relay");
    // Two people by the time we joined (the room became a group): dropped, nothing direct starts.
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa", "ccc"], iceServers: ICE, mode: "sfu" });
    await settle();
    expect(pcs[4]!.closed).toBe(true);
    expect(h.signals()).toEqual([]);
    h.actor.send({ type: "SET_RELAY_ONLY", on: false });
  });

  test("joined, the room differs from what was prepared: a fresh connection offers, the prepared one is closed", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    // They left as we joined: nobody to offer to (the one that follows is the spare kept for whoever comes, spare.test.ts).
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs.map((p) => [p.closed, p.offers])).toEqual([
      [true, 1],
      [false, 0],
    ]);
    expect(h.signals()).toEqual([]);
    // Hanging up on the pre-join screen's way out leaves nothing open either.
    h.actor.send({ type: "EXIT" });
    expect(pcs.every((p) => p.closed)).toBe(true);
  });

  test("a refresh taking its seat back prepares its connection with the relay servers its page had while the join is on its way", async () => {
    const h = harness({ token: "seat-token", returnIce: { iceServers: ICE, group: false } });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("joining");
    expect(h.watched.every((url) => url === null)).toBe(true); // no peek
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.config.iceServers).toEqual(ICE);
    expect(h.signals()).toEqual([]);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.offers).toBe(1);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer", sdp: expect.stringContaining("o=fake 0 1") } });

    // Back in a group, or alone: nothing of it is used, and nothing is left open.
    for (const [returnIce, peers, mode] of [
      [{ iceServers: ICE, group: true }, ["aaa", "ccc"], "sfu"],
      [{ iceServers: ICE, group: false }, [], "direct"],
    ] as const) {
      pcs.length = 0;
      const g = harness({ token: "seat-token", returnIce });
      g.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      expect(pcs).toHaveLength(returnIce.group ? 0 : 1);
      g.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: [...peers], iceServers: ICE, mode });
      await settle();
      if (!returnIce.group) expect(pcs[0]!.closed).toBe(true);
      expect(g.signals()).toEqual([]);
    }
  });

  test("a refresh taking its seat back in a direct call rejoins before its devices are ready; their tracks then take the offer's lines without another offer", async () => {
    const h = harness({ holdDevices: true, token: "seat-token", returnIce: { iceServers: ICE, group: false } });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    // In the room, the join on its way with its offer, while the camera and microphone still start.
    expect(h.phase()).toBe("joining");
    const pc = await joinedOnEmptyLines(h);
    // The microphone switched off while they start stays off once they come.
    h.actor.send({ type: "TOGGLE_MIC" });
    h.devicesReady(h.outgoingOf());
    await settle();
    const { context } = h.actor.getSnapshot();
    expect(context.local?.stream?.getTracks().map((t) => t.id)).toEqual(["mic-1", "cam-1"]);
    expect([context.micOn, context.camOn]).toEqual([false, true]);
    expect(context.local?.stream?.getAudioTracks()[0]?.enabled).toBe(false);
    // Each track in its line, swapped in place: no other offer, no new streams (which renegotiate).
    expect(pc.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(pc.offers).toBe(1);
    expect(pc.streamsSet).toBe(0);
    expect(pcs).toHaveLength(1);
    expect(h.signals().filter((s) => "description" in s.data)).toEqual([]);
  });

  test("a refresh taking its seat back peeks at nothing and prepares nothing: it joins at once", async () => {
    const h = harness({ token: "seat-token" });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("joining");
    expect(h.watched.every((url) => url === null)).toBe(true);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "direct" });
    await settle();
    expect(pcs).toHaveLength(1);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer" } });
  });

  test("the join waiting for an offer still being set holds the call view's render until it has gone (the render would come first)", async () => {
    // The browser sets the offer when told to (a busy page: after Join).
    let setOffer: (() => void) | null = null;
    const Fake = globalThis.RTCPeerConnection as unknown as new (c: RTCConfiguration) => { setLocalDescription(): Promise<void> };
    (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = class extends Fake {
      override setLocalDescription() {
        return new Promise<void>((resolve) => {
          setOffer = () => void super.setLocalDescription().then(resolve);
        });
      }
    };
    const slot = new PreparedSlot();
    slot.want({ iceServers: ICE, iceTransportPolicy: "all", stream: streamOf(track("cam", "video"), track("mic", "audio")) as unknown as MediaStream });
    const join = slot.forJoin(); // Join pressed: the connection is made now, its offer not set yet
    expect(join).toBeInstanceOf(Promise);
    let rendered = false;
    answerFirst.after(() => {
      rendered = true;
    });
    await settle();
    expect(rendered).toBe(false);
    setOffer!();
    let gone = false;
    void (join as Promise<unknown>).then(() => {
      gone = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(gone).toBe(false); // set, but no candidate in it yet: the other side could not reach us before our trickled ones
    expect(rendered).toBe(false);
    pcs.at(-1)!.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");
    const offer = await join;
    expect(offer?.sdp).toContain("o=fake");
    expect(offer?.sdp).toContain("a=candidate:1 1 udp 1 10.0.0.2 5000 typ host\r\n");
    expect(answerFirst.held).toBe(false);
    // The render comes in a task of its own, after the join's.
    expect(rendered).toBe(false);
    await settle();
    expect(rendered).toBe(true);
    slot.drop();
  });
  test("a join carrying the prepared offer holds the joiner's extra work for the other's picture from Join itself", async () => {
    awaitingPicture.release();
    const slot = new PreparedSlot();
    slot.want({ iceServers: ICE, iceTransportPolicy: "all", stream: streamOf(track("cam", "video"), track("mic", "audio")) as unknown as MediaStream });
    await settle();
    expect(awaitingPicture.held).toBe(false); // the pre-join screen holds nothing
    const offer = await slot.forJoin();
    expect(offer?.sdp).toContain("o=fake");
    // What a timer begins now (the denoiser's context) waits: the offer only counts as sent at `joined`.
    expect(awaitingPicture.held).toBe(true);
    awaitingPicture.release();
    slot.drop();
  });
});
