import { describe, expect, test } from "bun:test";
import {
  CARD_MAX,
  OCCUPANCY_CARDS_MAX,
  PROTOCOL_VERSION,
  ROOM_ID_MAX,
  ROOM_ID_MIN,
  decodeClient,
  decodeServer,
  encode,
  encodeRaw,
  roomIdProblem,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
  type Validated,
  type WithoutVersion,
} from "../protocol/index.ts";
import { encodePeek } from "../protocol/peek-frame.ts";

const V = PROTOCOL_VERSION;

const offer = { description: { type: "offer" as const, sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" } };
const candidate = {
  candidate: { candidate: "candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "abcd" },
};

const clientMessages: WithoutVersion<ClientMessage>[] = [
  { type: "join", room: "room-1" },
  { type: "join", room: "Room_2", token: "secret-token" },
  { type: "join", room: "room-3", layer: 1 },
  { type: "signal", peer: "peer-a", session: "s1", data: offer },
  { type: "signal", peer: "peer-a", session: "s1", data: { description: { type: "answer", sdp: "v=0" } } },
  { type: "signal", peer: "peer-a", session: "s1", data: { description: { type: "rollback", sdp: "" } } },
  { type: "signal", peer: "peer-a", session: "s2", data: candidate },
  { type: "signal", peer: "peer-a", session: "s2", data: { candidate: { candidate: "", sdpMid: null, sdpMLineIndex: null } } },
  { type: "signal", peer: "peer-a", session: "s2", data: { candidate: null } },
  { type: "signal", peer: "peer-a", session: "s3", re: "their-1", data: offer },
  { type: "leave" },
  { type: "ping" },
  { type: "sfu", pc: "pub", data: { description: { type: "offer", sdp: "v=0" } } },
  { type: "sfu", pc: "sub", data: { candidate: null } },
  { type: "relay", channel: "chat", data: new Uint8Array([1, 2, 3]) },
  { type: "relay", channel: "draw", peer: "peer-a", data: new Uint8Array(16) },
  { type: "card", data: new Uint8Array([7, 8, 9]) },
  { type: "card", data: new Uint8Array(0) },
];

const serverMessages: WithoutVersion<ServerMessage>[] = [
  { type: "mode", mode: "sfu" },
  { type: "sfu-layers", max: 0 },
  { type: "sfu-layers", max: 2 },
  {
    type: "sfu",
    pc: "sub",
    data: { description: { type: "offer", sdp: "v=0" } },
    streams: [
      { mid: "0", peer: "peer-a", kind: "audio" },
      { mid: "1", peer: "peer-a", kind: "video" },
    ],
  },
  { type: "relay", channel: "control", peer: "peer-a", data: new Uint8Array([9]) },
  { type: "joined", mode: "direct", room: "room-1", self: "me", token: "t", peers: [], iceServers: [] },
  { type: "joined", mode: "direct", room: "room-1", self: "me", token: "t", peers: [], iceServers: [], cards: true },
  { type: "occupancy", room: "room-1", people: 2, capacity: 20 },
  { type: "occupancy", room: "room-1", people: 2, capacity: 20, cards: [new Uint8Array([1]), new Uint8Array(CARD_MAX)] },
  {
    type: "joined",
    mode: "sfu",
    room: "room-1",
    self: "me",
    token: "t",
    peers: ["other"],
    iceServers: [{ urls: "stun:127.0.0.1:3478" }, { urls: ["turn:127.0.0.1"], username: "u", credential: "c" }],
  },
  { type: "peer-joined", peer: "p" },
  { type: "peer-away", peer: "p" },
  { type: "peer-left", peer: "p", reason: "left" },
  { type: "peer-left", peer: "p", reason: "gone" },
  { type: "signal", peer: "p", session: "s", data: offer },
  { type: "signal", peer: "p", session: "s", data: candidate },
  { type: "signal", peer: "p", session: "s", data: { candidate: null } },
  { type: "signal", peer: "p", session: "s", re: "r", data: candidate },
  { type: "error", code: "room-full", text: "This call is full." },
  { type: "pong" },
];

function expectRejected<T>(result: Validated<T>, code: ErrorCode) {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.code).toBe(code);
    expect(result.text.length).toBeGreaterThan(0);
  }
}

/** Decoding must return a typed result, never throw. */
const safeDecodeClient = (data: unknown) => {
  let result: Validated<ClientMessage> | undefined;
  expect(() => (result = decodeClient(data))).not.toThrow();
  return result!;
};

describe("round trips", () => {
  test.each(clientMessages.map((m) => [m.type, m] as const))("client %s", (_, msg) => {
    const bytes = encode(msg);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const decoded = decodeClient(bytes);
    expect(decoded).toEqual({ ok: true, msg: { v: PROTOCOL_VERSION, ...msg } as ClientMessage });
    // An ArrayBuffer (what a browser socket hands over) decodes the same.
    // (encode returns a view into a shared buffer, so copy the bytes out first.)
    expect(decodeClient(new Uint8Array(bytes).buffer)).toEqual(decoded);
  });

  test.each(serverMessages.map((m) => [m.type, m] as const))("server %s", (_, msg) => {
    const decoded = decodeServer(encode(msg));
    expect(decoded).toEqual({ ok: true, msg: { v: PROTOCOL_VERSION, ...msg } as ServerMessage });
  });

  test("a server message is not a client message and vice versa", () => {
    expectRejected(decodeClient(encode({ type: "pong" })), "bad-frame");
    expectRejected(decodeClient(encode({ type: "peer-joined", peer: "p" })), "bad-frame");
    expectRejected(decodeServer(encode({ type: "join", room: "abc" })), "bad-frame");
    // A join's guessed layer is one a subscription can ask for (not -1, "none").
    for (const layer of [-1, 3, 1.5, "1", null]) expectRejected(decodeClient(encodeRaw({ v: V, type: "join", room: "abc", layer })), "bad-frame");
    // A signal's `re` (which of the addressee's connections it answers) is a session id when present.
    for (const re of ["", "r".repeat(65), 7, null, ["r"]]) {
      expectRejected(decodeClient(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", re, data: offer })), "bad-frame");
      expectRejected(decodeServer(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", re, data: offer })), "bad-frame");
    }
    // A publisher is told one of its three layers, the highest anyone wants; it is never a client's to send.
    for (const max of [-1, 3, 0.5, "1", null, undefined]) expectRejected(decodeServer(encodeRaw({ v: V, type: "sfu-layers", max })), "bad-frame");
    expectRejected(decodeClient(encode({ type: "sfu-layers", max: 1 })), "bad-frame");
    // A signal has the same shape both ways (`peer` is the addressee, then the sender).
    const signal = encode({ type: "signal", peer: "p", session: "s", data: offer });
    expect(decodeClient(signal)).toEqual(decodeServer(signal) as Validated<ClientMessage>);
  });
});

describe("rejections", () => {
  const ping = encode({ type: "ping" });

  test("non-binary frames", () => {
    for (const data of ["hello", JSON.stringify({ v: V, type: "ping" }), 42, null, undefined, { v: V, type: "ping" }, [1, 2]]) {
      expectRejected(safeDecodeClient(data), "bad-frame");
      expectRejected(decodeServer(data), "bad-frame");
    }
  });

  test("garbage bytes", () => {
    for (const bytes of [[], [0xff, 0xff, 0xff], [0xd4, 0x05, 0x00], [0xc0], [0x2a], [0xa3, 0x61, 0x62, 0x63]]) {
      expectRejected(safeDecodeClient(new Uint8Array(bytes)), "bad-frame");
    }
    // 0xc1 is "never used" in msgpack; whatever the decoder makes of it is not a message.
    expect(safeDecodeClient(new Uint8Array([0xc1])).ok).toBe(false);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 64) }, rand);
      const result = safeDecodeClient(bytes);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(["bad-frame", "bad-version"]).toContain(result.code);
    }
  });

  test("truncated msgpack at every length", () => {
    const full = encode({ type: "signal", peer: "peer-a", session: "s1", data: offer });
    for (let n = 0; n < full.length; n++) expectRejected(safeDecodeClient(full.subarray(0, n)), "bad-frame");
    // Trailing bytes after a valid message are just as wrong.
    expectRejected(safeDecodeClient(new Uint8Array([...ping, 0xc0])), "bad-frame");
  });

  test("wrong protocol version", () => {
    for (const v of [0, PROTOCOL_VERSION + 1, -1, 1.5]) {
      expectRejected(safeDecodeClient(encodeRaw({ v, type: "ping" })), "bad-version");
      expectRejected(decodeServer(encodeRaw({ v, type: "pong" })), "bad-version");
    }
  });

  test("a missing or non-numeric version is a malformed frame, not a reason to reload", () => {
    for (const v of [String(PROTOCOL_VERSION), null, true, [PROTOCOL_VERSION], {}]) {
      expectRejected(safeDecodeClient(encodeRaw({ v, type: "ping" })), "bad-frame");
      expectRejected(decodeServer(encodeRaw({ v, type: "pong" })), "bad-frame");
    }
    expectRejected(safeDecodeClient(encodeRaw({ type: "ping" })), "bad-frame");
    expectRejected(decodeServer(encodeRaw({ type: "pong" })), "bad-frame");
  });

  test("unknown or missing type", () => {
    for (const type of ["hello", "JOIN", "", 7, null, "toString", "__proto__"]) {
      expectRejected(safeDecodeClient(encodeRaw({ v: V, type })), "bad-frame");
      expectRejected(decodeServer(encodeRaw({ v: V, type })), "bad-frame");
    }
    expectRejected(safeDecodeClient(encodeRaw({ v: V })), "bad-frame");
  });

  test("bad room ids", () => {
    const bad = ["", "ab", "x".repeat(ROOM_ID_MAX + 1), "has space", "slash/room", "dot.room", "ümlaut", "emoji😀x", 123, null, ["abc"]];
    for (const room of bad) expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "join", room })), "bad-room");
    for (const room of ["abc", "x".repeat(ROOM_ID_MAX), "A-b_9"]) {
      expect(decodeClient(encode({ type: "join", room })).ok).toBe(true);
    }
  });

  test("malformed fields", () => {
    const sig = (over: Record<string, unknown>) => encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: offer, ...over });
    expect(decodeClient(sig({})).ok).toBe(true);
    for (const over of [
      { peer: "" },
      { peer: 5 },
      { peer: "x".repeat(65) },
      { session: "" },
      { session: "s".repeat(65) },
      { data: {} },
      { data: null },
      { data: { description: { type: "bogus", sdp: "" } } },
      { data: { description: { type: "offer" } } },
      { data: { candidate: { candidate: 5 } } },
      { data: { candidate: { candidate: "c", sdpMLineIndex: -1 } } },
      { data: { candidate: { candidate: "c", sdpMLineIndex: 1.5 } } },
      { data: { candidate: { candidate: "x".repeat(1025) } } },
    ]) {
      expectRejected(safeDecodeClient(sig(over)), "bad-frame");
    }
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "join", room: "abc", token: "t".repeat(129) })), "bad-frame");
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "join", room: "abc", token: 42 })), "bad-frame");
  });

  test("oversized sdp", () => {
    const sdp = (n: number) => encode({ type: "signal", peer: "p", session: "s", data: { description: { type: "offer", sdp: "a".repeat(n) } } });
    expect(decodeClient(sdp(32 * 1024)).ok).toBe(true);
    expectRejected(safeDecodeClient(sdp(32 * 1024 + 1)), "bad-frame");
    expectRejected(
      decodeServer(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: { description: { type: "offer", sdp: "a".repeat(40_000) } } })),
      "bad-frame",
    );
  });

  test("deeply nested values", () => {
    // 60 000 nested one-element arrays: deeper than the decoder's stack.
    for (const marker of [0x91, 0x81]) {
      const bytes = new Uint8Array(60_001).fill(marker);
      bytes[bytes.length - 1] = 0xc0;
      expectRejected(safeDecodeClient(bytes), "bad-frame");
    }
    let deep: unknown = "x";
    for (let i = 0; i < 2000; i++) deep = [deep];
    expectRejected(safeDecodeClient(encodeRaw(deep)), "bad-frame");
    for (const field of ["room", "token"]) {
      expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "join", room: "abc", [field]: deep })), field === "room" ? "bad-room" : "bad-frame");
    }
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: { description: deep } })), "bad-frame");
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: { candidate: deep } })), "bad-frame");
    // The decoder still works afterwards.
    expect(decodeClient(ping).ok).toBe(true);
  });

  test("extra fields, however deep or large, never survive validation", () => {
    // 20 000 levels decode, but are deeper than the encoder can take again: a relay would throw.
    const prefix = encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: { ...candidate, junk: null } });
    const frame = new Uint8Array(prefix.length + 20_000);
    frame.set(prefix.subarray(0, prefix.length - 1));
    frame.fill(0x91, prefix.length - 1, frame.length - 1);
    frame[frame.length - 1] = 0xc0;
    const decoded = safeDecodeClient(frame);
    expect(decoded).toEqual({ ok: true, msg: { v: V, type: "signal", peer: "p", session: "s", data: candidate } });
    if (decoded.ok) expect(() => encode(decoded.msg)).not.toThrow();
    let deep: unknown = null;
    for (let i = 0; i < 1000; i++) deep = [deep];
    const junk = { deep, big: new Array(10_000).fill(1) };
    expect(decodeClient(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", junk, data: { ...candidate, junk } }))).toEqual(decoded);
    const offerWithJunk = { description: { ...offer.description, junk } };
    expect(decodeClient(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: offerWithJunk }))).toEqual({
      ok: true,
      msg: { v: V, type: "signal", peer: "p", session: "s", data: offer },
    });
    expect(decodeClient(encodeRaw({ v: V, type: "join", room: "abc", junk }))).toEqual({ ok: true, msg: { v: V, type: "join", room: "abc" } });
    expect(decodeClient(encodeRaw({ v: V, type: "ping", junk }))).toEqual({ ok: true, msg: { v: V, type: "ping" } });
  });

  test("huge arrays", () => {
    // Headers announcing 4 billion elements with no data behind them.
    for (const header of [0xdd, 0xdf, 0xdb, 0xc6]) {
      expectRejected(safeDecodeClient(new Uint8Array([header, 0xff, 0xff, 0xff, 0xff, 0xc0])), "bad-frame");
    }
    expectRejected(safeDecodeClient(encodeRaw(new Array(60_000).fill(0))), "bad-frame");
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "join", room: new Array(10_000).fill("a") })), "bad-room");
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "signal", peer: new Array(10_000).fill("p"), session: "s", data: offer })), "bad-frame");
    expectRejected(safeDecodeClient(encodeRaw({ v: V, type: "signal", peer: "p", session: "s", data: new Array(10_000).fill(offer) })), "bad-frame");
  });
});

