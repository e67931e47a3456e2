/**
 * ui/quick-lobby.ts: which moments of a call link the first pre-join screen, drawn without React,
 * stands for, and when the app's own screens must come. (The page's side, both screens drawn and
 * the one handed to the other, is tests/e2e/prejoin.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { quickCanShow, quickRejoinCanShow } from "../../ui/quick-lobby.ts";
import type { CallSnapshot } from "../../ui/selectors.ts";

/** A call snapshot with what the screen reads: the state, the pre-join wish, the key, the devices' issue, the room's count. */
function snap(
  state: string,
  {
    lobby = true,
    token = null as string | null,
    keys = true,
    issue = false,
    handover = false,
    people = undefined as number | undefined,
    peers = [] as { id: string; stream?: object }[],
  } = {},
): CallSnapshot {
  return {
    // "inRoom.joining" matches "inRoom" and { inRoom: "joining" }, as xstate's would.
    matches: (v: unknown) => (typeof v === "string" ? state === v || state.startsWith(`${v}.`) : `inRoom.${(v as { inRoom?: string }).inRoom}` === state),
    context: {
      lobby,
      token,
      handover,
      keys: keys ? {} : null,
      local: issue ? { stream: null, issue: { text: "Camera blocked" } } : null,
      peers: Object.fromEntries(peers.map((p) => [p.id, p])),
      occupancy: people === undefined ? null : { people, capacity: 20, iceServers: [], names: [] },
    },
  } as unknown as CallSnapshot;
}

describe("the first pre-join screen", () => {
  test("stands for the pre-join screen of a link with a key, the devices starting or ready, one person there or not said yet", () => {
    expect(quickCanShow(snap("preparing"), false)).toBe(true);
    expect(quickCanShow(snap("lobby"), false)).toBe(true);
    expect(quickCanShow(snap("lobby", { people: 1 }), false)).toBe(true);
  });

  test("and for Join pressed to join that one person, then while their face is on its way", () => {
    expect(quickCanShow(snap("inRoom", { handover: true, people: 1 }), false)).toBe(true);
    // Their stream came (the handover is over): only the face on its way keeps it.
    expect(quickCanShow(snap("inRoom", { people: 1 }), true)).toBe(true);
    expect(quickCanShow(snap("inRoom", { people: 1 }), false)).toBe(false);
  });

  test("not for what only the app draws: no key, a devices problem, an empty room, a group, a full call, a refresh, the start page", () => {
    expect(quickCanShow(snap("lobby", { keys: false }), false)).toBe(false);
    expect(quickCanShow(snap("lobby", { issue: true }), false)).toBe(false);
    expect(quickCanShow(snap("lobby", { people: 0 }), false)).toBe(false);
    expect(quickCanShow(snap("lobby", { people: 2 }), false)).toBe(false);
    expect(quickCanShow(snap("lobby", { people: 20 }), false)).toBe(false);
    expect(quickCanShow(snap("inRoom", { handover: true, people: 0 }), false)).toBe(false);
    // A refresh taking its seat back shows no pre-join screen.
    expect(quickCanShow(snap("preparing", { token: "seat" }), false)).toBe(false);
    expect(quickCanShow(snap("idle"), false)).toBe(false);
  });

  test("on a refresh taking its seat back: the status line until the room answers, while the one other's stream comes, then their face", () => {
    const seat = { token: "seat" };
    expect(quickRejoinCanShow(snap("preparing", seat), false)).toBe(true);
    expect(quickRejoinCanShow(snap("inRoom.joining", seat), false)).toBe(true);
    expect(quickRejoinCanShow(snap("inRoom.connecting", { ...seat, peers: [{ id: "a" }] }), false)).toBe(true);
    expect(quickRejoinCanShow(snap("inRoom.connecting", { ...seat, peers: [{ id: "a", stream: {} }] }), true)).toBe(true);
    // Their stream came with no face to show, a group, alone, no key, or not a refresh: the app's screens.
    expect(quickRejoinCanShow(snap("inRoom.connecting", { ...seat, peers: [{ id: "a", stream: {} }] }), false)).toBe(false);
    expect(quickRejoinCanShow(snap("inRoom.connecting", { ...seat, peers: [{ id: "a" }, { id: "b" }] }), false)).toBe(false);
    expect(quickRejoinCanShow(snap("inRoom.waiting", seat), false)).toBe(false);
    expect(quickRejoinCanShow(snap("preparing", { ...seat, keys: false }), false)).toBe(false);
    expect(quickRejoinCanShow(snap("preparing"), false)).toBe(false);
  });
});
