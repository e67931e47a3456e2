/** Names: one clean line of at most NAME_MAX characters, typed, kept, sent and received alike; the roster records them. */
import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { cleanName, decodeControl, encodeControl, encodeRaw, NAME_MAX } from "../../protocol/index.ts";
import { loadName, NAME_KEY, saveName } from "../../machines/storage.ts";
import { newEntry, onControl, presenceNews, type Roster } from "../../machines/call/roster.ts";

describe("a name is one clean line", () => {
  test("control characters, bidirectional overrides and line breaks go; spaces collapse; it is trimmed", () => {
    expect(cleanName("  Ada\tLovelace \n")).toBe("Ada Lovelace");
    expect(cleanName("Ada\u0000\u0007\u001b[31m")).toBe("Ada[31m");
    expect(cleanName("\u202eevil\u202c txt")).toBe("evil txt");
    expect(cleanName("a\u2028b\u2066c")).toBe("a bc");
    expect(cleanName("<b>Zoë</b> 👩‍💻")).toBe("<b>Zoë</b> 👩‍💻"); // text, rendered as text: nothing to strip
  });

  test(`at most ${NAME_MAX} characters, never splitting one; empty or not text is no name`, () => {
    expect(cleanName("x".repeat(100))).toBe("x".repeat(NAME_MAX));
    const emoji = cleanName("😀".repeat(50));
    expect(Array.from(emoji ?? "")).toHaveLength(NAME_MAX);
    expect(Array.from(emoji ?? "").every((c) => c === "😀")).toBe(true); // no half of one left over
    for (const none of ["", "   ", "\u0000\u202e", 42, null, undefined, { name: "x" }]) expect(cleanName(none)).toBeNull();
  });
});

describe("a name on the wire", () => {
  const state = { type: "media-state" as const, audio: true, video: false };

  test("travels with the media state and comes back cleaned", () => {
    expect(decodeControl(encodeControl({ ...state, name: "Ada" }))).toEqual({ ...state, name: "Ada" });
    expect(decodeControl(encodeRaw({ ...state, name: " Ada\u0000 " }))).toEqual({ ...state, name: "Ada" });
  });

  test("junk is ignored, and the media state still counts", () => {
    for (const junk of [42, ["Ada"], { toString: "x" }, "x".repeat(NAME_MAX + 1), "😀".repeat(NAME_MAX + 1), "\u0000\u0001", "", null]) {
      expect(decodeControl(encodeRaw({ ...state, name: junk }))).toEqual(state);
    }
  });
});

describe("a name kept across visits", () => {
  const local = new Map<string, string>();
  Object.defineProperty(globalThis, "localStorage", {
    value: {
      getItem: (k: string) => local.get(k) ?? null,
      setItem: (k: string, v: string) => void local.set(k, v),
      removeItem: (k: string) => void local.delete(k),
    },
    configurable: true,
  });
  afterAll(() => void delete (globalThis as { localStorage?: unknown }).localStorage);

  test("is kept cleaned, read back, and forgotten when emptied", () => {
    saveName("  Ada  Lovelace ");
    expect(local.get(NAME_KEY)).toBe("Ada Lovelace");
    expect(loadName()).toBe("Ada Lovelace");
    saveName("  ");
    expect(local.has(NAME_KEY)).toBe(false);
    expect(loadName()).toBe("");
  });

  test("a poisoned value is dropped, never used", () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    for (const poison of ["x".repeat(NAME_MAX + 1), "Ada\u202e", " Ada", "a\nb"]) {
      local.set(NAME_KEY, poison);
      expect(loadName()).toBe("");
      expect(local.has(NAME_KEY)).toBe(false);
    }
    warn.mockRestore();
  });
});

describe("the roster and names", () => {
  const roster: Roster = { aaa: newEntry("aaa", { status: "connected" }) };

  test("a media state records their name and that we heard them; without one they have none", () => {
    const named = onControl(roster, "aaa", { type: "media-state", audio: false, video: true, name: "Ada" }).peers;
    expect(named.aaa).toMatchObject({ name: "Ada", heard: true, audio: false });
    expect(onControl(named, "aaa", { type: "media-state", audio: true, video: true }).peers.aaa?.name).toBeNull();
    expect(onControl(roster, "zzz", { type: "media-state", audio: true, video: true, name: "Eve" }).peers).toBe(roster); // unknown: ignored
  });

  test("arrivals wait until we know who they are; departures name them; reconnections are no news", () => {
    expect(presenceNews(roster, {}, null).news).toEqual([]); // connected, not heard yet
    const heard = onControl(roster, "aaa", { type: "media-state", audio: true, video: true, name: "Ada" }).peers;
    const first = presenceNews(heard, {}, null);
    expect(first).toEqual({ greeted: { aaa: "Ada" }, news: [{ type: "NOTIFY.ARRIVED", who: "Ada" }] });
    const reconnecting = { aaa: { ...heard.aaa!, status: "restarting" as const } };
    expect(presenceNews(reconnecting, first.greeted, null).news).toEqual([]);
    expect(presenceNews({}, first.greeted, { peer: "aaa", reason: "left" })).toEqual({
      greeted: {},
      news: [{ type: "NOTIFY.DEPARTED", reason: "left", who: "Ada", quiet: true }],
    });
  });

  test("in a group, someone without a name is announced by their tile's label; with one other person, as before", () => {
    const two = onControl(roster, "aaa", { type: "media-state", audio: true, video: true }).peers;
    expect(presenceNews(two, {}, null).news).toEqual([{ type: "NOTIFY.ARRIVED", who: null }]);
    const group: Roster = { ...two, bbb: { ...newEntry("bbb", { status: "connected" }), heard: true } };
    const news = presenceNews(group, {}, null);
    expect(news.news).toEqual([
      { type: "NOTIFY.ARRIVED", who: "Guest 2" },
      { type: "NOTIFY.ARRIVED", who: "Guest 3" },
    ]);
    expect(presenceNews({ aaa: group.aaa! }, news.greeted, { peer: "bbb", reason: "gone" }).news).toEqual([
      { type: "NOTIFY.DEPARTED", reason: "gone", who: "Guest 3", quiet: false },
    ]);
  });
});
