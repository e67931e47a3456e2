/**
 * The roster: the call's participants (everyone else in the room) as plain data, and the small
 * pure operations the call machine applies to it. Any number of participants; nothing here
 * assumes two. Their connections are the transport's (machines/transport/).
 */
import type { PeerStatus } from "../transport/peer.ts";

export interface Participant {
  id: string;
  /** What to call them; null until names exist (the UI says "the other person" / "participant"). */
  name: string | null;
  /** "announced": we know of them but do not talk to them yet (we wait for their offer). */
  status: PeerStatus | "announced";
  /** Their signaling socket dropped; the server holds their seat. */
  away: boolean;
  stream: MediaStream | null;
  audio: boolean;
  video: boolean;
  /** Their video is a shared screen. */
  screen?: boolean;
}

export type Roster = Record<string, Participant>;

export const participantList = (roster: Roster) => Object.values(roster);
export const isUp = (p: Participant) => p.status === "connected";
export const isTrouble = (p: Participant) => p.away || p.status === "unstable" || p.status === "restarting";

/** A participant we know of but do not talk to yet, or one with a fresh connection. */
export function newEntry(id: string, fields: Partial<Participant> = {}): Participant {
  return { id, name: null, status: "announced", away: false, stream: null, audio: true, video: true, ...fields };
}

/** The roster with one participant changed; unchanged (same object) if they are unknown. */
export function patch(roster: Roster, id: string, change: Partial<Participant>): Roster {
  const known = roster[id];
  return known ? { ...roster, [id]: { ...known, ...change } } : roster;
}

export function without(roster: Roster, id: string): Roster {
  const { [id]: _gone, ...rest } = roster;
  return rest;
}

/**
 * What features key their saved state by (chat history, drawing): the room, so a refresh finds
 * it again. A serverless call cannot be resumed after a refresh, so each one gets a fresh scope.
 */
export const storageScope = (room: string | null) => room ?? `serverless-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
