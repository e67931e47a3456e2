/**
 * How the server subscribes a group's members to each other (signal-server/sfu/group.ts), against
 * a fake Janus that answers the VideoRoom requests the server makes and records them: no media,
 * no browser. Real Janus and browsers are in tests/e2e/group.test.ts. Some wait out real debounces:
 * each test has 15 s, not bun's 5 s (a busy machine).
 */
import { expect, test } from "bun:test";
import type { ServerMessage, WithoutVersion } from "../protocol/index.ts";
import type { GroupEvent } from "../signal-server/sfu/group-events.ts";
import { type GroupDeps, Groups } from "../signal-server/sfu/group.ts";
import type { JanusSession } from "../signal-server/sfu/janus.ts";
import { FakeJanus } from "./helpers/fake-janus.ts";
import { until } from "./helpers/ws-client.ts";

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
  /** The modes `member` was told, in order. */
  const modesOf = (member: string) => told.flatMap(({ member: to, msg }) => (to === member && msg.type === "mode" ? [msg.mode] : []));
  return { janus, groups, offersTo, layersTold, modesOf };
}

test("a newcomer to a group is offered everyone publishing there at once, in one request, before it publishes", async () => {
  const { janus, groups, offersTo } = await groupOf(["a", "b"]);
  const before = janus.subscriptions.length;
  expect(groups.joined(room, "d", ["a", "b", "c", "d"])).toBe("sfu");
  await until(() => offersTo("d").length > 0, 2000, "an offer to d");
  expect(offersTo("d")).toEqual([["a", "b"]]);
  expect(janus.subscriptions.slice(before)).toEqual([{ request: "join", feeds: ["a", "b"] }]);
}, 15_000);

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
}, 15_000);

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
}, 15_000);

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
}, 15_000);

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
}, 15_000);

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
}, 15_000);

test("back at two, a group goes direct after its wait, each member told once", async () => {
  const directAfter = 300;
  const { groups, modesOf } = await groupOf(["a", "b"], { directAfterMs: directAfter });
  groups.left(room, "c");
  await Bun.sleep(directAfter / 2);
  expect(groups.modeOf(room)).toBe("sfu");
  await until(() => groups.modeOf(room) === "direct", 2000 + directAfter, "the room direct");
  await Bun.sleep(50);
  expect([modesOf("a"), modesOf("b"), modesOf("c")]).toEqual([["sfu", "direct"], ["sfu", "direct"], []]);
}, 15_000);

/**
 * Nodes of a cluster, each a `Groups` of its own, driving one (fake) Janus; what one shares reaches
 * the others as through Redis: as JSON, a moment later, in order. `onShare` sees each event as it
 * is shared, before any other node has heard it.
 */
function cluster(count: number, options: Partial<GroupDeps> = {}, onShare?: (event: GroupEvent, from: Groups) => void) {
  const janus = new FakeJanus();
  const told: { member: string; msg: WithoutVersion<ServerMessage> }[] = [];
  const shared: GroupEvent[] = [];
  const logged: string[] = [];
  const nodes: Groups[] = [];
  for (let i = 0; i < count; i++) {
    const node: Groups = new Groups({
      targets: [{ url: "ws://fake", secret: "" }],
      capacity: 20,
      tell: (_room, member, msg) => told.push({ member, msg }),
      openJanus: async () => janus as unknown as JanusSession,
      log: (...args) => logged.push(args.join(" ")),
      share: (event) => {
        shared.push(event);
        const text = JSON.stringify(event);
        setTimeout(() => {
          for (const other of nodes) if (other !== node) other.heard(JSON.parse(text));
        }, 0);
        onShare?.(event, node);
      },
      ...options,
    });
    nodes.push(node);
  }
  const layersTold = (member: string) => told.flatMap(({ member: to, msg }) => (to === member && msg.type === "sfu-layers" ? [msg.max] : []));
  /** `member`, on `node`, publishes; its connection with Janus comes up. */
  const publish = async (node: Groups, member: string) => {
    node.signal(room, member, "pub", { description: { type: "offer", sdp: `v=0\r\na=fingerprint:sha-256 ${member}\r\n` } });
    await until(() => janus.publisherHandle(member) !== undefined, 2000, `${member} publishing`);
    janus.publisherHandle(member)!.onUp();
  };
  return { janus, nodes, shared, logged, layersTold, publish, told };
}

