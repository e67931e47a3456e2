/**
 * Cards: what a member shows the pre-join screen (its name, sealed by the page; opaque bytes here).
 * The server keeps at most one per seat, of at most CARD_MAX bytes, for as long as the seat lasts
 * (a grace period too), and hands them out with a peek's occupancy. Junk is refused with a clear
 * error and changes nothing. One suite, two stores: this process's memory, and nodes sharing a
 * real Redis (the member on one node, the one peeking on another).
 */
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { CARD_MAX, encode, OCCUPANCY_CARDS_MAX, PROTOCOL_VERSION } from "../protocol/index.ts";
import { nodesSharingRedis, serverTests } from "./helpers/servers.ts";
import { openClient, sleep, type App, type TestClient } from "./helpers/ws-client.ts";

let clients: TestClient[] = [];
const track = (c: TestClient) => (clients.push(c), c);
const errors = spyOn(console, "error");
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
  const logged = errors.mock.calls.map((args) => args.map(String).join(" "));
  errors.mockClear();
  expect(logged).toEqual([]);
});
afterAll(() => errors.mockRestore());

let roomCounter = 0;
const room = () => `card-${++roomCounter}-${Math.random().toString(36).slice(2, 8)}`;
const bytes = (text: string) => new TextEncoder().encode(text);
/** Cards as text, sorted (Redis keeps no order a test should rely on). */
const texts = (cards: Uint8Array[] | undefined) => (cards ?? []).map((c) => new TextDecoder().decode(c)).sort();

async function join(app: App, id: string, token?: string) {
  const c = track(await openClient(app));
  c.send({ type: "join", room: id, ...(token ? { token } : {}) });
  return { c, joined: await c.next("joined") };
}
async function peek(c: TestClient, id: string) {
  c.send({ type: "peek", room: id });
  return c.next("occupancy");
}
/** Peeks until the cards read `want` (a card and a peek from two sockets, or two nodes, race); the last answer. */
async function peekFor(c: TestClient, id: string, want: string[]) {
  let seen = await peek(c, id);
  for (let i = 0; i < 50 && JSON.stringify(texts(seen.cards)) !== JSON.stringify(want); i++) {
    await sleep(20);
    seen = await peek(c, id);
  }
  return seen;
}

function cardSuite(nodes: () => App[], graceMs: number) {
  const first = () => nodes()[0]!;
  const last = () => nodes()[nodes().length - 1]!;

  test("the server says in `joined` that it keeps cards; a room's cards come with the peek, one per seat, the latest", async () => {
    const id = room();
    const a = await join(first(), id);
    expect(a.joined.cards).toBe(true);
    const looker = track(await openClient(last()));
    // No card yet: the occupancy carries none (the field is left out).
    expect(await peek(looker, id)).toEqual({ v: PROTOCOL_VERSION, type: "occupancy", room: id, people: 1, capacity: expect.any(Number), iceServers: [] });
    a.c.send({ type: "card", data: bytes("sealed-ada") });
    expect(texts((await peekFor(looker, id, ["sealed-ada"])).cards)).toEqual(["sealed-ada"]);
    // A name change sends the card again: it replaces the first.
    a.c.send({ type: "card", data: bytes("sealed-ada-2") });
    expect(texts((await peekFor(looker, id, ["sealed-ada-2"])).cards)).toEqual(["sealed-ada-2"]);
    const b = await join(first(), id);
    b.c.send({ type: "card", data: bytes("sealed-bob") });
    const both = await peekFor(looker, id, ["sealed-ada-2", "sealed-bob"]);
    expect({ people: both.people, cards: texts(both.cards) }).toEqual({ people: 2, cards: ["sealed-ada-2", "sealed-bob"] });
    // An empty card takes a's down.
    a.c.send({ type: "card", data: new Uint8Array(0) });
    expect(texts((await peekFor(looker, id, ["sealed-bob"])).cards)).toEqual(["sealed-bob"]);
    // The members heard nothing of any of it.
    expect(a.c.received.map((m) => m.type)).toEqual(["joined", "peer-joined"]);
  });

  test("a card goes with its seat: at once when it leaves; a seat held for a rejoin keeps it until the grace period ends", async () => {
    const id = room();
    const a = await join(first(), id);
    const b = await join(first(), id);
    a.c.send({ type: "card", data: bytes("ada") });
    b.c.send({ type: "card", data: bytes("bob") });
    const looker = track(await openClient(last()));
    await peekFor(looker, id, ["ada", "bob"]);
    b.c.send({ type: "leave" });
    const left = await peekFor(looker, id, ["ada"]);
    expect({ people: left.people, cards: texts(left.cards) }).toEqual({ people: 1, cards: ["ada"] });
    // A's socket drops: its seat, and its card, are held for its rejoin, which finds the card there.
    a.c.close();
    await a.c.closed;
    await sleep(50);
    expect(texts((await peek(looker, id)).cards)).toEqual(["ada"]);
    const back = await join(first(), id, a.joined.token);
    expect(back.joined.self).toBe(a.joined.self);
    expect(texts((await peek(looker, id)).cards)).toEqual(["ada"]);
    // It drops again and does not come back: once the grace period is over, seat and card are gone.
    back.c.close();
    await back.c.closed;
    await sleep(graceMs + 200);
    let gone = await peek(looker, id);
    for (let i = 0; i < 50 && gone.people > 0; i++) {
      await sleep(20);
      gone = await peek(looker, id);
    }
    expect(gone).toEqual({ v: PROTOCOL_VERSION, type: "occupancy", room: id, people: 0, capacity: expect.any(Number), iceServers: [] });
    // Someone new in the same room shows no card of theirs.
    await join(first(), id);
    expect((await peek(looker, id)).cards).toBeUndefined();
  });

  test("a card of CARD_MAX bytes is kept; a bigger one is refused as too large, and the card before it stays", async () => {
    const id = room();
    const a = await join(first(), id);
    const looker = track(await openClient(last()));
    const max = "m".repeat(CARD_MAX);
    a.c.send({ type: "card", data: bytes(max) });
    await peekFor(looker, id, [max]);
    a.c.send({ type: "card", data: bytes("x".repeat(CARD_MAX + 1)) });
    const refused = await a.c.next("error");
    expect(refused.code).toBe("too-large");
    expect(refused.text).toContain(String(CARD_MAX));
    expect(texts((await peek(looker, id)).cards)).toEqual([max]);
    a.c.send({ type: "ping" });
    await a.c.next("pong");
  });
}

