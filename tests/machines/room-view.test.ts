/** What the call shows of the room (roster.ts roomView): who left, who is connecting, who is up. */
import { describe, expect, test } from "bun:test";
import { type Departure, newEntry, presenceNews, type Roster, roomView } from "../../machines/call/roster.ts";

const roster = (...entries: [string, "connecting" | "connected"][]): Roster =>
  Object.fromEntries(entries.map(([id, status]) => [id, newEntry(id, { status })]));
const left: Departure = { peer: "ccc", reason: "left", name: "Cleo" };

describe("the room as the call shows it", () => {
  test("the only other person left: they left (whether or not they are still listed as going)", () => {
    expect(roomView(roster(), left)).toBe("peerLeft");
    expect(roomView({ ccc: { ...newEntry("ccc", { status: "connecting" }), away: true } }, left)).toBe("peerLeft");
  });

  test("a group whose others are still connecting: one leaving is not the end of the call", () => {
    // Five others joining, none connected yet; Cleo leaves. It once said "Cleo hung up" over the whole stage.
    const others = roster(["aaa", "connecting"], ["bbb", "connecting"], ["ddd", "connecting"], ["eee", "connecting"], ["fff", "connecting"]);
    expect(roomView(others, left)).toBe("connecting");
    expect(roomView({ ...others, aaa: newEntry("aaa", { status: "connected" }) }, left)).toBe("inCall");
  });

  test("nobody left: waiting alone, connecting, in a call", () => {
    expect(roomView(roster(), null)).toBe("waiting");
    expect(roomView(roster(["aaa", "connecting"]), null)).toBe("connecting");
    expect(roomView(roster(["aaa", "connected"]), null)).toBe("inCall");
  });

  test("someone announced leaves: the toast is said aloud unless the status line says it (nobody else is here)", () => {
    const greeted = { ccc: "Cleo" };
    const alone = presenceNews(roster(), greeted, left).news;
    expect(alone).toEqual([{ type: "NOTIFY.DEPARTED", reason: "left", who: "Cleo", quiet: true }]);
    const withOthers = presenceNews(roster(["aaa", "connecting"]), greeted, left).news;
    expect(withOthers).toEqual([{ type: "NOTIFY.DEPARTED", reason: "left", who: "Cleo", quiet: false }]);
  });
});
