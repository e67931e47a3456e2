/**
 * Names on the pre-join screen, sealed: a member's socket actor seals its card with the link's key
 * (epoch 0) and the real server keeps bytes it cannot read; the pre-join screen's room watch opens
 * them with the same link's key. Another link's key, no key, or junk cards name nobody: those
 * people are counted, not named, and nothing throws.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createActor, setup, type ActorRefFrom } from "xstate";
import { roomWatchActor, socketActor, WarmSockets, type RoomWatchReport, type SocketCommand, type SocketEvent } from "../../machines/link/socket.ts";
import { cardText, nameOnCard, namesOnCards } from "../../protocol/cards.ts";
import { deriveKeys, newSecret, sealMessage } from "../../protocol/e2ee.ts";
import { KeyRing } from "../../protocol/group-keys.ts";
import { CARD_MAX, NAME_MAX, type ServerMessage } from "../../protocol/index.ts";
import { openClient, startTestServer, until, wsUrl, type App, type TestClient } from "../helpers/ws-client.ts";

let app: App;
beforeAll(() => {
  app = startTestServer({ roomCapacity: 5, ratePerSecond: 200 }, { sfu: [{ url: "ws://127.0.0.1:9", secret: "unused" }] });
});
afterAll(() => app.stop());

const ring = (secret: string, room: string) => new KeyRing(deriveKeys(secret, room), room);
const linkKey = (secret: string, room: string) => deriveKeys(secret, room).message;
const newRoom = () => `cards-${Math.random().toString(36).slice(2, 10)}`;

/** A socket actor joined to `room` (with the link's keys, or none), under a parent that keeps what it reports. */
function member(room: string, messageKeys: KeyRing | null) {
  const heard: ServerMessage[] = [];
  const parent = setup({ types: { events: {} as SocketEvent }, actors: { socket: socketActor } }).createMachine({
    invoke: { id: "socket", src: "socket", input: { url: wsUrl(app), room, messageKeys } },
    on: { "SOCKET.MESSAGE": { actions: ({ event }) => void heard.push(event.msg) } },
  });
  const actor: ActorRefFrom<typeof parent> = createActor(parent).start();
  const send = (msg: SocketCommand["msg"]) => (actor.getSnapshot().children.socket as { send(e: SocketCommand): void }).send({ type: "SOCKET.SEND", msg });
  return { actor, heard, send, joined: () => until(() => heard.some((m) => m.type === "joined"), 3000, "joined") };
}

/** The pre-join screen's room watch, with the link's keys (or none): every report it makes. */
function watcher(room: string, keys: KeyRing | null) {
  const reports: RoomWatchReport[] = [];
  const sockets = new WarmSockets();
  const parent = setup({ types: { events: {} as RoomWatchReport }, actors: { watch: roomWatchActor } }).createMachine({
    invoke: { src: "watch", input: { url: wsUrl(app), room, sockets, keys } },
    on: { "ROOM.OCCUPANCY": { actions: ({ event }) => void reports.push(event) } },
  });
  const actor = createActor(parent).start();
  const last = () => reports.at(-1);
  return { actor, reports, last };
}

/** Peeks as the server sees it: the cards' raw bytes. */
async function rawCards(looker: TestClient, room: string) {
  looker.send({ type: "peek", room });
  return (await looker.next("occupancy")).cards ?? [];
}
/** Peeks until `done` holds of the raw cards (a card is sealed, then sent: it comes a little later), a bounded number of times. */
async function rawCardsUntil(looker: TestClient, room: string, done: (cards: Uint8Array[]) => boolean) {
  let cards = await rawCards(looker, room);
  for (let i = 0; i < 100 && !done(cards); i++) {
    await Bun.sleep(20);
    cards = await rawCards(looker, room);
  }
  return cards;
}

describe("a card's plain text", () => {
  test("is a tag and the cleaned name; no name makes an empty card; only a clean name reads back", () => {
    expect(nameOnCard(cardText("  Ada\u0000 Lovelace "))).toBe("Ada Lovelace");
    expect(nameOnCard(cardText("Zoë 👩‍💻"))).toBe("Zoë 👩‍💻");
    expect(cardText("   ")).toEqual(new Uint8Array(0));
    expect(cardText("")).toEqual(new Uint8Array(0));
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const junk of [
      enc("Ada"),
      enc("onelink card 1\n"),
      enc("onelink card 1\nAda\u202e"),
      enc(`onelink card 1\n${"x".repeat(NAME_MAX + 1)}`),
      Uint8Array.of(0xff, 0xfe),
      new Uint8Array(0),
    ]) {
      expect(nameOnCard(junk)).toBeNull();
    }
  });

  test(`the longest name sealed fits in CARD_MAX (${CARD_MAX}) bytes`, async () => {
    const key = await linkKey(newSecret(), "r-1");
    const sealed = await sealMessage(key, cardText("😀".repeat(NAME_MAX)));
    expect(sealed.byteLength).toBeLessThanOrEqual(CARD_MAX);
  });

  test("opening: only cards sealed with this link's key under epoch 0 name anyone; the rest are skipped, nothing throws", async () => {
    const secret = newSecret();
    const key = await linkKey(secret, "r-1");
    const good = await sealMessage(key, cardText("Ada"));
    const cards = [
      good,
      await sealMessage(await linkKey(newSecret(), "r-1"), cardText("Mallory")), // another link
      await sealMessage(await linkKey(secret, "r-2"), cardText("Eve")), // another room
      await sealMessage(key, cardText("Bob"), 3), // not epoch 0
      await sealMessage(key, new TextEncoder().encode("a relayed message, not a card")),
      good.slice(0, good.byteLength - 2),
      Uint8Array.from(good, (b, i) => (i === 20 ? b ^ 1 : b)),
      new Uint8Array(CARD_MAX),
      Uint8Array.of(1),
      await sealMessage(key, cardText("Cy")),
    ];
    expect(await namesOnCards(key, cards)).toEqual(["Ada", "Cy"]);
    expect(await namesOnCards(key, [])).toEqual([]);
  });
});