test("across nodes, a member is told its room is a group by its own node, once that node has it a group: its offer, sent at once, is taken there", async () => {
  const { nodes, told, janus } = cluster(2, { groupFrom: 2 });
  const [one, two] = nodes as [Groups, Groups];
  one.joined(room, "a", ["a"]);
  const modesOf = (member: string) => told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  expect(two.joined(room, "b", ["a", "b"])).toBe("sfu");
  // The news is still on its way to a's node: nobody has told a yet (told then, its offer would find the room direct there).
  expect(one.modeOf(room)).toBe("direct");
  expect(modesOf("a")).toEqual([]);
  await until(() => modesOf("a").length > 0, 2000, "a told");
  expect(one.modeOf(room)).toBe("sfu");
  expect(modesOf("a")).toEqual(["sfu"]);
  // As a page does on hearing it: its offer goes to its node, which takes it.
  expect(one.signal(room, "a", "pub", { description: { type: "offer", sdp: "v=0\r\na=fingerprint:sha-256 a\r\n" } })).toBe(true);
  await until(() => janus.publisherHandle("a") !== undefined, 2000, "a publishing");
}, 15_000);

test("dynacast across nodes: a publisher whose only viewer is on another node encodes what that viewer watches, more as soon as it asks", async () => {
  const downAfter = 200;
  const { nodes, layersTold, publish } = cluster(2, { groupFrom: 2, layersDownAfterMs: downAfter, wantsEveryMs: 50 });
  const [one, two] = nodes as [Groups, Groups];
  one.joined(room, "a", ["a"]);
  expect(two.joined(room, "b", ["a", "b"])).toBe("sfu");
  await until(() => one.modeOf(room) === "sfu", 2000, "the group on a's node");
  await publish(one, "a");
  expect(layersTold("a")).toEqual([2]);
  // b, on the other node, shows a small: a pauses its higher layers once that has held.
  two.view(room, "b", [{ peer: "a", layer: 0 }]);
  await Bun.sleep(downAfter / 2);
  expect(layersTold("a")).toEqual([2]);
  await until(() => layersTold("a").length > 1, 2000, "a told its layers");
  expect(layersTold("a")).toEqual([2, 0]);
  // b enlarges it: asked of a as soon as b's node says so, not after the pause's wait.
  two.view(room, "b", [{ peer: "a", layer: 2 }]);
  await until(() => layersTold("a").length > 2, downAfter, "a told to encode more");
  expect(layersTold("a")).toEqual([2, 0, 2]);
}, 15_000);

test("dynacast across nodes: a member nobody has said the wants of counts as wanting the highest, and so does one whose node died", async () => {
  const downAfter = 150;
  const { nodes, layersTold, publish, logged } = cluster(2, { groupFrom: 2, layersDownAfterMs: downAfter, wantsEveryMs: 50 });
  const [one, two] = nodes as [Groups, Groups];
  const settle = () => Bun.sleep(downAfter + 150);
  one.joined(room, "a", ["a"]);
  two.joined(room, "b", ["a", "b"]);
  await until(() => one.modeOf(room) === "sfu", 2000, "the group on a's node");
  // c joins through a third node, which never says what c wants.
  one.heard({ kind: "joined", room, member: "c" });
  two.heard({ kind: "joined", room, member: "c" });
  await publish(one, "a");
  two.view(room, "b", [{ peer: "a", layer: 0 }]);
  await settle();
  expect(layersTold("a")).toEqual([2]);
  // Its node says: c wants a's middle layer.
  one.heard({ kind: "wants", room, members: [{ member: "c", layers: [["a", 1]], guess: null }] });
  await settle();
  expect(layersTold("a")).toEqual([2, 1]);
  // c's node died (b's node swept it): what c wanted is forgotten everywhere, at once.
  two.away(room, "c", ["a", "b"]);
  await until(() => layersTold("a").length > 2, 2000, "a told to encode its highest");
  expect(layersTold("a")).toEqual([2, 1, 2]);
  // c rejoins through b's node guessing small tiles, then leaves: b's wants alone count.
  two.joined(room, "c", ["a", "b", "c"], 0);
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 2, 0]);
  two.view(room, "c", [{ peer: "a", layer: 2 }]);
  await until(() => layersTold("a").length > 4, 2000, "a told c's choice");
  two.left(room, "c");
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 2, 0, 2, 0]);

  // What comes off the bus is checked: a bad event is logged and changes nothing.
  const bad: unknown[] = [
    null,
    "wants",
    { kind: "wants", room, members: [{ member: "b", layers: [["a", 5]], guess: null }] },
    { kind: "wants", room, members: [{ member: "b", layers: { a: 2 }, guess: null }] },
    { kind: "wants", room, members: [{ member: "b", layers: [], guess: 3 }] },
    { kind: "wants", room, members: "b" },
    { kind: "joined", room, member: 7 },
    { kind: "sfu", room: "", members: [] },
    { kind: "pause", room },
  ];
  const before = logged.length;
  for (const event of bad) expect(() => one.heard(event)).not.toThrow();
  expect(logged.length - before).toBe(bad.length);
  await settle();
  expect(layersTold("a")).toEqual([2, 1, 2, 0, 2, 0]);
}, 15_000);

