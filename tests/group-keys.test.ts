/**
 * Key epochs of a group call: the wrapping of an epoch for one member, the ring of keys by epoch,
 * and the exchange between real key-exchange actors wired as the server's relay would: someone
 * who leaves is left behind with keys that open nothing sealed after.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { type AnyActorRef, createActor, setup } from "xstate";
import { deriveKeys, newSecret, openFrame, openMessage, sealFrame, sealMessage } from "../protocol/e2ee.ts";
import { epochByte, epochKeys, KeyRing, newEpochSecret, newKeyPair, type RingChange, unwrapEpoch, wrapEpoch } from "../protocol/group-keys.ts";
import { decodeControl, encodeControl, encodeRaw } from "../protocol/index.ts";
import { type GroupKeysEvent, groupKeysActor, isE2eeControl } from "../machines/transport/group-keys.ts";
import type { E2eeControlMessage } from "../protocol/index.ts";

const ROOM = "3f1c2a9e-0b7d-4c55-9a61-1d2e3f405162";
const until = async (ok: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(5);
  }
};
/** A VP8 delta frame of made-up bytes. */
const frame = () => Uint8Array.from({ length: 200 }, (_, i) => (i === 0 ? 0x31 : (i * 29) & 0xff)).buffer;

describe("an epoch wrapped for one member", () => {
  test("opens for its addressee only, and only under the label it was made with", async () => {
    const [a, b, c] = await Promise.all([newKeyPair(), newKeyPair(), newKeyPair()]);
    const secret = newEpochSecret();
    const label = { gen: 3, author: "aaa", from: "aaa", to: "bbb" };
    const box = (await wrapEpoch(a.privateKey, b.publicKey, ROOM, secret, label))!;
    expect([...((await unwrapEpoch(b.privateKey, a.publicKey, ROOM, box, label)) ?? [])]).toEqual([...secret]);
    // Someone else in the call (or who was), another room, another label, an altered box: nothing.
    expect(await unwrapEpoch(c.privateKey, a.publicKey, ROOM, box, label)).toBeNull();
    expect(await unwrapEpoch(b.privateKey, c.publicKey, ROOM, box, label)).toBeNull();
    expect(await unwrapEpoch(b.privateKey, a.publicKey, "another-room", box, label)).toBeNull();
    for (const other of [{ gen: 4 }, { author: "ccc" }, { from: "ccc" }, { to: "ccc" }])
      expect(await unwrapEpoch(b.privateKey, a.publicKey, ROOM, box, { ...label, ...other })).toBeNull();
    const altered = box.slice();
    altered[20]! ^= 1;
    expect(await unwrapEpoch(b.privateKey, a.publicKey, ROOM, altered, label)).toBeNull();
    expect(await unwrapEpoch(b.privateKey, a.publicKey, ROOM, box.subarray(1), label)).toBeNull();
    // A public key that is not a point on the curve: refused, never thrown.
    const junk = new Uint8Array(65).fill(7);
    expect(await wrapEpoch(a.privateKey, junk, ROOM, secret, label)).toBeNull();
    expect(await unwrapEpoch(b.privateKey, junk, ROOM, box, label)).toBeNull();
  });

  test("generations are named by one byte: 0 for the link's keys, then 1 to 255 in turn", () => {
    expect([0, 1, 2, 255, 256, 510, 511].map(epochByte)).toEqual([0, 1, 2, 255, 1, 255, 1]);
  });

  test("the exchange's messages are checked on receipt: wrong sizes and types are not messages", async () => {
    const { publicKey } = await newKeyPair();
    expect(decodeControl(encodeControl({ type: "e2ee-pub", key: publicKey }))).toEqual({ type: "e2ee-pub", key: publicKey });
    const box = new Uint8Array(60);
    expect(decodeControl(encodeControl({ type: "e2ee-key", gen: 2, author: "aaa", box }))).toEqual({ type: "e2ee-key", gen: 2, author: "aaa", box });
    for (const bad of [
      { type: "e2ee-pub", key: publicKey.subarray(1) },
      { type: "e2ee-pub", key: "x".repeat(65) },
      { type: "e2ee-key", gen: 0, author: "aaa", box },
      { type: "e2ee-key", gen: 1.5, author: "aaa", box },
      { type: "e2ee-key", gen: "2", author: "aaa", box },
      { type: "e2ee-key", gen: 2, author: "", box },
      { type: "e2ee-key", gen: 2, author: "aaa", box: box.subarray(1) },
    ])
      expect(decodeControl(encodeRaw(bad))).toBeNull();
  });
});

