import { afterAll, beforeEach, describe, expect, setSystemTime, spyOn, test } from "bun:test";
import { Packr } from "msgpackr";
import { assign, createActor, setup, type ActorRefFrom } from "xstate";
import { CHAT_BURST, CHAT_RATE_PER_S, chatMachine, chatStorageKey, parseStoredChat, type ChatEvent, type StoredChat } from "../../machines/features/chat.ts";
import type { FeatureOutbound } from "../../machines/transport/channels.ts";
import { CHAT_MAX_CHARS, decodeChat, encodeChat, type ChatWire } from "../../protocol/chat-wire.ts";
import { closedShortcodeAt, emojiFor, searchShortcodes, shortcodeAt, type EmojiData } from "../../ui/components/ChatEmoji.ts";
import { linkify } from "../../ui/components/ChatText.tsx";

let tick = 0;
/** Messages are timed around this clock (the receiver checks a message's time against its own). */
const T0 = 1_700_000_000_000;
beforeEach(() => void setSystemTime(new Date(T0)));
afterAll(() => void setSystemTime());

/** One browser tab: its sessionStorage survives a "reload" (a new chat actor). */
class Tab {
  storage = new Map<string, string>();
  sent: FeatureOutbound[] = [];
  chimes = 0;
  chat!: ActorRefFrom<typeof chatMachine>;
  constructor(
    readonly member: string,
    readonly room = "room-1",
  ) {
    this.start();
  }
  /** Starts the chat as the call does: invoked as "chat", its FEATURE.SEND events go to the transport (here the parent). */
  start() {
    const chat = chatMachine.provide({
      actions: {
        loadHistory: assign(
          ({ context }) => parseStoredChat(this.storage.get(chatStorageKey(context.room)) ?? null) ?? { self: `tab-${this.member}`, messages: [] },
        ),
        saveHistory: ({ context }) => {
          const data: StoredChat = { self: context.self, messages: context.messages };
          this.storage.set(chatStorageKey(context.room), JSON.stringify(data));
        },
        loadSettings: assign({ muted: () => this.storage.get("muted") === "1" }),
        saveSettings: ({ context }) => void this.storage.set("muted", context.muted ? "1" : "0"),
        notify: () => void this.chimes++,
      },
    });
    const parent = setup({ types: { events: {} as FeatureOutbound }, actors: { chat } }).createMachine({
      invoke: { id: "chat", src: "chat", input: { room: this.room } },
      on: { "FEATURE.SEND": { actions: ({ event }) => void this.sent.push(event) } },
    });
    // Registered as the transport, as the call's transport is: features send to it.
    const actor = createActor(parent, { systemId: "transport" }).start();
    this.chat = actor.getSnapshot().children.chat as ActorRefFrom<typeof chatMachine>;
    this.stop = () => actor.stop();
  }
  stop = () => {};
  reload() {
    this.stop();
    this.sent = [];
    this.start();
  }
  send(event: ChatEvent) {
    // Every message is written a second after the previous one (ties are tested on their own).
    if (event.type === "CHAT.SEND") setSystemTime(new Date(1_700_000_000_000 + ++tick * 1000));
    this.chat.send(event);
  }
  get ctx() {
    return this.chat.getSnapshot().context;
  }
  texts() {
    return this.ctx.messages.map((m) => m.text);
  }
  /** Takes what this tab sent so far (decoded). */
  drain(): { peer?: string; wire: ChatWire }[] {
    const out = this.sent.map((e) => ({ peer: e.peer, wire: decodeChat(e.data)! }));
    this.sent = [];
    return out;
  }
}