test("dynacast across nodes: a node new to a group is told what the members already there want", async () => {
  const downAfter = 150;
  const { nodes, layersTold, publish } = cluster(2, { layersDownAfterMs: downAfter, wantsEveryMs: 50 });
  const [one, two] = nodes as [Groups, Groups];
  // b and c, on one node, joined guessing small tiles while the room was direct; a is the third, on the other.
  two.joined(room, "b", ["b"], 0);
  two.joined(room, "c", ["b", "c"], 0);
  expect(one.joined(room, "a", ["b", "c", "a"])).toBe("sfu");
  await publish(one, "a");
  await Bun.sleep(downAfter + 150);
  expect(layersTold("a").at(-1)).toBe(0);
}, 15_000);

test("dynacast across nodes: a layout change sending many views is shared as one or two events", async () => {
  const { nodes, shared } = cluster(2, { groupFrom: 2, wantsEveryMs: 100 });
  const [one, two] = nodes as [Groups, Groups];
  one.joined(room, "a", ["a"]);
  two.joined(room, "b", ["a", "b"]);
  await Bun.sleep(150);
  const before = shared.length;
  for (const layer of [0, 1, 2, 1, 0, -1, 0, 1, 2, 1] as const) two.view(room, "b", [{ peer: "a", layer }]);
  await Bun.sleep(250);
  const wants = shared.slice(before).filter((e) => e.kind === "wants");
  expect(wants.length).toBeLessThanOrEqual(2);
  expect(wants.at(-1)).toEqual({ kind: "wants", room, members: [{ member: "b", layers: [["a", 1]], guess: null }] });
}, 15_000);

test("dynacast across nodes: a member whose page moved to another node is spoken for by that node only", async () => {
  const downAfter = 150;
  const { nodes, layersTold, publish } = cluster(3, { groupFrom: 2, layersDownAfterMs: downAfter, wantsEveryMs: 50 });
  const [one, two, three] = nodes as [Groups, Groups, Groups];
  const settle = () => Bun.sleep(downAfter + 150);
  one.joined(room, "a", ["a"]);
  three.joined(room, "b", ["a", "b"]);
  await until(() => one.modeOf(room) === "sfu", 2000, "the group on a's node");
  await publish(one, "a");
  three.view(room, "b", [{ peer: "a", layer: 0 }]);
  await settle();
  expect(layersTold("a")).toEqual([2, 0]);
  // b's page is refreshed through the second node, and pins a there.
  two.joined(room, "b", ["a", "b"]);
  two.view(room, "b", [{ peer: "a", layer: 2 }]);
  await until(() => layersTold("a").length > 2, 2000, "a told b's choice");
  // d joins through a's node: the others say what their members want, b's old node no longer b's old choice.
  one.joined(room, "d", ["a", "b", "d"], 0);
  await settle();
  expect(layersTold("a")).toEqual([2, 0, 2]);
}, 15_000);