describe("the key ring", () => {
  test("tells a newcomer what it holds, then each change; the link's keys and the epoch in use are never forgotten", () => {
    const base = deriveKeys(newSecret(), ROOM);
    const ring = new KeyRing(base, ROOM);
    const one = epochKeys(newEpochSecret(), ROOM);
    ring.add(1, one);
    const seen: RingChange[] = [];
    const stop = ring.subscribe((c) => seen.push(c));
    expect(seen).toEqual([
      { type: "add", epoch: 0, keys: base },
      { type: "add", epoch: 1, keys: one },
      { type: "use", epoch: 0 },
    ]);
    ring.use(1);
    expect(ring.sealing()).toEqual({ epoch: 1, keys: one });
    expect(ring.sealing(true)).toEqual({ epoch: 0, keys: base });
    ring.forget(1);
    ring.forget(0);
    ring.use(7); // not held: nothing changes
    expect(ring.keysOf(1)).toBe(one);
    expect(ring.keysOf(0)).toBe(base);
    stop();
    ring.add(2, epochKeys(newEpochSecret(), ROOM));
    expect(seen.map((c) => `${c.type} ${c.epoch}`)).toEqual(["add 0", "add 1", "use 0", "use 1"]);
  });
});

/** A page's key exchange, invoked as the transport does: what it sends goes to `out`. */
const page = (ring: KeyRing, out: (e: GroupKeysEvent) => void) =>
  setup({ types: { events: {} as GroupKeysEvent }, actors: { keys: groupKeysActor } }).createMachine({
    invoke: { id: "keys", src: "keys", input: { ring, useAfterMs: 20, keepMs: 60 } },
    on: { "KEYS.SEND": { actions: ({ event }) => out(event) } },
  });

/** Pages of one call (ids in `ids` join at once), wired as the server's relay: to everyone else, or to one. */
function groupOf(ids: string[], secret = newSecret()) {
  const pages = new Map<string, { ring: KeyRing; keys: AnyActorRef; stop: () => void }>();
  const sent: { from: string; event: GroupKeysEvent }[] = [];
  /** Messages that match are kept back (a slow network) until `release` lets them through. */
  let hold: ((from: string, to: string, msg: E2eeControlMessage) => boolean) | null = null;
  const held: { from: string; to: string; msg: E2eeControlMessage }[] = [];
  const relay = (from: string, event: GroupKeysEvent) => {
    sent.push({ from, event });
    const msg = decodeControl(encodeControl(event.msg)); // what the wire lets through
    if (!isE2eeControl(msg)) throw new Error("not a key-exchange message");
    for (const [id, p] of pages)
      if (id !== from && (!event.peer || event.peer === id)) {
        if (hold?.(from, id, msg)) held.push({ from, to: id, msg });
        else p.keys.send({ type: "KEYS.CONTROL", from, msg });
      }
  };
  const holdBack = (match: typeof hold) => {
    hold = match;
  };
  const release = (to: string) => {
    for (const h of held.filter((x) => x.to === to)) pages.get(to)?.keys.send({ type: "KEYS.CONTROL", from: h.from, msg: h.msg });
    held.splice(0, held.length, ...held.filter((x) => x.to !== to));
  };
  /** A page joins the group (again: a refresh, a new page under the same id). */
  const join = (id: string) => {
    pages.get(id)?.stop();
    const ring = new KeyRing(deriveKeys(secret, ROOM), ROOM);
    const actor = createActor(page(ring, (e) => relay(id, e))).start();
    const keys = actor.getSnapshot().children.keys!;
    pages.set(id, { ring, keys, stop: () => actor.stop() });
    keys.send({ type: "KEYS.SELF", self: id });
    keys.send({ type: "KEYS.GROUP" });
  };
  const leave = (id: string) => {
    pages.get(id)?.stop();
    pages.delete(id);
    for (const p of pages.values()) p.keys.send({ type: "KEYS.LEFT", peer: id });
  };
  for (const id of ids) join(id);
  const rings = new Map<string, KeyRing>();
  const ring = (id: string) => {
    const r = pages.get(id)?.ring ?? rings.get(id)!;
    rings.set(id, r);
    return r;
  };
  const told = (type: string) => sent.filter((s) => s.event.msg.type === type);
  return { pages, sent, join, leave, ring, told, holdBack, release, held };
}