/** Two tabs and the "chat" data channel between them, which can be up or down. */
function pair() {
  const a = new Tab("ma");
  const b = new Tab("mb");
  let up = false;
  const flush = () => {
    // Deliver until quiet: messages, then the acks they cause.
    for (let round = 0; round < 10; round++) {
      const fromA = a.drain();
      const fromB = b.drain();
      if (!fromA.length && !fromB.length) return;
      if (!up) continue; // lost on a dead channel
      for (const { peer, wire } of fromA) if (!peer || peer === "mb") b.send({ type: "FEATURE.MESSAGE", channel: "chat", peer: "ma", data: encodeChat(wire) });
      for (const { peer, wire } of fromB) if (!peer || peer === "ma") a.send({ type: "FEATURE.MESSAGE", channel: "chat", peer: "mb", data: encodeChat(wire) });
    }
  };
  const open = () => {
    up = true;
    a.send({ type: "FEATURE.PEER_OPEN", channel: "chat", peer: "mb" });
    b.send({ type: "FEATURE.PEER_OPEN", channel: "chat", peer: "ma" });
    flush();
  };
  const drop = () => (up = false);
  return { a, b, open, drop, flush };
}

const inbound = (peer: string, wire: ChatWire): ChatEvent => ({ type: "FEATURE.MESSAGE", channel: "chat", peer, data: encodeChat(wire) });
/** A text from someone else, written `at` ms after T0. */
const msg = (id: string, at: number, text = id, from = "tab-x"): ChatWire => ({ t: "msg", id, from, at: T0 + at, text });