describe("cards, one node", () => {
  const start = serverTests();
  let app: App;
  const graceMs = 300;
  beforeAll(() => {
    // Junk counts against MAX_BAD_FRAMES; the junk test sends more than the default allows.
    app = start({ roomCapacity: 3, ratePerSecond: 200, graceMs, maxBadFrames: 100 }, { sfu: [] });
  });
  cardSuite(() => [app], graceMs);

  test("junk cards are refused with a clear error, before joining too; nothing is kept and the server keeps serving", async () => {
    const id = room();
    const a = await join(app, id);
    a.c.send({ type: "card", data: bytes("good") });
    const looker = track(await openClient(app));
    await peekFor(looker, id, ["good"]);
    for (const junk of ["text", 42, null, [1, 2], { 0: 1 }, undefined]) {
      a.c.sendRaw(encode({ type: "card", data: junk } as never));
      const e = await a.c.next("error");
      expect(e).toMatchObject({ code: "bad-frame", text: "A card carries its sealed bytes in `data`." });
    }
    a.c.send({ type: "ping" });
    await a.c.next("pong");
    expect(texts((await peek(looker, id)).cards)).toEqual(["good"]);
    // Not in a room: nothing to show it on.
    const stranger = track(await openClient(app));
    stranger.send({ type: "card", data: bytes("who?") });
    expect((await stranger.next("error")).code).toBe("not-joined");
    const health = await (await fetch(`http://127.0.0.1:${app.server.port}/healthz`)).json();
    expect(health.seats).toBeGreaterThanOrEqual(1);
    expect(a.c.invalid).toEqual([]);
  });

  test("a room's peek carries at most one card per person counted", async () => {
    const id = room();
    const members = [await join(app, id), await join(app, id)];
    for (const [i, m] of members.entries()) for (let k = 0; k < 3; k++) m.c.send({ type: "card", data: bytes(`m${i}-${k}`) });
    const looker = track(await openClient(app));
    const seen = await peekFor(looker, id, ["m0-2", "m1-2"]);
    expect(seen.cards!.length).toBeLessThanOrEqual(Math.min(seen.people, OCCUPANCY_CARDS_MAX));
    expect(texts(seen.cards)).toEqual(["m0-2", "m1-2"]);
  });
});

describe("cards, nodes sharing Redis", () => {
  const sharing = nodesSharingRedis();
  let nodes: App[] = [];
  const graceMs = 400;
  beforeAll(async () => {
    ({ nodes } = await sharing(2, { roomCapacity: 3, ratePerSecond: 200, graceMs }));
  });
  cardSuite(() => nodes, graceMs);
});