test("across nodes, a member whose seat expires on a node holding no group of its room is dropped by the nodes that do: its wants stop counting, and the room goes direct at two", async () => {
  const downAfter = 150;
  const directAfter = 1000;
  const { nodes, layersTold, publish, told } = cluster(4, { layersDownAfterMs: downAfter, wantsEveryMs: 50, directAfterMs: directAfter });
  const [one, two, three, four] = nodes as [Groups, Groups, Groups, Groups];
  const modesOf = (member: string) => told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  // a on the first node, b on the second, c (the third: a group) on the fourth; the third node has nobody of the room.
  one.joined(room, "a", ["a"]);
  two.joined(room, "b", ["a", "b"]);
  expect(four.joined(room, "c", ["a", "b", "c"])).toBe("sfu");
  await until(() => one.modeOf(room) === "sfu" && two.modeOf(room) === "sfu", 2000, "the group on a's and b's nodes");
  await publish(one, "a");
  two.view(room, "b", [{ peer: "a", layer: 0 }]);
  four.view(room, "c", [{ peer: "a", layer: 0 }]);
  await until(() => layersTold("a").at(-1) === 0, 2000, "a told to encode its lowest layer only");
  // c's node dies (it hears and says nothing more); the third node sweeps its seats: c is away, then its grace runs out.
  nodes.splice(nodes.indexOf(four), 1);
  three.away(room, "c", ["a", "b"]);
  await until(() => layersTold("a").at(-1) === 2, 2000, "a told to encode its highest for c, away");
  three.expired(room, "c", ["a", "b"]);
  // The nodes holding the group let c go: a encodes for b alone again, and the two go direct after
  // the usual wait, each told once, by its own node.
  await until(() => one.membersOf(room).length === 2 && two.membersOf(room).length === 2, 2000, "c gone from a's and b's nodes");
  expect([one.membersOf(room).sort(), two.membersOf(room).sort()]).toEqual([
    ["a", "b"],
    ["a", "b"],
  ]);
  expect([one.modeOf(room), two.modeOf(room)]).toEqual(["sfu", "sfu"]);
  await until(() => layersTold("a").at(-1) === 0, 2000, "a told to encode its lowest again");
  await until(() => one.modeOf(room) === "direct" && two.modeOf(room) === "direct", 2 * directAfter, "the room direct on both nodes");
  await Bun.sleep(50);
  expect([modesOf("a"), modesOf("b")]).toEqual([
    ["sfu", "direct"],
    ["sfu", "direct"],
  ]);
}, 15_000);

test("across nodes, a member that left while the room was direct is no member once it is a group: back at two, it goes direct", async () => {
  const directAfter = 300;
  const { nodes, told } = cluster(2, { directAfterMs: directAfter });
  const [one, two] = nodes as [Groups, Groups];
  const modesOf = (member: string) => told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  // b on the second node, then a on the first: a call of two, direct. b hangs up (nothing is shared of a direct room).
  two.joined(room, "b", ["b"]);
  one.joined(room, "a", ["b", "a"]);
  two.left(room, "b");
  // c and d join on a's node: a group of three, then of two again.
  one.joined(room, "c", ["a", "c"]);
  expect(one.joined(room, "d", ["a", "c", "d"])).toBe("sfu");
  expect(one.membersOf(room).sort()).toEqual(["a", "c", "d"]);
  one.left(room, "d");
  await until(() => one.modeOf(room) === "direct", 2000 + directAfter, "the room direct again");
  expect([modesOf("a"), modesOf("c")]).toEqual([
    ["sfu", "direct"],
    ["sfu", "direct"],
  ]);
}, 15_000);

/**
 * a (first node) and b (second node) are a group again at two, c having left: the first node whose
 * wait runs out shares "direct", and at that very moment d joins through `joinAt` (the other
 * node holding the group, or a third with nobody of the room) before it has heard.
 */
async function directCrossingJoin(joinAt: "other" | "third") {
  const directAfter = 200;
  let joiner: Groups | null = null;
  let joinedAs: string | null = null;
  const { nodes, told } = cluster(3, { directAfterMs: directAfter }, (event, from) => {
    if (event.kind !== "direct" || joiner) return;
    const [one, two, three] = nodes as [Groups, Groups, Groups];
    joiner = joinAt === "third" ? three : from === one ? two : one;
    joinedAs = joiner.joined(room, "d", ["a", "b", "d"]);
  });
  const [one, two, three] = nodes as [Groups, Groups, Groups];
  one.joined(room, "a", ["a"]);
  two.joined(room, "b", ["a", "b"]);
  expect(one.joined(room, "c", ["a", "b", "c"])).toBe("sfu");
  await until(() => two.modeOf(room) === "sfu", 2000, "the group on b's node");
  one.left(room, "c");
  await until(() => joiner !== null, 2000 + directAfter, "a node going direct");
  // Settled: longer than another wait to direct, which three people must not start.
  await Bun.sleep(3 * directAfter);
  const modesOf = (member: string) => told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  const holding = joinAt === "third" ? [one, two, three] : [one, two];
  return { joinedAs, modesOf, holding };
}

