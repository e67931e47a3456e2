/**
 * ui/first-face.ts: which joins show the other person's face over the page as their stream
 * arrives, and when a face already shown must go. (The page's side, the face shown before the
 * call's view and handed to its tile, is tests/e2e/prejoin.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { newEntry, type Participant } from "../../machines/call/roster.ts";
import { firstFaceMayStay, firstFaceToStart } from "../../ui/first-face.ts";
import { joinsOnePerson, type CallSnapshot } from "../../ui/selectors.ts";

const stream = { id: "s1" } as unknown as MediaStream;
const other = { id: "s2" } as unknown as MediaStream;

/** A call snapshot with just what the first face reads: the state, the handover, the roster and the room's count. */
function snap(state: string, { handover = false, peers = [] as Participant[], people = undefined as number | undefined } = {}): CallSnapshot {
  return {
    matches: (v: unknown) => v === state,
    context: {
      handover,
      peers: Object.fromEntries(peers.map((p) => [p.id, p])),
      occupancy: people === undefined ? null : { people, capacity: 20, iceServers: [], names: [] },
    },
  } as unknown as CallSnapshot;
}

const joining = snap("inRoom", { handover: true, peers: [newEntry("a")] });
const arrived = (p: Partial<Participant> = {}, more: Participant[] = []) => snap("inRoom", { peers: [newEntry("a", { stream, ...p }), ...more] });

describe("first face", () => {
  test("starts as the one other person's stream arrives during a join, with their camera on", () => {
    expect(firstFaceToStart(joining, arrived())).toEqual({ peer: "a", stream });
  });

  test("does not start outside a join, in a group, for a camera said off, a shared screen, or no stream", () => {
    expect(firstFaceToStart(arrived(), arrived())).toBeNull(); // the call's view already shows
    expect(firstFaceToStart(snap("lobby"), arrived())).toBeNull();
    expect(firstFaceToStart(joining, arrived({}, [newEntry("b", { stream: other })]))).toBeNull();
    expect(firstFaceToStart(joining, arrived({ video: false }))).toBeNull();
    expect(firstFaceToStart(joining, arrived({ screen: true }))).toBeNull();
    expect(firstFaceToStart(joining, snap("inRoom", { peers: [newEntry("a")] }))).toBeNull();
    expect(firstFaceToStart(joining, snap("ended", { peers: [newEntry("a", { stream })] }))).toBeNull();
  });

  test("on a refresh taking its seat back (before the app's screens), starts as their stream comes, not in a group", () => {
    const rejoined = snap("inRoom", { peers: [newEntry("a")] });
    expect(firstFaceToStart(rejoined, arrived(), true)).toEqual({ peer: "a", stream });
    expect(firstFaceToStart(rejoined, arrived(), false)).toBeNull();
    expect(firstFaceToStart(arrived(), arrived(), true)).toBeNull(); // already there
    expect(firstFaceToStart(rejoined, arrived({}, [newEntry("b", { stream: other })]), true)).toBeNull();
  });

  test("a face shown stays for the same person and stream only, camera on, in the room", () => {
    const face = { peer: "a", stream };
    expect(firstFaceMayStay(arrived({ status: "connected" }), face)).toBe(true);
    expect(firstFaceMayStay(arrived({ video: false }), face)).toBe(false);
    expect(firstFaceMayStay(arrived({ stream: other }), face)).toBe(false);
    expect(firstFaceMayStay(snap("inRoom"), face)).toBe(false); // they left
    expect(firstFaceMayStay(arrived({}, [newEntry("b")]), face)).toBe(false); // a third came
    expect(firstFaceMayStay(snap("idle", { peers: [newEntry("a", { stream })] }), face)).toBe(false); // we left
  });

  test("the call's view waits for a face when the room has one person, or has not said (the guess)", () => {
    expect(joinsOnePerson(snap("lobby", { people: 1 }))).toBe(true);
    expect(joinsOnePerson(snap("lobby"))).toBe(true);
    expect(joinsOnePerson(snap("lobby", { people: 0 }))).toBe(false);
    expect(joinsOnePerson(snap("lobby", { people: 3 }))).toBe(false);
  });
});
