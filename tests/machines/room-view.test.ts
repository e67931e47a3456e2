/** What the call shows of the room (roster.ts roomView): who left, who is connecting, who is up. */
import { describe, expect, test } from "bun:test";
import { type Departure, newEntry, type Participant, type PresenceNews, presenceNews, type Roster, roomView } from "../../machines/call/roster.ts";

const roster = (...entries: [string, Participant["status"]][]): Roster => Object.fromEntries(entries.map(([id, status]) => [id, newEntry(id, { status })]));
/** Away (their socket dropped) with the connection in the given state. */
const away = (id: string, status: Participant["status"]): Roster => ({ [id]: { ...newEntry(id, { status }), away: true } });
const left: Departure = { peer: "ccc", reason: "left", name: "Cleo" };
const gone: Departure = { peer: "ccc", reason: "gone", name: "Cleo" };

describe("the room as the call shows it", () => {
  test("the only other person left: they left (whether or not they are still listed as going)", () => {
    expect(roomView(roster(), left)).toBe("peerLeft");
    // A closed tab (resilience e2e): still listed, away, their connection dead or still up-looking.
    expect(roomView(away("ccc", "unstable"), gone)).toBe("peerLeft");
    expect(roomView(away("ccc", "restarting"), gone)).toBe("peerLeft");
    expect(roomView(away("ccc", "connecting"), gone)).toBe("peerLeft");
  });

  test("a group whose others are still connecting: one leaving is not the end of the call", () => {
    // Five others joining, none connected yet; Cleo leaves. It once said "Cleo hung up" over the whole stage.
    const others = roster(["aaa", "connecting"], ["bbb", "connecting"], ["ddd", "announced"], ["eee", "connecting"], ["fff", "connecting"]);
    expect(roomView(others, left)).toBe("connecting");
    // Cleo closed her tab and is presumed gone (still listed, away): the others are connecting, nobody reconnecting.
    expect(roomView({ ...others, ...away("ccc", "unstable") }, gone)).toBe("connecting");
    expect(roomView({ ...others, aaa: newEntry("aaa", { status: "connected" }) }, left)).toBe("inCall");
    // Only someone still joining (announced: we wait for their offer) is enough.
    expect(roomView(roster(["ddd", "announced"]), left)).toBe("connecting");
  });

  test("everyone else is gone too (away with a dead connection): they left, whoever went first", () => {
    // Two tabs closed: the first presumed gone stays listed until Stay; the second going is the end.
    const both = { ...away("aaa", "unstable"), ...away("ccc", "restarting") };
    expect(roomView(both, gone)).toBe("peerLeft");
    expect(roomView(both, { peer: "aaa", reason: "gone" })).toBe("peerLeft");
    // Away but media still flowing (a slow reload): still here.
    expect(roomView({ ...away("aaa", "connected"), ...away("ccc", "unstable") }, gone)).toBe("reconnecting");
  });

  test("nobody left: waiting alone, connecting, in a call", () => {
    expect(roomView(roster(), null)).toBe("waiting");
    expect(roomView(roster(["aaa", "connecting"]), null)).toBe("connecting");
    expect(roomView(roster(["aaa", "connected"]), null)).toBe("inCall");
    expect(roomView(away("aaa", "unstable"), null)).toBe("reconnecting");
  });

  test("someone announced leaves: the toast is said aloud unless the status line says it (nobody else is here)", () => {
    const greeted = { ccc: "Cleo" };
    const news = (r: Roster, d: Departure) => presenceNews(r, greeted, d).news;
    const quiet = (reason: Departure["reason"], q: boolean): PresenceNews[] => [{ type: "NOTIFY.DEPARTED", reason, who: "Cleo", quiet: q }];
    expect(news(roster(), left)).toEqual(quiet("left", true));
    expect(news(away("ccc", "unstable"), gone)).toEqual(quiet("gone", true));
    expect(news({ ...away("ccc", "unstable"), ...away("aaa", "unstable") }, gone)).toEqual(quiet("gone", true));
    // Others still connecting, or only announced: the call goes on, so the toast says it aloud.
    expect(news(roster(["aaa", "connecting"]), left)).toEqual(quiet("left", false));
    expect(news({ ...away("ccc", "unstable"), ...roster(["aaa", "announced"]) }, gone)).toEqual(quiet("gone", false));
    expect(news(roster(["aaa", "connected"]), left)).toEqual(quiet("left", false));
  });
});