for (const joinAt of ["other", "third"] as const)
  test(`across nodes, a join crossing another node's return to direct (the joiner on ${joinAt === "other" ? "the other node holding the group" : "a node new to the room"}): the three end up in the group, each told so last`, async () => {
    const { joinedAs, modesOf, holding } = await directCrossingJoin(joinAt);
    expect(holding.map((node) => node.modeOf(room))).toEqual(holding.map(() => "sfu"));
    for (const node of holding) expect(node.membersOf(room).sort()).toEqual(["a", "b", "d"]);
    // What each member was told last (d's joined said the mode, unless a mode came after it).
    expect([modesOf("a").at(-1), modesOf("b").at(-1), modesOf("d").at(-1) ?? joinedAs]).toEqual(["sfu", "sfu", "sfu"]);
  }, 15_000);

test("across nodes, the only node holding a group dies during its wait to direct: the two left rejoin through another node and are told direct", async () => {
  const directAfter = 300;
  const { nodes, told } = cluster(2, { directAfterMs: directAfter });
  const [one, two] = nodes as [Groups, Groups];
  const modesOf = (member: string) => told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  one.joined(room, "a", ["a"]);
  one.joined(room, "b", ["a", "b"]);
  expect(one.joined(room, "c", ["a", "b", "c"])).toBe("sfu");
  one.left(room, "c");
  await Bun.sleep(directAfter / 3);
  // The first node dies (it says nothing more); a and b rejoin their seats through the second.
  nodes.splice(nodes.indexOf(one), 1);
  one.stop();
  expect(two.joined(room, "a", ["a", "b"])).toBe("direct");
  expect(two.joined(room, "b", ["a", "b"])).toBe("direct");
  await Bun.sleep(2 * directAfter);
  expect(two.modeOf(room)).toBe("direct");
  expect([modesOf("a"), modesOf("b")]).toEqual([["sfu"], ["sfu"]]);
}, 15_000);

test("across nodes, a node holding a member the others let go long ago still goes direct with them: a group is kept only for a join as recent as the wait", async () => {
  const directAfter = 300;
  const { nodes, told } = cluster(2, { directAfterMs: directAfter });
  const [one, two] = nodes as [Groups, Groups];
  const modesOf = (member: string) => told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  one.joined(room, "a", ["a"]);
  two.joined(room, "b", ["a", "b"]);
  expect(one.joined(room, "c", ["a", "b", "c"])).toBe("sfu");
  await until(() => two.modeOf(room) === "sfu", 2000, "the group on b's node");
  // The second node alone heard of x (its leave never reached it), longer ago than the wait.
  two.heard({ kind: "joined", room, member: "x" });
  await Bun.sleep(directAfter + 50);
  one.left(room, "c");
  await until(() => one.modeOf(room) === "direct" && two.modeOf(room) === "direct", 2000 + 2 * directAfter, "the room direct on both nodes");
  await Bun.sleep(directAfter);
  expect([one.modeOf(room), two.modeOf(room)]).toEqual(["direct", "direct"]);
  expect([modesOf("a"), modesOf("b")]).toEqual([
    ["sfu", "direct"],
    ["sfu", "direct"],
  ]);
}, 15_000);

/**
 * A group of four on four nodes whose seats a shared set stands in for (the store): a on the
 * first, b the second, c the third, d the fourth; a publishing, d wanting its highest layer and
 * the others its lowest.
 */
