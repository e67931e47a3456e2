/**
 * Presence on its own: which socket each member has on this node, by room, with plain objects
 * standing for sockets.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { Presence } from "../signal-server/presence.ts";

type Sock = { name: string };
const sock = (name: string): Sock => ({ name });
const byId = (peer: string, id: string) => peer === id;

let presence: Presence<Sock>;
beforeEach(() => {
  presence = new Presence<Sock>();
});

describe("presence", () => {
  test("a member's socket is found by room and id, never across rooms", () => {
    const a = sock("a");
    const b = sock("b");
    expect(presence.set("one", "A", a)).toBeNull();
    expect(presence.set("two", "B", b)).toBeNull();
    expect(presence.get("one", "A")).toBe(a);
    expect(presence.get("two", "A")).toBeNull();
    expect(presence.get("one", "B")).toBeNull();
    expect(presence.get("none", "A")).toBeNull();
    expect(presence.find("one", byId, "A")).toBe(a);
    expect(presence.find("two", byId, "A")).toBeNull();
    expect(presence.size).toBe(2);
  });

  test("the same id in two rooms is two members", () => {
    const one = sock("one");
    const two = sock("two");
    presence.set("one", "A", one);
    presence.set("two", "A", two);
    expect(presence.get("one", "A")).toBe(one);
    expect(presence.get("two", "A")).toBe(two);
    expect(presence.size).toBe(2);
  });

  test("a newer socket replaces the member's old one, which is returned and can no longer remove it", () => {
    const old = sock("old");
    const fresh = sock("fresh");
    presence.set("room", "A", old);
    expect(presence.set("room", "A", fresh)).toBe(old);
    expect(presence.size).toBe(1);
    expect(presence.delete("room", "A", old)).toBe(false);
    expect(presence.get("room", "A")).toBe(fresh);
    expect(presence.delete("room", "A", fresh)).toBe(true);
    expect(presence.get("room", "A")).toBeNull();
    expect(presence.delete("room", "A", fresh)).toBe(false);
    expect(presence.size).toBe(0);
  });

  test("find takes any matcher and returns the first member it names", () => {
    const a = sock("a");
    const b = sock("b");
    presence.set("room", "AAAA", a);
    presence.set("room", "BBBB", b);
    const startsWith = (prefix: string, id: string) => id.startsWith(prefix);
    expect(presence.find("room", startsWith, "B")).toBe(b);
    expect(presence.find("room", startsWith, "C")).toBeNull();
    const asked: string[] = [];
    presence.find("room", (_: null, id) => (asked.push(id), false), null);
    expect(asked).toEqual(["AAAA", "BBBB"]);
  });

  test("sockets() lists every socket; clear() forgets them", () => {
    const [a, b, c] = [sock("a"), sock("b"), sock("c")];
    presence.set("one", "A", a);
    presence.set("one", "B", b);
    presence.set("two", "C", c);
    expect([...presence.sockets()].map((s) => s.name).sort()).toEqual(["a", "b", "c"]);
    presence.delete("one", "A", a);
    presence.delete("one", "B", b);
    expect([...presence.sockets()]).toEqual([c]);
    presence.clear();
    expect([...presence.sockets()]).toEqual([]);
    expect(presence.size).toBe(0);
    expect(presence.get("two", "C")).toBeNull();
  });
});