describe("chat machine", () => {
  test("a sent message reaches the other side once, is acknowledged, and is not sent again", () => {
    const { a, b, open, flush } = pair();
    open();
    a.send({ type: "CHAT.SEND", text: "  hello 👋 \n" });
    flush();
    expect(b.texts()).toEqual(["hello 👋"]);
    expect(b.ctx.messages[0]!.from).toBe("tab-ma");
    expect(a.ctx.messages[0]!.ackedBy).toEqual(["mb"]);
    open(); // the channel reopens: nothing unacknowledged, nothing resent
    expect(b.texts()).toEqual(["hello 👋"]);
    expect(a.drain()).toEqual([]);
  });

  test("messages are ordered by sender time then id, whatever order they arrive in", () => {
    const t = new Tab("ma");
    for (const w of [msg("c", 20), msg("b", 10), msg("z", 5), msg("a", 10), msg("y", 30)]) t.send(inbound("mb", w));
    expect(t.ctx.messages.map((m) => m.id)).toEqual(["z", "a", "b", "c", "y"]);
    // Our own quick messages keep the order they were written in, even within one millisecond.
    setSystemTime(new Date(T0 + 1_000));
    for (const text of ["one", "two", "three"]) t.chat.send({ type: "CHAT.SEND", text });
    expect(t.ctx.messages.slice(-3).map((m) => m.at - T0)).toEqual([1_000, 1_001, 1_002]);
    expect(t.texts().slice(-3)).toEqual(["one", "two", "three"]);
  });

  test("messages written while the channel is down are resent when it opens, exactly once", () => {
    const { a, b, open, drop, flush } = pair();
    a.send({ type: "CHAT.SEND", text: "before anyone came" });
    flush();
    expect(b.texts()).toEqual([]);
    open();
    expect(b.texts()).toEqual(["before anyone came"]);
    drop();
    a.send({ type: "CHAT.SEND", text: "into the void" });
    b.send({ type: "CHAT.SEND", text: "also lost" });
    flush();
    expect(b.texts()).toEqual(["before anyone came", "also lost"]);
    expect(a.texts()).toEqual(["before anyone came", "into the void"]);
    open();
    expect(b.texts()).toEqual(["before anyone came", "into the void", "also lost"]);
    expect(a.texts()).toEqual(b.texts());
    expect(a.ctx.messages.every((m) => m.from !== a.ctx.self || m.ackedBy.includes("mb"))).toBe(true);
  });

  test("a lost ack makes the sender resend; the receiver keeps one copy and acks again", () => {
    const { a, b, open, drop } = pair();
    open();
    a.send({ type: "CHAT.SEND", text: "once" });
    // B receives it, but the channel dies before B's ack gets back.
    const [out] = a.drain();
    b.send(inbound("ma", out!.wire));
    drop();
    b.drain();
    expect(a.ctx.messages[0]!.ackedBy).toEqual([]);
    open();
    expect(b.texts()).toEqual(["once"]);
    expect(b.chimes).toBe(1);
    expect(a.ctx.messages[0]!.ackedBy).toEqual(["mb"]);
  });

  test("a reload restores the history in order, and what was sent meanwhile arrives exactly once", () => {
    const { a, b, open, drop, flush } = pair();
    open();
    a.send({ type: "CHAT.SEND", text: "a1" });
    flush();
    b.send({ type: "CHAT.SEND", text: "b1" });
    flush();
    const selfBefore = b.ctx.self;
    // B reloads: the channel goes down, A keeps talking, B's page comes back.
    drop();
    b.reload();
    expect(b.ctx.self).toBe(selfBefore);
    expect(b.texts()).toEqual(["a1", "b1"]);
    a.send({ type: "CHAT.SEND", text: "a2 while you were away" });
    a.send({ type: "CHAT.SEND", text: "a3" });
    flush();
    open();
    expect(b.texts()).toEqual(["a1", "b1", "a2 while you were away", "a3"]);
    b.send({ type: "CHAT.SEND", text: "b2" });
    flush();
    expect(a.texts()).toEqual(["a1", "b1", "a2 while you were away", "a3", "b2"]);
    // A reloads too: nothing is repeated either way.
    drop();
    a.reload();
    open();
    expect(a.texts()).toEqual(b.texts());
    expect(new Set(a.ctx.messages.map((m) => m.id)).size).toBe(5);
  });

  test("an unacknowledged message survives the sender's own reload and is then delivered", () => {
    const { a, b, open, drop, flush } = pair();
    a.send({ type: "CHAT.SEND", text: "typed alone" });
    flush();
    drop();
    a.reload();
    expect(a.texts()).toEqual(["typed alone"]);
    open();
    expect(b.texts()).toEqual(["typed alone"]);
  });

  test("bad input is ignored: garbage frames, impostors, empty and too-long messages", () => {
    const t = new Tab("ma");
    t.send({ type: "FEATURE.MESSAGE", channel: "chat", peer: "mb", data: new Uint8Array([0xc1, 0xff, 0x00]) });
    t.send({ type: "FEATURE.MESSAGE", channel: "chat", peer: "mb", data: encodeChat(msg("x", 1, " ")) });
    t.send(inbound("mb", msg("spoof", 1, "I am you", t.ctx.self)));
    t.send({ type: "FEATURE.MESSAGE", channel: "draw", peer: "mb", data: encodeChat(msg("draw", 1)) });
    t.send({ type: "CHAT.SEND", text: "   " });
    t.send({ type: "CHAT.SEND", text: "x".repeat(CHAT_MAX_CHARS + 1) });
    expect(t.ctx.messages).toEqual([]);
    t.send({ type: "CHAT.SEND", text: "😀".repeat(CHAT_MAX_CHARS) }); // the limit counts characters
    expect(t.ctx.messages).toHaveLength(1);
    for (let i = 0; i < 500; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(1 + (i % 40)));
      expect(() => decodeChat(bytes)).not.toThrow();
    }
    expect(decodeChat(encodeChat({ t: "ack", ids: [] }))).toBeNull();
  });

  test("unread count and notifications: counted while closed, reset on open, muted stays quiet and is kept", () => {
    const t = new Tab("ma");
    t.send(inbound("mb", msg("m1", 1)));
    t.send(inbound("mb", msg("m2", 2)));
    t.send(inbound("mb", msg("m2", 2))); // a repeat neither counts nor chimes
    expect(t.ctx.unread).toBe(2);
    expect(t.chimes).toBe(2);
    t.send({ type: "CHAT.TOGGLE" });
    expect(t.ctx).toMatchObject({ open: true, unread: 0 });
    t.send(inbound("mb", msg("m3", 3)));
    expect(t.ctx.unread).toBe(0);
    t.send({ type: "CHAT.CLOSE" });
    t.send({ type: "CHAT.SET_MUTED", muted: true });
    t.send(inbound("mb", msg("m4", 4)));
    expect(t.chimes).toBe(3);
    expect(t.ctx.unread).toBe(1);
    t.reload();
    expect(t.ctx.muted).toBe(true);
  });

  test("stored history is validated: junk entries and repeats are dropped, order is restored", () => {
    const raw = JSON.stringify({
      self: "me",
      messages: [
        { id: "b", from: "x", at: T0 + 2, text: "second", ackedBy: [] },
        { id: "a", from: "x", at: T0 + 1, text: "first" },
        { id: "b", from: "x", at: T0 + 2, text: "repeat", ackedBy: [] },
        { id: "c", from: "x", at: String(T0 + 3), text: "bad time" },
        null,
      ],
    });
    expect(parseStoredChat(raw)!.messages.map((m) => [m.id, m.text, m.ackedBy])).toEqual([
      ["a", "first", []],
      ["b", "second", []],
    ]);
    expect(parseStoredChat("{not json")).toBeNull();
    expect(parseStoredChat(JSON.stringify({ messages: [] }))).toBeNull();
  });
});

