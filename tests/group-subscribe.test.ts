/**
 * How the server subscribes a group's members to each other (signal-server/sfu/group.ts), against
 * a fake Janus that answers the VideoRoom requests the server makes and records them: no media,
 * no browser. Real Janus and browsers are in tests/e2e/group.test.ts.
 */
import { expect, test } from "bun:test";
import type { ServerMessage, WithoutVersion } from "../protocol/index.ts";
import { type GroupDeps, Groups } from "../signal-server/sfu/group.ts";
import { JanusError, type JanusSession, type Jsep, type PluginEvent } from "../signal-server/sfu/janus.ts";
import { until } from "./helpers/ws-client.ts";

type Body = Record<string, unknown> & { request?: string };

class FakeHandle {
  onEvent: (event: PluginEvent) => void = () => {};
  onUp: () => void = () => {};
  onHangup: (reason: string) => void = () => {};
  /** The publisher this handle joined as, if it did. */
  publisher: string | null = null;
  detached = false;
  /** A subscriber's media lines so far. */
  readonly lines: { mid: string; feed_id: string; type: string }[] = [];
  constructor(private readonly janus: FakeJanus) {}
  async request(_body: Body) {
    return {};
  }
  async message(body: Body, _jsep?: Jsep): Promise<PluginEvent> {
    return this.janus.answer(this, body);
  }
  trickle() {}
  detach() {
    this.detached = true;
  }
}

/** Janus as far as subscriptions go: who publishes, and the subscriptions asked for. */
class FakeJanus {
  alive = true;
  onLost: (why: string) => void = () => {};
  readonly handles: FakeHandle[] = [];
  /** Feeds Janus holds. */
  readonly publishers = new Set<string>();
  /** Every subscriber join or update: the feeds it named. */
  readonly subscriptions: { request: string; feeds: string[] }[] = [];
  /** Every subscriber join or update, as asked: each feed with the layer named for it, if any. */
  readonly asked: { request: string; streams: { feed: string; substream?: number }[] }[] = [];
  /** Every subscriber configure: the video lines (by mid) it changed. */
  readonly configures: { mid: string; send?: boolean; substream?: number }[][] = [];
  async attach() {
    const handle = new FakeHandle(this);
    this.handles.push(handle);
    return handle;
  }
  close() {}
  answer(handle: FakeHandle, body: Body): PluginEvent {
    switch (body.request) {
      case "joinandconfigure":
        handle.publisher = String(body.id);
        this.publishers.add(handle.publisher);
        return { data: { publishers: [] }, jsep: { type: "answer", sdp: "v=0\r\n" } };
      case "join":
      case "update": {
        const list = (body.request === "join" ? body.streams : body.subscribe) as { feed: string; substream?: number }[];
        const feeds = list.map((s) => s.feed);
        this.subscriptions.push({ request: body.request, feeds });
        this.asked.push({ request: body.request, streams: list });
        const missing = feeds.find((f) => !this.publishers.has(f));
        if (missing) throw new JanusError(428, `No such feed (${missing})`);
        // An update appends lines to the handle's (Janus numbers them on), listed with the old ones.
        const first = handle.lines.length;
        handle.lines.push(
          ...feeds.flatMap((feed, i) => [
            { mid: String(first + 2 * i), feed_id: feed, type: "audio" },
            { mid: String(first + 2 * i + 1), feed_id: feed, type: "video" },
          ]),
        );
        const streams = handle.lines;
        return { data: { streams }, jsep: { type: "offer", sdp: "v=0\r\n" } };
      }
      case "configure":
        if (Array.isArray(body.streams)) this.configures.push(body.streams as { mid: string }[]);
        return { data: {} };
      default:
        return { data: {} };
    }
  }
  publisherHandle(id: string) {
    return this.handles.find((h) => h.publisher === id);
  }
}

const room = "r1";