/** Whether a frame sealed by `from` now opens on `to` (with what `to` holds, by the epoch the frame names). */
async function opens(from: KeyRing, to: KeyRing): Promise<boolean> {
  const { epoch, keys } = from.sealing();
  const sealed = await sealFrame(await keys.media, epoch, "video", frame());
  const key = to.keysOf(new Uint8Array(sealed).at(-1)!)?.media;
  const resolved = key ? await key : undefined;
  return (await openFrame(() => resolved, "video", sealed)) !== null;
}

describe("the key exchange", () => {
  test("someone leaves: those left move to a new epoch together; the one who left opens nothing sealed after, media or message", async () => {
    const g = groupOf(["aaa", "bbb", "ccc", "ddd"]);
    const ring = g.ring;
    const d = ring("ddd");
    // Everyone has told everyone their public key; still on the link's keys, everyone reads everyone.
    await until(() => g.told("e2ee-pub").length >= 4 + 6);
    for (const x of ["aaa", "bbb", "ccc"]) expect(await opens(ring(x), d)).toBe(true);

    g.leave("ddd");
    // The lowest id left (aaa) makes epoch 1 and hands it to bbb and ccc; all seal with it shortly.
    await until(() => ["aaa", "bbb", "ccc"].every((x) => ring(x).sendingEpoch === 1));
    const grants = g.told("e2ee-key");
    expect(grants.map((s) => `${s.from}→${s.event.peer}`).sort()).toEqual(["aaa→bbb", "aaa→ccc"]);
    for (const [x, y] of [
      ["aaa", "bbb"],
      ["bbb", "ccc"],
      ["ccc", "aaa"],
    ] as const)
      expect(await opens(ring(x), ring(y))).toBe(true);
    // What D kept (the link's keys, and nothing else) opens none of it; nor does any key D could have.
    expect(d.keysOf(1)).toBeUndefined();
    for (const x of ["aaa", "bbb", "ccc"]) expect(await opens(ring(x), d)).toBe(false);
    const { epoch, keys } = ring("bbb").sealing();
    const chat = await sealMessage(await keys.message, new TextEncoder().encode("after you left"), epoch);
    expect(await openMessage(await d.keysOf(0)!.message, chat)).toBeNull();
    expect(new TextDecoder().decode((await openMessage(await ring("ccc").keysOf(epoch)!.message, chat))!)).toBe("after you left");
    // The key exchange itself goes under the link's keys: a newcomer can take part before it has an epoch.
    expect(ring("aaa").sealing(true).epoch).toBe(0);
  });

  test("a newcomer and a refreshed page are handed the current epoch by the lowest id among the others", async () => {
    const g = groupOf(["aaa", "bbb", "ccc"]);
    const ring = (id: string) => g.pages.get(id)!.ring;
    await until(() => g.told("e2ee-pub").length >= 3 + 3);
    g.leave("ccc");
    await until(() => ring("aaa").sendingEpoch === 1 && ring("bbb").sendingEpoch === 1);
    g.join("eee");
    await until(() => ring("eee").sendingEpoch === 1);
    expect(await opens(ring("eee"), ring("bbb"))).toBe(true);
    expect(await opens(ring("aaa"), ring("eee"))).toBe(true);
    // aaa refreshes: a new page, a new key pair, no epoch; bbb (lowest of the others) hands it over.
    g.join("aaa");
    expect(ring("aaa").sendingEpoch).toBe(0);
    await until(() => ring("aaa").sendingEpoch === 1);
    expect(await opens(ring("bbb"), ring("aaa"))).toBe(true);
    const toAaa = g
      .told("e2ee-key")
      .filter((s) => s.event.peer === "aaa")
      .map((s) => s.from);
    expect(toAaa.at(-1)).toBe("bbb");
    // The author of the current epoch leaving: the next lowest makes the next one. What aaa held
    // (the link's keys and epoch 1) opens nothing sealed after, while it opened what came before.
    const held = ring("aaa");
    expect(await opens(ring("eee"), held)).toBe(true);
    g.leave("aaa");
    await until(() => ring("bbb").sendingEpoch === 2 && ring("eee").sendingEpoch === 2);
    expect(await opens(ring("bbb"), ring("eee"))).toBe(true);
    for (const x of ["bbb", "eee"]) expect(await opens(ring(x), held)).toBe(false);
    // Epoch 1 is forgotten a while after epoch 2 is in use; the link's keys stay (a page that comes back speaks with them first).
    await until(() => ring("bbb").keysOf(1) === undefined && ring("eee").keysOf(1) === undefined);
    expect(ring("bbb").keysOf(0)).toBeDefined();
  });

  test("two leave at once and two pages make the same generation: all converge on one that the leavers never had", async () => {
    const g = groupOf(["aaa", "bbb", "ccc", "ddd"]);
    const ring = (id: string) => g.pages.get(id)!.ring;
    await until(() => g.told("e2ee-pub").length >= 4 + 6);
    // ddd leaves: aaa makes epoch 1, but its boxes are slow on the way.
    g.holdBack((from, _to, msg) => from === "aaa" && msg.type === "e2ee-key");
    g.leave("ddd");
    await until(() => g.held.length === 2);
    const aaa = ring("aaa");
    // ccc gets aaa's epoch 1; then aaa leaves too, before bbb got its box.
    g.release("ccc");
    await until(() => ring("ccc").keysOf(1) !== undefined);
    g.leave("aaa");
    // bbb, now the lowest, never had epoch 1 from aaa: it makes its own epoch 1; aaa's box arrives late.
    await until(() => ring("bbb").keysOf(1) !== undefined);
    g.release("bbb");
    await until(() => ring("bbb").sendingEpoch === 1 && ring("ccc").sendingEpoch === 1);
    await Bun.sleep(50);
    expect(await opens(ring("bbb"), ring("ccc"))).toBe(true);
    expect(await opens(ring("ccc"), ring("bbb"))).toBe(true);
    // What aaa held opens nothing the two still in the call send.
    for (const x of ["bbb", "ccc"]) expect(await opens(ring(x), aaa)).toBe(false);
  });

  test("what does not check out is ignored: an unknown sender, a box for someone else, an older generation", async () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const g = groupOf(["aaa", "bbb", "ccc"]);
    const ring = (id: string) => g.pages.get(id)!.ring;
    await until(() => g.told("e2ee-pub").length >= 6);
    g.leave("ccc");
    await until(() => ring("bbb").sendingEpoch === 1);
    const bbb = g.pages.get("bbb")!.keys;
    const stranger = await newKeyPair();
    const box = (await wrapEpoch(stranger.privateKey, (await newKeyPair()).publicKey, ROOM, newEpochSecret(), {
      gen: 9,
      author: "zzz",
      from: "zzz",
      to: "bbb",
    }))!;
    // From someone who never said a public key; from aaa but not opening; an older generation.
    bbb.send({ type: "KEYS.CONTROL", from: "zzz", msg: { type: "e2ee-key", gen: 9, author: "zzz", box } });
    bbb.send({ type: "KEYS.CONTROL", from: "aaa", msg: { type: "e2ee-key", gen: 9, author: "aaa", box } });
    bbb.send({ type: "KEYS.CONTROL", from: "aaa", msg: { type: "e2ee-key", gen: 1, author: "0", box } });
    await Bun.sleep(100);
    expect(ring("bbb").sendingEpoch).toBe(1);
    expect(ring("bbb").keysOf(epochByte(9))).toBeUndefined();
    expect(await opens(ring("aaa"), ring("bbb"))).toBe(true);
    expect(warn.mock.calls.some((c) => String(c[0]).includes("does not open"))).toBe(true);
    warn.mockRestore();
  });
});