describe("who said it", () => {
  test("a message keeps the name its sender had when it came; those here are named as they are now", () => {
    const t = new Tab("ma");
    t.send({ type: "CHAT.PEOPLE", people: { mb: "Bob", mc: "Guest 3" } });
    t.send(inbound("mb", msg("b1", 1, "hi", "tab-b")));
    t.send(inbound("mc", msg("c1", 2, "yo", "tab-c")));
    t.send(inbound("md", msg("d1", 3, "who?", "tab-d"))); // not heard of yet: no name
    const named = () => t.ctx.messages.map((m) => [m.id, m.peer, m.name]);
    expect(named()).toEqual([
      ["b1", "mb", "Bob"],
      ["c1", "mc", "Guest 3"],
      ["d1", "md", undefined],
    ]);
    // Bob leaves; the guest gives a name; the newcomer is heard of.
    t.send({ type: "CHAT.PEOPLE", people: { mc: "Cleo", md: "Dee" } });
    expect(named()).toEqual([
      ["b1", "mb", "Bob"],
      ["c1", "mc", "Cleo"],
      ["d1", "md", "Dee"],
    ]);
    // Back to two, the other unnamed: "them" again; the name of the one who left stays, across a reload.
    t.send({ type: "CHAT.PEOPLE", people: { mc: null } });
    t.reload();
    expect(named()).toEqual([
      ["b1", "mb", "Bob"],
      ["c1", "mc", undefined],
      ["d1", "md", "Dee"],
    ]);
  });

  test("a stored sender is validated on read: a name that is not one clean short line, or a bad id, is left out", () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const stored = (peer: unknown, name: unknown) =>
      parseStoredChat(JSON.stringify({ self: "me", messages: [{ id: "a", from: "x", at: T0, text: "t", ackedBy: [], peer, name }] }), T0)!.messages[0]!;
    expect(stored("mb", "Bob")).toMatchObject({ peer: "mb", name: "Bob" });
    for (const bad of ["x".repeat(41), "Ada\u202e", " Ada", "a\nb", 42, { name: "x" }, ""]) expect(stored("mb", bad).name).toBeUndefined();
    for (const bad of ["", "x".repeat(65), 7, null]) expect(stored(bad, "Bob").peer).toBeUndefined();
    warn.mockRestore();
  });
});