/** A group of three (a, b, c) whose first `publishing` members publish, their connections with Janus up. */
async function groupOf(publishing: string[], options: Partial<GroupDeps> = {}) {
  const janus = new FakeJanus();
  const told: { member: string; msg: WithoutVersion<ServerMessage> }[] = [];
  const groups = new Groups({
    targets: [{ url: "ws://fake", secret: "" }],
    capacity: 20,
    tell: (_room, member, msg) => told.push({ member, msg }),
    openJanus: async () => janus as unknown as JanusSession,
    log: () => {},
    ...options,
  });
  groups.joined(room, "a", ["a"]);
  groups.joined(room, "b", ["a", "b"]);
  expect(groups.joined(room, "c", ["a", "b", "c"])).toBe("sfu");
  for (const id of publishing) {
    groups.signal(room, id, "pub", { description: { type: "offer", sdp: `v=0\r\na=fingerprint:sha-256 ${id}\r\n` } });
    await until(() => janus.publisherHandle(id) !== undefined, 2000, `${id} publishing`);
    janus.publisherHandle(id)!.onUp();
  }
  /** The offers of a subscription `member` was told, with whose media each lists. */
  const offersTo = (member: string) =>
    told.flatMap(({ member: to, msg }) =>
      to === member && msg.type === "sfu" && msg.pc === "sub" ? [[...new Set(msg.streams?.map((s) => s.peer))].sort()] : [],
    );
  // Settled: each of the three was offered a subscription (none is answered here, so none grows further).
  for (const id of ["a", "b", "c"]) if (publishing.some((p) => p !== id)) await until(() => offersTo(id).length > 0, 2000, `an offer to ${id}`);
  /** The highest layers `member` was told to encode, in order. */
  const layersTold = (member: string) => told.flatMap(({ member: to, msg }) => (to === member && msg.type === "sfu-layers" ? [msg.max] : []));
  return { janus, groups, offersTo, layersTold };
}

test("a newcomer to a group is offered everyone publishing there at once, in one request, before it publishes", async () => {
  const { janus, groups, offersTo } = await groupOf(["a", "b"]);
  const before = janus.subscriptions.length;
  expect(groups.joined(room, "d", ["a", "b", "c", "d"])).toBe("sfu");
  await until(() => offersTo("d").length > 0, 2000, "an offer to d");
  expect(offersTo("d")).toEqual([["a", "b"]]);
  expect(janus.subscriptions.slice(before)).toEqual([{ request: "join", feeds: ["a", "b"] }]);
});

test("a feed Janus no longer has is left out of a subscription; the others are still offered", async () => {
  const { janus, groups, offersTo } = await groupOf(["a", "b"]);
  // Janus has let b go (its page went, or it is publishing anew); this server still lists it.
  janus.publishers.delete("b");
  groups.joined(room, "d", ["a", "b", "c", "d"]);
  await until(() => offersTo("d").length > 0, 2000, "an offer to d");
  expect(offersTo("d")).toEqual([["a"]]);
  const joins = janus.subscriptions.slice(-2);
  expect(joins).toEqual([
    { request: "join", feeds: ["a", "b"] },
    { request: "join", feeds: ["a"] },
  ]);
});

/** `member` answers Janus's last offer of its subscription. */
const answer = (groups: Groups, member: string) => groups.signal(room, member, "sub", { description: { type: "answer", sdp: "v=0\r\n" } });

/** c answers its subscription until it holds a's lines (mids 0, 1) and b's (2, 3): b came while a's offer was out. */
async function holdingBoth(groups: Groups, offersTo: (member: string) => string[][]) {
  answer(groups, "c");
  await until(() => offersTo("c").length === 2, 2000, "c offered b");
  answer(groups, "c");
}

test("a feed added to a subscription is asked at the layer its tile needs, and the lines that did not change are not asked again", async () => {
  const { janus, groups, offersTo } = await groupOf(["a", "b"]);
  await holdingBoth(groups, offersTo);
  groups.view(room, "c", [
    { peer: "a", layer: 1 },
    { peer: "b", layer: 1 },
  ]);
  await until(() => janus.configures.length === 1, 2000, "c's layers configured");
  expect(janus.configures[0]).toEqual([
    { mid: "1", send: true, substream: 1 },
    { mid: "3", send: true, substream: 1 },
  ]);
  // d comes: c's stage lays out four tiles (d's small) before d's media reaches c.
  groups.joined(room, "d", ["a", "b", "c", "d"]);
  groups.view(room, "c", [
    { peer: "a", layer: 1 },
    { peer: "b", layer: 1 },
    { peer: "d", layer: 0 },
  ]);
  groups.signal(room, "d", "pub", { description: { type: "offer", sdp: "v=0\r\na=fingerprint:sha-256 d\r\n" } });
  await until(() => janus.publisherHandle("d") !== undefined, 2000, "d publishing");
  janus.publisherHandle("d")!.onUp();
  await until(() => offersTo("c").length === 3, 2000, "c offered d");
  expect(janus.asked.filter((a) => a.request === "update").slice(1)).toEqual([{ request: "update", streams: [{ feed: "d", substream: 0 }] }]);
  answer(groups, "c");
  // A later change of one tile asks for that line only (none was asked after the answer).
  groups.view(room, "c", [
    { peer: "a", layer: 0 },
    { peer: "b", layer: 1 },
    { peer: "d", layer: 0 },
  ]);
  await until(() => janus.configures.length > 1, 2000, "c's change configured");
  expect(janus.configures.slice(1)).toEqual([[{ mid: "1", send: true, substream: 0 }]]);
});

