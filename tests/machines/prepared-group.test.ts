/**
 * The media-server path prepared on the pre-join screen (issues 16 and 21): with two or more people
 * in the room, Join makes the call a group, so the page builds its publishing connection there
 * (an audio line, a video line in three simulcast layers) and sets its offer, sending nothing; after
 * `joined` says the room is a group, that offer is the first thing the path sends, then the
 * candidates kept meanwhile, and no other connection is made. The call, transport and media-server
 * path are the real ones; the browser's RTCPeerConnection is the fake of fake-call.ts.
 */
import { describe, expect, test } from "bun:test";
import { type FakeTrack, harness, ICE, pcs, settle, streamOf, track, useFakeBrowser } from "../helpers/fake-call.ts";
import { showsLobby } from "../../ui/selectors.ts";
import { layerScales } from "../../machines/transport/prepared-group.ts";

const descriptions = (h: ReturnType<typeof harness>) =>
  h.sfuSignals().map((s) => `${s.pc} ${"description" in s.data ? s.data.description.type : (s.data.candidate?.candidate ?? "end")}`);

describe("the media-server path prepared on the pre-join screen", () => {
  useFakeBrowser();

  test("two people there: our publishing offer is made before Join and sent first after `joined` as a group, then the candidates kept meanwhile", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 2, iceServers: ICE });
    await settle();
    // The publishing connection and the (empty) receiving one.
    expect(pcs).toHaveLength(2);
    const [pub, sub] = pcs as [(typeof pcs)[0], (typeof pcs)[0]];
    expect(pub.config).toMatchObject({ iceServers: ICE, iceTransportPolicy: "all", bundlePolicy: "max-bundle" });
    expect(pub.transceivers.map((t) => [t.receiver.track.kind, t.direction, t.sender.track?.id, t.encodings.length])).toEqual([
      ["audio", "sendonly", "mic-1", 0],
      ["video", "sendonly", "cam-1", 3],
    ]);
    expect(pub.localDescription?.type).toBe("offer");
    pub.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");
    // The same room again (the peek repeats): the same preparation. Nothing has left.
    h.room({ people: 3, iceServers: ICE });
    await settle();
    expect(pcs).toHaveLength(2);
    expect(h.sent).toEqual([]);

    h.actor.send({ type: "JOIN" });
    await settle();
    expect(h.sfuSignals()).toEqual([]);
    const mine = [{ urls: ["turn:turn.test:3478"], username: "1:ccc", credential: "d" }];
    h.report({ type: "SIGNALING.JOINED", self: "ccc", token: "t", peers: ["aaa", "bbb"], iceServers: mine, mode: "sfu" });
    await settle();
    expect(pcs).toHaveLength(2); // no other connection
    expect(pub.offers).toBe(1); // the prepared offer, not a new one
    expect(pub.config.iceServers).toEqual(mine); // the member's own relay credentials from now on
    expect(sub.config.iceServers).toEqual(mine);
    pub.gather("candidate:2 1 udp 1 10.0.0.2 5001 typ host");
    expect(descriptions(h)).toEqual(["pub offer", "pub candidate:1 1 udp 1 10.0.0.2 5000 typ host", "pub candidate:2 1 udp 1 10.0.0.2 5001 typ host"]);
    const first = h.sfuSignals()[0]!;
    expect("description" in first.data && first.data.description.sdp).toContain("o=fake 0 1");
    expect(pcs.every((p) => !p.closed)).toBe(true);
  });

  test("a device changed on the pre-join screen is swapped in place; a full room or one of one prepares no group path", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 20, iceServers: ICE }); // full: Join would be refused
    await settle();
    expect(pcs).toHaveLength(0);
    h.room({ people: 2, iceServers: ICE });
    await settle();
    expect(pcs).toHaveLength(2);
    const camera = h.actor.getSnapshot().context.local!.stream!.getVideoTracks()[0] as unknown as FakeTrack;
    h.newStream(streamOf(track("mic-2", "audio"), camera));
    await settle();
    expect(pcs).toHaveLength(2); // same kinds of track: kept
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "ccc", token: "t", peers: ["aaa", "bbb"], iceServers: ICE, mode: "sfu" });
    await settle();
    expect(pcs).toHaveLength(2);
    expect(pcs[0]!.replaced).toEqual(["mic-2"]);
    expect(descriptions(h)[0]).toBe("pub offer");
  });

  test("a refresh taking back its seat in a group rejoins before its devices are ready; their tracks then take the publishing lines, with no other offer", async () => {
    const h = harness({ holdDevices: true, token: "seat-token", returnIce: { iceServers: ICE, group: true } });
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    expect(h.phase()).toBe("joining");
    expect(pcs).toHaveLength(0); // nothing made ahead for a group
    h.report({ type: "SIGNALING.JOINED", self: "ccc", token: "t", peers: ["aaa", "bbb"], iceServers: ICE, mode: "sfu" });
    await settle();
    expect(pcs).toHaveLength(2);
    const pub = pcs[0]!;
    expect(pub.transceivers.map((t) => [t.receiver.track.kind, t.sender.track])).toEqual([
      ["audio", null],
      ["video", null],
    ]);
    expect(descriptions(h)).toEqual(["pub offer"]);
    h.devicesReady(h.outgoingOf());
    await settle();
    expect(pub.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(descriptions(h)).toEqual(["pub offer"]);
    expect(pcs).toHaveLength(2);
  });

  test("prepared for a group, the room is down to one by Join: it is closed, and the direct call starts as without it", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 2, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    h.report({ type: "SIGNALING.JOINED", self: "ccc", token: "t", peers: ["aaa"], iceServers: ICE, mode: "direct" });
    await settle();
    expect(pcs.slice(0, 2).map((p) => p.closed)).toEqual([true, true]);
    expect(h.sfuSignals()).toEqual([]);
    expect(h.signals()[0]?.data).toMatchObject({ description: { type: "offer" } });
  });

  test("Join pressed before the group path was made (an instant click): none is made during the join; the path makes its own once joined", async () => {
    const h = harness();
    h.actor.send({ type: "START", room: "room-1", lobby: true });
    await settle();
    h.room({ people: 2, iceServers: ICE });
    h.actor.send({ type: "JOIN" });
    await settle();
    expect(pcs).toHaveLength(0);
    h.report({ type: "SIGNALING.JOINED", self: "ccc", token: "t", peers: ["aaa", "bbb"], iceServers: ICE, mode: "sfu" });
    await settle();
    expect(pcs).toHaveLength(2);
    expect(descriptions(h)).toEqual(["pub offer"]);
  });
  test("we make a call of two a group: the call's view shows once joined (the others publish first); a later joiner's view waits for the first stream", async () => {
    for (const [peers, lobby] of [
      [["aaa", "bbb"], false],
      [["aaa", "bbb", "ddd"], true],
    ] as const) {
      const h = harness();
      h.actor.send({ type: "START", room: "room-1", lobby: true });
      await settle();
      h.room({ people: peers.length, iceServers: ICE });
      await settle();
      h.actor.send({ type: "JOIN" });
      await settle();
      expect(showsLobby(h.actor.getSnapshot())).toBe(true); // "Joining…" until the server answers
      h.report({ type: "SIGNALING.JOINED", self: "ccc", token: "t", peers: [...peers], iceServers: ICE, mode: "sfu" });
      await settle();
      expect(showsLobby(h.actor.getSnapshot())).toBe(lobby);
    }
  });
});

describe("the size of each simulcast layer", () => {
  const camera = (width: number, height: number, contentHint = "") => ({ contentHint, getSettings: () => ({ width, height }) }) as unknown as MediaStreamTrack;

  test("a 1080p camera is sent at 720p, 360p and 180p: no tile asks for more than 1280 px", () => {
    expect(layerScales(camera(1920, 1080))).toEqual([1.5, 3, 6]);
    expect(layerScales(camera(1080, 1920))).toEqual([1.5, 3, 6]); // upright, its longer side counts
  });

  test("a camera no larger than the layers' tiles keeps halving from its own size; a shared screen too, for legible text", () => {
    expect(layerScales(camera(960, 540))).toEqual([1, 2, 4]);
    expect(layerScales(camera(1280, 720))).toEqual([1, 2, 4]);
    expect(layerScales(camera(1920, 1080, "detail"))).toEqual([1, 2, 4]);
    expect(layerScales(null)).toEqual([1, 2, 4]);
  });
});