describe("hostile peers and poisoned storage", () => {
  /** What a peer can put in a frame that encodeChat would never make. */
  const raw = (x: unknown): ChatEvent => ({ type: "FEATURE.MESSAGE", channel: "chat", peer: "mb", data: new Packr({ useRecords: false }).pack(x) });

  test("a message whose time cannot be shown (at: 1e16) or is far from this clock is dropped: not stored, not acked, not counted", () => {
    const t = new Tab("ma");
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const bad: [string, number][] = [
      ["year-275k", 1e16],
      ["max-date-plus", 8.64e15 + 1],
      ["far-future", T0 + 2 * 24 * 3600_000],
      ["far-past", T0 - 31 * 24 * 3600_000],
      ["negative", -5],
      ["fraction", T0 + 0.5],
      ["nan", NaN],
      ["inf", Infinity],
    ];
    for (const [id, at] of bad) t.send(raw({ t: "msg", id, from: "tab-x", at, text: "boom" }));
    // Wrong types, unknown kinds, odd ids, a text over the limit, a frame over the size limit.
    for (const x of [
      { t: "msg", id: 5, from: "tab-x", at: T0, text: "id is a number" },
      { t: "msg", id: "ok1", from: "tab-x", at: String(T0), text: "at is a string" },
      { t: "msg", id: "ok2", from: "tab-x", at: T0, text: ["not", "a", "string"] },
      { t: "msg", id: "ok3", from: { evil: true }, at: T0, text: "from is an object" },
      { t: "msg", id: "a b<script>", from: "tab-x", at: T0, text: "id with odd characters" },
      { t: "msg", id: "ok4", from: "tab-x", at: T0, text: "x".repeat(CHAT_MAX_CHARS + 1) },
      { t: "msg", id: "ok5", from: "tab-x", at: T0, text: "y".repeat(20_000) },
      { t: "draw", id: "ok6", from: "tab-x", at: T0, text: "unknown kind" },
      { t: "ack", ids: "ok1" },
      [1, 2, 3],
      null,
    ]) {
      t.send(raw(x));
    }
    expect(t.ctx.messages).toEqual([]);
    expect(t.ctx.unread).toBe(0);
    expect(t.chimes).toBe(0);
    expect(t.drain()).toEqual([]); // nothing acked: a sane sender resends, a hostile one gets nothing
    expect(t.storage.get(chatStorageKey("room-1"))).toBeUndefined();
    expect(warn).toHaveBeenCalled();
    expect(String(warn.mock.calls[0]![0])).toMatch(/chat: dropped/);
    warn.mockRestore();
    // The chat still works for a normal message, a few seconds or hours off.
    t.send(inbound("mb", msg("fine", 3 * 3600_000)));
    expect(t.texts()).toEqual(["fine"]);
    expect(t.chat.getSnapshot().status).toBe("active");
  });

  test("a flood from one peer is cut to a burst and then a steady rate; the rest is not acked (so a real sender resends it later)", () => {
    const t = new Tab("ma");
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 500; i++) t.send(inbound("mb", msg(`f${i}`, i, `flood ${i}`)));
    const kept = t.ctx.messages.length;
    expect(kept).toBe(CHAT_BURST);
    expect(t.drain().length).toBe(CHAT_BURST);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(2); // the console is not flooded either
    // Another peer is not held back by this one.
    t.send({ ...inbound("mc", msg("other", 1, "hi", "tab-c")) });
    expect(t.texts()).toContain("hi");
    // Ten seconds later, the rate allows a few more.
    setSystemTime(new Date(T0 + 10_000));
    for (let i = 500; i < 600; i++) t.send(inbound("mb", msg(`f${i}`, i, `flood ${i}`)));
    expect(t.ctx.messages.length - kept - 1).toBe(10 * CHAT_RATE_PER_S);
    warn.mockRestore();
  });

  test("a handler that throws drops that one event: the chat actor (and the call above it) lives on", () => {
    const t = new Tab("ma");
    const error = spyOn(console, "error").mockImplementation(() => {});
    const uuid = spyOn(crypto, "randomUUID").mockImplementation(() => {
      throw new Error("test: no randomness today");
    });
    t.send({ type: "CHAT.SEND", text: "lost" });
    uuid.mockRestore();
    expect(t.chat.getSnapshot().status).toBe("active");
    expect(error).toHaveBeenCalled();
    error.mockRestore();
    t.send({ type: "CHAT.SEND", text: "works" });
    expect(t.texts()).toEqual(["works"]);
  });

  test("stored history is validated again on read: a poisoned entry (at: 1e16, wrong types) is dropped and the rest is kept", () => {
    const good = { id: "good", from: "x", at: T0 - 60_000, text: "kept", ackedBy: ["mb"] };
    const poisoned = JSON.stringify({
      self: "me",
      messages: [
        { id: "bomb", from: "x", at: 1e16, text: "boom", ackedBy: [] },
        good,
        { id: "later", from: "x", at: T0 + 2 * 24 * 3600_000, text: "from the future" },
        { id: "typed", from: 7, at: T0, text: "from is a number" },
        { id: "acks", from: "x", at: T0, text: "acks poisoned", ackedBy: "everyone" },
        { id: "long", from: "x", at: T0, text: "z".repeat(CHAT_MAX_CHARS + 1) },
        "a string",
      ],
    });
    const back = parseStoredChat(poisoned, T0)!;
    expect(back.self).toBe("me");
    expect(back.messages.map((m) => m.id)).toEqual(["good", "acks"]);
    expect(back.messages[1]!.ackedBy).toEqual([]);
    // A bad self id or a whole junk value gives a fresh start, never a throw.
    for (const junk of ["{", "null", "[]", '"text"', JSON.stringify({ self: 5, messages: [] }), JSON.stringify({ self: "me", messages: {} })]) {
      expect(parseStoredChat(junk, T0)).toBeNull();
    }
    // A tab whose sessionStorage holds the poison starts with the good part of its history.
    const t = new Tab("ma");
    t.storage.set(chatStorageKey("room-1"), poisoned);
    t.reload();
    expect(t.texts()).toEqual(["kept", "acks poisoned"]);
    expect(t.ctx.self).toBe("me");
  });
});