test("a feed whose tile is off screen is subscribed, then turned off once answered", async () => {
  const { janus, groups, offersTo } = await groupOf(["a", "b"]);
  await holdingBoth(groups, offersTo);
  groups.joined(room, "d", ["a", "b", "c", "d"]);
  groups.view(room, "c", [{ peer: "d", layer: -1 }]);
  groups.signal(room, "d", "pub", { description: { type: "offer", sdp: "v=0\r\na=fingerprint:sha-256 d\r\n" } });
  await until(() => janus.publisherHandle("d") !== undefined, 2000, "d publishing");
  janus.publisherHandle("d")!.onUp();
  await until(() => offersTo("c").length === 3, 2000, "c offered d");
  expect(janus.asked.filter((a) => a.request === "update").slice(1)).toEqual([{ request: "update", streams: [{ feed: "d" }] }]);
  answer(groups, "c");
  await until(() => janus.configures.length === 1, 2000, "d's line turned off");
  expect(janus.configures).toEqual([[{ mid: "5", send: false }]]);
});

test("a newcomer is subscribed at the layer it guessed with its join; its stage's choice then changes only the lines it differs on", async () => {
  const { janus, groups, offersTo } = await groupOf(["a", "b"]);
  groups.joined(room, "d", ["a", "b", "c", "d"], 1);
  await until(() => offersTo("d").length > 0, 2000, "an offer to d");
  expect(janus.asked.at(-1)).toEqual({
    request: "join",
    streams: [
      { feed: "a", substream: 1 },
      { feed: "b", substream: 1 },
    ],
  });
  answer(groups, "d");
  groups.view(room, "d", [
    { peer: "a", layer: 1 },
    { peer: "b", layer: 0 },
  ]);
  await until(() => janus.configures.length > 0, 2000, "d's change configured");
  expect(janus.configures).toEqual([[{ mid: "3", send: true, substream: 0 }]]);
});

test("dynacast: each publisher is told the highest layer anyone wants of it, more at once, less once nobody has wanted more for a while", async () => {
  const downAfter = 150;
  const { janus, groups, layersTold } = await groupOf(["a", "b", "c"], { layersDownAfterMs: downAfter });
  const settle = () => Bun.sleep(downAfter + 100);
  // Nobody has chosen yet: everyone's highest layer is wanted (Janus's default), told as each publisher came up.
  await settle();
  expect(["a", "b", "c"].map(layersTold)).toEqual([[2], [2], [2]]);
  // b shows a small, c medium: a may pause its high layer, once the choice has held.
  groups.view(room, "b", [{ peer: "a", layer: 0 }]);
  groups.view(room, "c", [{ peer: "a", layer: 1 }]);
  await Bun.sleep(downAfter / 3);
  expect(layersTold("a")).toEqual([2]);
  await until(() => layersTold("a").length > 1, 2000, "a told its layers");
  expect(layersTold("a")).toEqual([2, 1]);
  groups.view(room, "c", [{ peer: "a", layer: 0 }]);
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 0]);
  // b pins a: its high layer is asked for at once.
  groups.view(room, "b", [{ peer: "a", layer: 2 }]);
  expect(layersTold("a")).toEqual([2, 1, 0, 2]);
  // A layout flipping back and forth does not pause and resume it.
  groups.view(room, "b", [{ peer: "a", layer: 0 }]);
  await Bun.sleep(downAfter / 3);
  groups.view(room, "b", [{ peer: "a", layer: 2 }]);
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 0, 2]);
  // Off everyone's screen (a hidden tab, another page): the lowest layer still goes, for a newcomer's first picture.
  groups.view(room, "b", [{ peer: "a", layer: -1 }]);
  groups.view(room, "c", [{ peer: "a", layer: -1 }]);
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 0, 2, 0]);
  // A newcomer guessing medium tiles wants a's medium layer from its join on; when it leaves, that pauses again.
  groups.joined(room, "d", ["a", "b", "c", "d"], 1);
  expect(layersTold("a")).toEqual([2, 1, 0, 2, 0, 1]);
  groups.left(room, "d");
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 0, 2, 0, 1, 0]);
  // Nobody chose anything of b and c: they keep every layer, unbothered.
  expect([layersTold("b"), layersTold("c")]).toEqual([[2], [2]]);
  // a publishes afresh (a new page, or this server restarted while its page kept what it was told): told at once.
  groups.signal(room, "a", "pub", { description: { type: "offer", sdp: "v=0\r\na=fingerprint:sha-256 a2\r\n" } });
  await until(() => janus.handles.filter((h) => h.publisher === "a").length === 2, 2000, "a publishing again");
  janus.handles.filter((h) => h.publisher === "a")[1]!.onUp();
  expect(layersTold("a")).toEqual([2, 1, 0, 2, 0, 1, 0, 0]);
});