describe("roomIdProblem", () => {
  test("accepts good ids", () => {
    for (const id of ["abc", "my-room_42", "x".repeat(ROOM_ID_MAX), crypto.randomUUID()]) expect(roomIdProblem(id)).toBeNull();
  });

  test("explains each problem", () => {
    expect(roomIdProblem("")).toBe("Enter a room ID.");
    expect(roomIdProblem(undefined)).toBe("Enter a room ID.");
    expect(roomIdProblem(42)).toBe("Enter a room ID.");
    expect(roomIdProblem("x".repeat(ROOM_ID_MIN - 1))).toContain(`at least ${ROOM_ID_MIN}`);
    expect(roomIdProblem("x".repeat(ROOM_ID_MAX + 1))).toContain(`at most ${ROOM_ID_MAX}`);
    for (const id of ["a b c", "abc!", "abc/def", "abc.def", "ключ"]) expect(roomIdProblem(id)).toContain("letters, digits");
  });
});

describe("cards", () => {
  const card = (data: unknown) => encodeRaw({ v: V, type: "card", data });
  const occupancy = (over: Record<string, unknown>) => encodeRaw({ v: V, type: "occupancy", room: "r-1", people: 3, capacity: 20, ...over });

  test(`a card is bytes, at most ${CARD_MAX}; anything else is refused with a reason, and extra fields go`, () => {
    expect(decodeClient(card(new Uint8Array(CARD_MAX)))).toEqual({ ok: true, msg: { v: V, type: "card", data: new Uint8Array(CARD_MAX) } });
    expectRejected(safeDecodeClient(card(new Uint8Array(CARD_MAX + 1))), "too-large");
    for (const junk of ["text", 42, null, undefined, [1, 2], { 0: 1 }, true]) expectRejected(safeDecodeClient(card(junk)), "bad-frame");
    expect(decodeClient(encodeRaw({ v: V, type: "card", data: new Uint8Array([1]), peer: "p", room: "x" }))).toEqual({
      ok: true,
      msg: { v: V, type: "card", data: new Uint8Array([1]) },
    });
  });

  test("an occupancy's cards: junk is left out and the count stays; at most one per person counted, and OCCUPANCY_CARDS_MAX", () => {
    const cardsOf = (over: Record<string, unknown>) => {
      const decoded = decodeServer(occupancy(over));
      if (!decoded.ok || decoded.msg.type !== "occupancy") throw new Error(`not an occupancy: ${JSON.stringify(decoded)}`);
      expect(decoded.msg.people).toBe((over.people as number | undefined) ?? 3);
      return decoded.msg.cards;
    };
    const five = new Uint8Array(5);
    expect(cardsOf({ cards: [five, five, five] })).toEqual([five, five, five]);
    expect(cardsOf({ cards: [] })).toBeUndefined();
    expect(cardsOf({ cards: [five, five, five, five] })).toEqual([five, five, five]); // more than people
    expect(cardsOf({ cards: [new Uint8Array(CARD_MAX + 1), new Uint8Array(0), "text", null, [1, 2], { 0: 1 }, five] })).toEqual([five]);
    for (const cards of ["cards", new Uint8Array(4), { 0: new Uint8Array(1) }, null, 42]) expect(cardsOf({ cards })).toBeUndefined();
    const many = Array.from({ length: OCCUPANCY_CARDS_MAX + 10 }, () => new Uint8Array(1));
    expect(cardsOf({ people: 1000, cards: many })).toHaveLength(OCCUPANCY_CARDS_MAX);
    // Fields beyond the known ones do not survive.
    const decoded = decodeServer(occupancy({ cards: [five], junk: "x" }));
    expect(decoded).toEqual({ ok: true, msg: { v: V, type: "occupancy", room: "r-1", people: 3, capacity: 20, cards: [five] } });
    expectRejected(decodeServer(occupancy({ people: -1, cards: [] })), "bad-frame");
    // The relay servers for a connection prepared before Join: checked as `joined`'s are.
    const turn = { urls: ["turn:t.example:3478"], username: "1:lobby-ab12cd34", credential: "c" };
    expect(decodeServer(occupancy({ iceServers: [turn] }))).toEqual({
      ok: true,
      msg: { v: V, type: "occupancy", room: "r-1", people: 3, capacity: 20, iceServers: [turn] },
    });
    for (const iceServers of ["turn:x", [{ urls: 42 }], [{ urls: "turn:x", username: "u".repeat(513) }], Array(9).fill(turn), null])
      expectRejected(decodeServer(occupancy({ iceServers })), "bad-frame");
    // `joined` says whether the server keeps cards: a boolean or nothing.
    const joined = (cards: unknown) =>
      encodeRaw({ v: V, type: "joined", mode: "direct", room: "r-1", self: "me", token: "t", peers: [], iceServers: [], cards });
    expect(decodeServer(joined(true)).ok).toBe(true);
    expectRejected(decodeServer(joined("yes")), "bad-frame");
  });
});

describe("the head start's peek frame (protocol/peek-frame.ts)", () => {
  test("is byte for byte the codec's `peek`, for every length a room id may have", () => {
    for (const room of ["a".repeat(ROOM_ID_MIN), "peek-room", "x".repeat(31), "y".repeat(32), "z".repeat(ROOM_ID_MAX)]) {
      expect(encodePeek(room)).toEqual(encode({ type: "peek", room }));
      expect(decodeClient(encodePeek(room)!)).toEqual({ ok: true, msg: { v: V, type: "peek", room } });
    }
  });

  test("is not made for a room id longer than a frame of it can say", () => {
    expect(encodePeek("r".repeat(256))).toBeNull();
  });
});