describe("chat text and shortcodes", () => {
  test("only http(s) addresses become links, without sentence punctuation", () => {
    expect(linkify("see https://example.com/a?b=1. and javascript:alert(1) or http://x.org/wiki/A_(b)!")).toEqual([
      { text: "see " },
      { text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { text: ". and javascript:alert(1) or " },
      { text: "http://x.org/wiki/A_(b)", href: "http://x.org/wiki/A_(b)" },
      { text: "!" },
    ]);
    expect(linkify(`<a href="javascript:alert(1)">x</a> data:text/html,<b>`)).toEqual([{ text: `<a href="javascript:alert(1)">x</a> data:text/html,<b>` }]);
  });

  test(":smi offers matching shortcodes, shortest first; a complete :code: or alias resolves", async () => {
    const data = (await Bun.file(new URL("../../node_modules/@emoji-mart/data/sets/15/native.json", import.meta.url)).json()) as EmojiData;
    const found = searchShortcodes(data, "smi");
    expect(found[0]).toMatchObject({ code: "smile", native: "😄" });
    expect(found.length).toBeGreaterThan(3);
    expect(found.every((s) => s.code.includes("smi"))).toBe(true);
    expect(emojiFor(data, "wave")?.native).toBe("👋");
    expect(emojiFor(data, "satisfied")?.native).toBe(emojiFor(data, "laughing")!.native);
    expect(emojiFor(data, "no-such-emoji")).toBeNull();
    expect(shortcodeAt("ok :smi", 7)).toEqual({ start: 3, query: "smi" });
    expect(shortcodeAt("10:30", 5)).toBeNull(); // a time, not a shortcode
    expect(shortcodeAt("ok :s", 5)).toBeNull(); // two characters at least
    expect(closedShortcodeAt("hi :wave:", 9)).toEqual({ start: 3, code: "wave" });
  });
});
