/**
 * What the nodes of a cluster tell each other about group rooms (sfu/group.ts), over Redis's
 * `ol:g` channel. Everything heard there is checked like any wire input: a node running other
 * code, or a corrupted message, is logged and ignored, never trusted.
 */
import type { SfuLayer } from "../../protocol/index.ts";

/**
 * The video layers a member of a group asks for, as its node shares them (dynacast across nodes:
 * the node where a publisher is takes the highest anyone wants of it).
 */
export interface MemberWants {
  member: string;
  /**
   * The layer it chose of each participant (-1: none, off screen or in a hidden tab). Null: no
   * longer known (its node died), so it counts as wanting the highest again.
   */
  layers: [participant: string, layer: SfuLayer][] | null;
  /** What it guessed with its join, for participants it has not chosen for (null: the highest). */
  guess: SfuLayer | null;
}

/** What a node tells the others about a group room. */
export type GroupEvent =
  /** The room is a group now, decided where `member` (if named) joined. */
  | { kind: "sfu"; room: string; members: string[]; member?: string }
  | { kind: "joined" | "left"; room: string; member: string }
  | { kind: "direct"; room: string }
  | { kind: "wants"; room: string; members: MemberWants[] };

/** Ids (rooms, seats) are short; a room lists at most this many members or choices in one event. */
const ID_MAX = 128;
const LIST_MAX = 256;

const isId = (x: unknown): x is string => typeof x === "string" && x.length > 0 && x.length <= ID_MAX;
const isLayer = (x: unknown): x is SfuLayer => x === -1 || x === 0 || x === 1 || x === 2;
const isIdList = (x: unknown): x is string[] => Array.isArray(x) && x.length <= LIST_MAX && x.every(isId);

function isMemberWants(x: unknown): x is MemberWants {
  if (typeof x !== "object" || x === null) return false;
  const { member, layers, guess } = x as Record<string, unknown>;
  if (!isId(member) || !(guess === null || isLayer(guess))) return false;
  if (layers === null) return true;
  return (
    Array.isArray(layers) && layers.length <= LIST_MAX && layers.every((pair) => Array.isArray(pair) && pair.length === 2 && isId(pair[0]) && isLayer(pair[1]))
  );
}

/** A group event as heard from another node, or why it is not one. */
export function groupEventOf(x: unknown): { ok: true; event: GroupEvent } | { ok: false; why: string } {
  if (typeof x !== "object" || x === null) return { ok: false, why: "not an object" };
  const e = x as Record<string, unknown>;
  if (!isId(e.room)) return { ok: false, why: "no room" };
  const room = e.room;
  switch (e.kind) {
    case "sfu":
      if (!isIdList(e.members)) return { ok: false, why: "bad members" };
      if (e.member === undefined) return { ok: true, event: { kind: "sfu", room, members: e.members } };
      return isId(e.member) ? { ok: true, event: { kind: "sfu", room, members: e.members, member: e.member } } : { ok: false, why: "bad member" };
    case "joined":
    case "left":
      return isId(e.member) ? { ok: true, event: { kind: e.kind, room, member: e.member } } : { ok: false, why: "no member" };
    case "direct":
      return { ok: true, event: { kind: "direct", room } };
    case "wants":
      return Array.isArray(e.members) && e.members.length <= LIST_MAX && e.members.every(isMemberWants)
        ? { ok: true, event: { kind: "wants", room, members: e.members } }
        : { ok: false, why: "bad wants" };
    default:
      return { ok: false, why: `unknown kind ${JSON.stringify(e.kind)?.slice(0, 40)}` };
  }
}