describe("names through the real server", () => {
  test("the server keeps only ciphertext; the same link's pre-join screen reads the name, another key or none counts a person", async () => {
    const room = newRoom();
    const secret = newSecret();
    const ada = member(room, ring(secret, room));
    await ada.joined();
    ada.send({ type: "card", data: cardText("Ada Lovelace") });
    const looker = await openClient(app);
    let cards = await rawCardsUntil(looker, room, (c) => c.length > 0);
    expect(cards).toHaveLength(1);
    expect(Buffer.from(cards[0]!).includes(Buffer.from("Ada"))).toBe(false);
    expect(cards[0]!.at(-1)).toBe(0); // sealed under epoch 0, the link's own key

    const same = watcher(room, ring(secret, room));
    const other = watcher(room, ring(newSecret(), room));
    const none = watcher(room, null);
    await until(() => [same, other, none].every((w) => w.reports.length > 0), 3000, "answers");
    expect(same.last()).toEqual({ type: "ROOM.OCCUPANCY", people: 1, capacity: 5, names: ["Ada Lovelace"], iceServers: [] });
    expect(other.last()).toEqual({ type: "ROOM.OCCUPANCY", people: 1, capacity: 5, names: [], iceServers: [] });
    expect(none.last()).toEqual({ type: "ROOM.OCCUPANCY", people: 1, capacity: 5, names: [], iceServers: [] });

    // A rename sends the card again, in place of the first; an emptied name takes it down.
    const first = cards[0]!;
    ada.send({ type: "card", data: cardText("Ada") });
    cards = await rawCardsUntil(looker, room, (c) => c.length !== 1 || Buffer.compare(c[0]!, first) !== 0);
    expect(cards).toHaveLength(1);
    const renamed = watcher(room, ring(secret, room));
    await until(() => renamed.reports.length > 0, 3000);
    expect(renamed.last()?.names).toEqual(["Ada"]);
    ada.send({ type: "card", data: cardText("") });
    expect(await rawCardsUntil(looker, room, (c) => c.length === 0)).toEqual([]);
    for (const x of [ada, same, other, none, renamed]) x.actor.stop();
    looker.close();
  });

  test("a page with no key in its link never sends a card (the server would read the name)", async () => {
    const room = newRoom();
    const typed = member(room, null);
    await typed.joined();
    typed.send({ type: "card", data: cardText("Ada") });
    typed.send({ type: "ping" });
    await until(() => typed.heard.some((m) => m.type === "pong"), 3000);
    const looker = await openClient(app);
    expect(await rawCards(looker, room)).toEqual([]);
    typed.actor.stop();
    looker.close();
  });

  test("junk cards shown by a hostile member name nobody: the people are counted, the good names read, the page goes on", async () => {
    const room = newRoom();
    const secret = newSecret();
    const key = await linkKey(secret, room);
    const ada = member(room, ring(secret, room));
    await ada.joined();
    ada.send({ type: "card", data: cardText("Ada") });
    const hostile: TestClient[] = [];
    for (const junk of [
      Uint8Array.of(1, 2, 3),
      await sealMessage(key, new TextEncoder().encode("no tag")),
      await sealMessage(await linkKey(newSecret(), room), cardText("Mallory")),
      await sealMessage(key, new TextEncoder().encode(`onelink card 1\n${"\u202e".repeat(3)}`)),
    ]) {
      const c = await openClient(app);
      c.send({ type: "join", room });
      await c.next("joined");
      c.send({ type: "card", data: junk });
      hostile.push(c);
    }
    const looker = await openClient(app);
    expect(await rawCardsUntil(looker, room, (c) => c.length === 5)).toHaveLength(5);
    const w = watcher(room, ring(secret, room));
    await until(() => w.reports.length > 0, 3000);
    expect(w.last()).toEqual({ type: "ROOM.OCCUPANCY", people: 5, capacity: 5, names: ["Ada"], iceServers: [] });
    w.actor.stop();
    ada.actor.stop();
    for (const c of [...hostile, looker]) c.close();
  });
});