async function fourOnFourNodes(seatsEveryMs: number, directAfterMs: number, seatsOf?: (seats: Set<string>) => readonly string[]) {
  const seats = new Set<string>();
  const reads: number[] = [];
  const downAfter = 150;
  const c = cluster(4, {
    layersDownAfterMs: downAfter,
    wantsEveryMs: 50,
    directAfterMs,
    seatsEveryMs,
    seatsOf: async () => {
      reads.push(Date.now());
      return seatsOf ? seatsOf(seats) : [...seats];
    },
  });
  const [one, two, three, four] = c.nodes as [Groups, Groups, Groups, Groups];
  const join = (node: Groups, id: string) => {
    seats.add(id);
    return node.joined(room, id, [...seats]);
  };
  join(one, "a");
  join(two, "b");
  expect(join(three, "c")).toBe("sfu");
  join(four, "d");
  const everyone = () => [one, two, three, four].map((node) => node.membersOf(room).sort().join());
  await until(() => everyone().every((m) => m === "a,b,c,d"), 2000, "the group of four on every node");
  await c.publish(one, "a");
  two.view(room, "b", [{ peer: "a", layer: 0 }]);
  three.view(room, "c", [{ peer: "a", layer: 0 }]);
  four.view(room, "d", [{ peer: "a", layer: 2 }]);
  await Bun.sleep(downAfter + 150);
  expect(c.layersTold("a")).toEqual([2]);
  const modesOf = (member: string) => c.told.filter((t) => t.member === member && t.msg.type === "mode").map((t) => (t.msg as { mode: string }).mode);
  return { ...c, one, two, three, four, seats, reads, modesOf };
}

test("across nodes, a member whose node freed its seat and died before saying it left is dropped by the nodes holding the group: its wants stop counting, and at two the room goes direct, each told once", async () => {
  const seatsEvery = 200;
  const directAfter = 500;
  const c = await fourOnFourNodes(seatsEvery, directAfter);
  const { nodes, one, two, three, four, seats, layersTold, modesOf } = c;
  // d hangs up: its node frees its seat in the store, then dies before its "left" reaches anyone.
  seats.delete("d");
  nodes.splice(nodes.indexOf(four), 1);
  four.stop();
  await until(() => [one, two, three].every((node) => node.membersOf(room).length === 3), 10 * seatsEvery, "d dropped by every node holding the group");
  expect([one, two, three].map((node) => node.membersOf(room).sort())).toEqual([
    ["a", "b", "c"],
    ["a", "b", "c"],
    ["a", "b", "c"],
  ]);
  // Each page left is told, by its own node, once.
  const leftTold = (member: string) => c.told.filter((t) => t.member === member && t.msg.type === "peer-left").map((t) => (t.msg as { peer: string }).peer);
  expect([leftTold("a"), leftTold("b"), leftTold("c")]).toEqual([["d"], ["d"], ["d"]]);
  // Nobody wants more than a's lowest layer now; three are still a group.
  await until(() => layersTold("a").at(-1) === 0, 2000, "a told to encode its lowest layer only");
  expect([one, two, three].map((node) => node.modeOf(room))).toEqual(["sfu", "sfu", "sfu"]);
  // c leaves (said as usual): the two left go direct after the usual wait, each told once.
  seats.delete("c");
  three.left(room, "c");
  await until(() => one.modeOf(room) === "direct" && two.modeOf(room) === "direct", 2000 + 2 * directAfter, "the room direct");
  await Bun.sleep(2 * seatsEvery);
  expect([modesOf("a"), modesOf("b"), modesOf("c")]).toEqual([["sfu", "direct"], ["sfu", "direct"], []]);
}, 15_000);

test("across nodes, a store read missing members for a moment (Redis restarted, the nodes not yet written back) drops nobody, and only groups are read", async () => {
  const seatsEvery = 200;
  let armed = false;
  let emptyUntil = 0;
  let empty = 0;
  const { one, two, three, four, reads, layersTold, modesOf } = await fourOnFourNodes(seatsEvery, 300, (seats) => {
    // From the next read on, for less than one wait between reads: each node reads the store empty once at most.
    if (armed) [armed, emptyUntil] = [false, Date.now() + seatsEvery - 50];
    if (Date.now() >= emptyUntil) return [...seats];
    empty++;
    return [];
  });
  armed = true;
  await Bun.sleep(5 * seatsEvery);
  expect(empty).toBeGreaterThan(0);
  expect([one, two, three, four].map((node) => node.membersOf(room).length)).toEqual([4, 4, 4, 4]);
  expect(layersTold("a")).toEqual([2]);
  expect(["a", "b", "c", "d"].map(modesOf)).toEqual([["sfu"], ["sfu"], [], []]);
  // A node with no group reads nothing: a room back to two, then direct, is not read any more.
  for (const [node, id] of [
    [three, "c"],
    [four, "d"],
  ] as const)
    node.left(room, id);
  await until(() => one.modeOf(room) === "direct" && two.modeOf(room) === "direct", 3000, "the room direct");
  const before = reads.length;
  await Bun.sleep(3 * seatsEvery);
  expect(reads.length).toBe(before);
}, 15_000);
