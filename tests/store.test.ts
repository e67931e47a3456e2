import { beforeEach, describe, expect, test } from "bun:test";
import { OCCUPANCY_CARDS_MAX } from "../protocol/index.ts";
import { MemoryStore, seatIdOf } from "../signal-server/store.ts";

interface Timer {
  fn: () => void;
  ms: number;
  cancelled: boolean;
}

/** A fake clock: timers run only when the test says so. */
function fakeSchedule() {
  const timers: Timer[] = [];
  return {
    timers,
    live: () => timers.filter((t) => !t.cancelled),
    schedule: (fn: () => void, ms: number) => {
      const t: Timer = { fn, ms, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
    /** Runs every pending timer, as if the grace period passed. */
    elapse() {
      for (const t of timers.splice(0)) if (!t.cancelled) t.fn();
    },
  };
}

type Conn = { name: string };
const conn = (name: string): Conn => ({ name });

let clock: ReturnType<typeof fakeSchedule>;
let expired: { room: string; seatId: string; others: string[] }[];
let rooms: MemoryStore<Conn>;

const make = (capacity = 2, graceMs = 1000) =>
  new MemoryStore<Conn>({
    capacity,
    graceMs,
    schedule: clock.schedule,
    onExpire: (room, seatId, others) => expired.push({ room, seatId, others }),
  });

function joinOk(room: string, c: Conn, token?: string) {
  const r = rooms.join(room, c, token);
  if (!r.ok) throw new Error(`join failed: ${r.code}`);
  return r;
}

beforeEach(() => {
  clock = fakeSchedule();
  expired = [];
  rooms = make();
});

describe("capacity", () => {
  test("two join, the third gets room-full", () => {
    const a = joinOk("room", conn("a"));
    expect(a.peers).toEqual([]);
    expect(a.resumed).toBe(false);
    expect(a.replaced).toBeNull();
    const b = joinOk("room", conn("b"));
    expect(b.peers).toEqual([a.seat.id]);
    expect(b.seat.id).not.toBe(a.seat.id);
    expect(rooms.join("room", conn("c"))).toEqual({ ok: false, code: "room-full" });
    // Another room is unaffected.
    expect(rooms.join("other", conn("c")).ok).toBe(true);
    expect(rooms.counts()).toEqual({ rooms: 2, seats: 3, connected: 3 });
  });

  test("capacity is a setting", () => {
    rooms = make(3);
    for (const n of ["a", "b", "c"]) joinOk("room", conn(n));
    expect(rooms.join("room", conn("d")).ok).toBe(false);
  });

  test("seat ids derive from tokens, tokens are fresh and secret", () => {
    const a = joinOk("room", conn("a"));
    const b = joinOk("room", conn("b"));
    expect(a.seat.id).toBe(seatIdOf(a.token));
    expect(a.token).not.toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(24);
    expect(a.seat.id).not.toContain(a.token);
  });
});

describe("seat tokens", () => {
  test("rejoining with the token gives the same seat and returns the replaced connection", () => {
    const a1 = conn("a1");
    const a = joinOk("room", a1);
    const b = joinOk("room", conn("b"));
    const a2 = conn("a2");
    const again = joinOk("room", a2, a.token);
    expect(again.seat.id).toBe(a.seat.id);
    expect(again.replaced).toBe(a1);
    expect(again.resumed).toBe(true);
    expect(again.peers).toEqual([b.seat.id]);
    expect(rooms.holder("room", a.seat.id)).toBe(a2);
    // The replaced connection dropping later changes nothing.
    expect(rooms.disconnect("room", a.seat.id, a1)).toBeNull();
    expect(rooms.holder("room", a.seat.id)).toBe(a2);
    expect(clock.live()).toHaveLength(0);
  });

  test("a held seat can be reclaimed within the grace period", () => {
    const a1 = conn("a1");
    const a = joinOk("room", a1);
    const b = joinOk("room", conn("b"));
    expect(rooms.disconnect("room", a.seat.id, a1)).toEqual([b.seat.id]);
    expect(clock.live().map((t) => t.ms)).toEqual([1000]);
    expect(rooms.counts()).toEqual({ rooms: 1, seats: 2, connected: 1 });
    const back = joinOk("room", conn("a2"), a.token);
    expect(back.seat.id).toBe(a.seat.id);
    expect(back.replaced).toBeNull();
    expect(back.resumed).toBe(true);
    expect(clock.live()).toHaveLength(0);
    clock.elapse();
    expect(expired).toEqual([]);
    expect(rooms.holder("room", a.seat.id)?.name).toBe("a2");
  });

  test("a wrong or missing token cannot take a held seat", () => {
    const a1 = conn("a1");
    const a = joinOk("room", a1);
    joinOk("room", conn("b"));
    rooms.disconnect("room", a.seat.id, a1);
    expect(rooms.join("room", conn("x"))).toEqual({ ok: false, code: "room-full" });
    expect(rooms.join("room", conn("x"), "not-the-token")).toEqual({ ok: false, code: "room-full" });
    expect(rooms.join("room", conn("x"), a.seat.id)).toEqual({ ok: false, code: "room-full" });
    expect(rooms.holder("room", a.seat.id)).toBeNull();
  });

  test("a token from another room does not reach into this one", () => {
    const a = joinOk("one", conn("a"));
    const other = joinOk("two", conn("a-two"), a.token);
    expect(other.resumed).toBe(false);
    expect(rooms.holder("one", a.seat.id)?.name).toBe("a");
    expect(rooms.holder("two", a.seat.id)?.name).toBe("a-two");
  });

  test("an unknown token after a restart recreates the same seat id", () => {
    const a = joinOk("room", conn("a"));
    const b = joinOk("room", conn("b"));
    rooms = make(); // the server restarted: the registry is empty
    expect(rooms.counts().rooms).toBe(0);
    const a2 = joinOk("room", conn("a2"), a.token);
    expect(a2.seat.id).toBe(a.seat.id);
    expect(a2.token).toBe(a.token);
    expect(a2.resumed).toBe(false);
    const b2 = joinOk("room", conn("b2"), b.token);
    expect(b2.seat.id).toBe(b.seat.id);
    expect(b2.peers).toEqual([a.seat.id]);
  });
});

describe("leaving", () => {
  test("the seat frees after the grace period and onExpire gets the others", () => {
    const a1 = conn("a1");
    const a = joinOk("room", a1);
    const b = joinOk("room", conn("b"));
    rooms.disconnect("room", a.seat.id, a1);
    expect(rooms.join("room", conn("c")).ok).toBe(false);
    clock.elapse();
    expect(expired).toEqual([{ room: "room", seatId: a.seat.id, others: [b.seat.id] }]);
    expect(rooms.counts()).toEqual({ rooms: 1, seats: 1, connected: 1 });
    const c = joinOk("room", conn("c"));
    expect(c.peers).toEqual([b.seat.id]);
    // The old token now makes a new seat (with the same id) only if there is room.
    expect(rooms.join("room", conn("a3"), a.token)).toEqual({ ok: false, code: "room-full" });
  });

  test("others that are away themselves are not told", () => {
    const a1 = conn("a1");
    const b1 = conn("b1");
    const a = joinOk("room", a1);
    const b = joinOk("room", b1);
    expect(rooms.disconnect("room", a.seat.id, a1)).toEqual([b.seat.id]);
    expect(rooms.disconnect("room", b.seat.id, b1)).toEqual([]);
    clock.elapse();
    expect(expired.map((e) => e.others)).toEqual([[], []]);
    expect(rooms.counts()).toEqual({ rooms: 0, seats: 0, connected: 0 });
  });

  test("leave frees the seat at once and cancels a pending expiry", () => {
    const a1 = conn("a1");
    const a = joinOk("room", a1);
    const b = joinOk("room", conn("b"));
    expect(rooms.leave("room", a.seat.id)).toEqual([b.seat.id]);
    expect(rooms.counts()).toEqual({ rooms: 1, seats: 1, connected: 1 });
    expect(rooms.join("room", conn("c")).ok).toBe(true);
    expect(rooms.leave("room", "nobody")).toEqual([]);
    expect(rooms.leave("no-room", a.seat.id)).toEqual([]);

    const c2 = joinOk("r2", conn("x"));
    rooms.disconnect("r2", c2.seat.id, c2.seat.holder!);
    rooms.disconnect("r2", c2.seat.id, conn("x")); // a stranger's disconnect is ignored
    expect(rooms.leave("r2", c2.seat.id)).toEqual([]);
    clock.elapse();
    expect(expired).toEqual([]);
  });

  test("empty rooms are removed", () => {
    const a = joinOk("room", conn("a"));
    const b = joinOk("room", conn("b"));
    rooms.leave("room", a.seat.id);
    rooms.leave("room", b.seat.id);
    expect(rooms.counts()).toEqual({ rooms: 0, seats: 0, connected: 0 });
    const c1 = conn("c");
    const c = joinOk("gone", c1);
    rooms.disconnect("gone", c.seat.id, c1);
    expect(rooms.counts()).toEqual({ rooms: 1, seats: 1, connected: 0 });
    clock.elapse();
    expect(rooms.counts()).toEqual({ rooms: 0, seats: 0, connected: 0 });
  });

  test("with no grace period the seat frees at once, and nobody is told 'away' after 'gone'", () => {
    rooms = make(2, 0);
    const a1 = conn("a1");
    const a = joinOk("room", a1);
    const b = joinOk("room", conn("b"));
    expect(rooms.disconnect("room", a.seat.id, a1)).toEqual([]);
    expect(expired).toEqual([{ room: "room", seatId: a.seat.id, others: [b.seat.id] }]);
    expect(clock.timers).toHaveLength(0);
    expect(rooms.counts()).toEqual({ rooms: 1, seats: 1, connected: 1 });
  });

  test("relay lookups never cross rooms, and clear() drops timers", () => {
    const a = joinOk("one", conn("a"));
    const b = joinOk("two", conn("b"));
    expect(rooms.holder("two", a.seat.id)).toBeNull();
    expect(
      [a.seat.id, b.seat.id]
        .map((id) => rooms.holder("one", id))
        .filter((c) => c !== null)
        .map((c) => c.name),
    ).toEqual(["a"]);
    rooms.disconnect("one", a.seat.id, a.seat.holder!);
    rooms.clear();
    expect(clock.live()).toHaveLength(0);
    expect(rooms.counts()).toEqual({ rooms: 0, seats: 0, connected: 0 });
  });
});

describe("the store on its own (no sockets)", () => {
  test("grace is an expiry on the seat: set on disconnect by the injected clock, cleared on resume, freed when due", () => {
    let now = 1_000_000;
    const store = new MemoryStore<number>({
      capacity: 2,
      graceMs: 5000,
      schedule: clock.schedule,
      now: () => now,
      onExpire: (room, seatId, others) => expired.push({ room, seatId, others }),
    });
    const a = store.join("room", 1);
    const b = store.join("room", 2);
    if (!a.ok || !b.ok) throw new Error("join failed");
    expect(a.seat.expiresAt).toBeNull();
    now += 10;
    expect(store.disconnect("room", a.seat.id, 1)).toEqual([b.seat.id]);
    expect(a.seat.holder).toBeNull();
    expect(a.seat.expiresAt).toBe(1_000_000 + 10 + 5000);
    expect(clock.live().map((t) => t.ms)).toEqual([5000]);
    // Resumed by its token from another connection: held again, no expiry, the timer cancelled.
    const back = store.join("room", 3, a.token);
    if (!back.ok) throw new Error("resume failed");
    expect(back).toMatchObject({ resumed: true, replaced: null, peers: [b.seat.id] });
    expect(back.seat.expiresAt).toBeNull();
    expect(store.holder("room", a.seat.id)).toBe(3);
    expect(clock.live()).toHaveLength(0);
    // Dropped again and not back in time: freed, and the others told.
    expect(store.disconnect("room", a.seat.id, 3)).toEqual([b.seat.id]);
    clock.elapse();
    expect(expired).toEqual([{ room: "room", seatId: a.seat.id, others: [b.seat.id] }]);
    expect(store.holder("room", a.seat.id)).toBeNull();
    expect(store.counts()).toEqual({ rooms: 1, seats: 1, connected: 1 });
  });

  test("a seat taken by a newer holder: the old one is returned as replaced, and its disconnect is ignored", () => {
    const store = new MemoryStore<number>({ capacity: 2, graceMs: 1000, schedule: clock.schedule, onExpire: () => {} });
    const a = store.join("room", 1);
    if (!a.ok) throw new Error("join failed");
    const again = store.join("room", 2, a.token);
    expect(again).toMatchObject({ ok: true, replaced: 1, resumed: true });
    expect(store.disconnect("room", a.seat.id, 1)).toBeNull();
    expect(store.holder("room", a.seat.id)).toBe(2);
    expect(store.counts()).toEqual({ rooms: 1, seats: 1, connected: 1 });
  });

  test("capacity counts held seats, and seats held for a rejoin, across holders", () => {
    const store = new MemoryStore<number>({ capacity: 3, graceMs: 1000, schedule: clock.schedule, onExpire: () => {} });
    const joined = [1, 2, 3].map((h) => store.join("room", h));
    expect(joined.every((r) => r.ok)).toBe(true);
    expect(store.join("room", 4)).toEqual({ ok: false, code: "room-full" });
    const first = joined[0]!;
    if (!first.ok) throw new Error("join failed");
    store.disconnect("room", first.seat.id, 1);
    expect(store.join("room", 4)).toEqual({ ok: false, code: "room-full" });
    clock.elapse();
    expect(store.join("room", 4).ok).toBe(true);
  });
});

describe("peek", () => {
  test("counts the seats a join checks the capacity against: held ones too, until they expire; it changes nothing", () => {
    expect(rooms.peek("r").people).toBe(0);
    const a = joinOk("r", conn("a"));
    joinOk("r", conn("b"));
    expect(rooms.peek("r").people).toBe(2);
    expect(rooms.join("r", conn("c")).ok).toBe(false);
    rooms.disconnect("r", a.seat.id, a.seat.holder!);
    expect(rooms.peek("r").people).toBe(2); // held for a's rejoin
    clock.elapse();
    expect(rooms.peek("r").people).toBe(1);
    expect(rooms.peek("nowhere")).toEqual({ people: 0, cards: [] });
    expect(rooms.counts()).toEqual({ rooms: 1, seats: 1, connected: 1 });
  });
});

describe("cards", () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  test("one card per seat, replaced by the next, taken down when empty; none for a seat that does not exist", () => {
    const a = joinOk("r", conn("a"));
    const b = joinOk("r", conn("b"));
    expect(rooms.peek("r").cards).toEqual([]);
    expect(rooms.card("r", a.seat.id, bytes(1, 2))).toBe(true);
    expect(rooms.card("r", a.seat.id, bytes(3))).toBe(true);
    expect(rooms.card("r", b.seat.id, bytes(4))).toBe(true);
    expect(rooms.peek("r")).toEqual({ people: 2, cards: [bytes(3), bytes(4)] });
    expect(rooms.card("r", a.seat.id, null)).toBe(true);
    expect(rooms.peek("r").cards).toEqual([bytes(4)]);
    expect(rooms.card("r", "no-such-seat", bytes(5))).toBe(false);
    expect(rooms.card("elsewhere", a.seat.id, bytes(5))).toBe(false);
    expect(rooms.peek("r").cards).toEqual([bytes(4)]);
    expect(rooms.peek("elsewhere")).toEqual({ people: 0, cards: [] });
  });

  test("a card is the store's own copy: the frame it came in may be reused, and what peek hands out may be changed", () => {
    const a = joinOk("r", conn("a"));
    const frame = bytes(9, 1, 2, 9);
    rooms.card("r", a.seat.id, frame.subarray(1, 3));
    frame.fill(0);
    const seen = rooms.peek("r").cards[0]!;
    expect(seen).toEqual(bytes(1, 2));
    expect(seen.buffer.byteLength).toBe(2);
    seen.fill(7);
    expect(rooms.peek("r").cards).toEqual([bytes(1, 2)]);
  });

  test("a seat held for a rejoin keeps its card, and the rejoin finds it; it goes when the seat leaves or expires", () => {
    const a = joinOk("r", conn("a"));
    const b = joinOk("r", conn("b"));
    rooms.card("r", a.seat.id, bytes(1));
    rooms.card("r", b.seat.id, bytes(2));
    rooms.disconnect("r", a.seat.id, a.seat.holder!);
    expect(rooms.peek("r").cards).toEqual([bytes(1), bytes(2)]);
    const back = conn("a again");
    joinOk("r", back, a.token);
    expect(rooms.peek("r").cards).toEqual([bytes(1), bytes(2)]);
    rooms.leave("r", b.seat.id);
    expect(rooms.peek("r")).toEqual({ people: 1, cards: [bytes(1)] });
    rooms.disconnect("r", a.seat.id, back);
    expect(rooms.peek("r").cards).toEqual([bytes(1)]);
    clock.elapse();
    expect(rooms.peek("r")).toEqual({ people: 0, cards: [] });
    // A new seat in the same room starts with no card.
    const c = joinOk("r", conn("c"));
    expect(rooms.peek("r").cards).toEqual([]);
    expect(rooms.card("r", a.seat.id, bytes(1))).toBe(false);
    expect(rooms.card("r", c.seat.id, bytes(3))).toBe(true);
  });

  test("a peek hands out at most OCCUPANCY_CARDS_MAX cards", () => {
    const big = make(OCCUPANCY_CARDS_MAX + 5);
    for (let i = 0; i < OCCUPANCY_CARDS_MAX + 5; i++) {
      const r = big.join("big", conn(`m${i}`));
      if (!r.ok) throw new Error("join failed");
      big.card("big", r.seat.id, bytes(i));
    }
    const seen = big.peek("big");
    expect(seen.people).toBe(OCCUPANCY_CARDS_MAX + 5);
    expect(seen.cards).toHaveLength(OCCUPANCY_CARDS_MAX);
  });
});
