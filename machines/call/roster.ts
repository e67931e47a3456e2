/**
 * The roster: the call's participants (everyone else in the room) as plain data, and the small
 * pure operations the call machine applies to it. Any number of participants; nothing here
 * assumes two. Their connections are the transport's (machines/transport/).
 */
import type { ControlMessage } from "../../protocol/index.ts";
import type { PeerStatus } from "../transport/peer.ts";

export interface Participant {
  id: string;
  /** What they call themselves (their media-state says); null when they gave no name (the UI has a neutral label). */
  name: string | null;
  /** Their media state (and name) has reached us since this connection started. */
  heard: boolean;
  /** "announced": we know of them but do not talk to them yet (we wait for their offer). */
  status: PeerStatus | "announced";
  /** Their signaling socket dropped; the server holds their seat. */
  away: boolean;
  stream: MediaStream | null;
  audio: boolean;
  video: boolean;
  /** Their video is a shared screen. */
  screen?: boolean;
  /** Their camera and microphone are still starting (they joined before those opened). */
  starting?: boolean;
}

export type Roster = Record<string, Participant>;

export const participantList = (roster: Roster) => Object.values(roster);
export const isUp = (p: Participant) => p.status === "connected";
export const isTrouble = (p: Participant) => p.away || p.status === "unstable" || p.status === "restarting";

/** A participant we know of but do not talk to yet, or one with a fresh connection. */
export function newEntry(id: string, fields: Partial<Participant> = {}): Participant {
  return { id, name: null, heard: false, status: "announced", away: false, stream: null, audio: true, video: true, ...fields };
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

// ---- what the call's reports do to the roster ----

/** Why a participant is no longer here; `name` when they had one (the notice names them). */
export type Departure = { peer: string; reason: "left" | "gone"; name?: string };

export const departureOf = (p: Participant | undefined, peer: string, reason: Departure["reason"]): Departure => ({
  peer,
  reason,
  ...(p?.name ? { name: p.name } : {}),
});

/** Joined (again): everyone present starts connecting, except a connection that is up (kept through a server restart). */
export function onJoined(roster: Roster, present: readonly string[]): Roster {
  const next = { ...roster };
  for (const id of present) {
    const known = next[id];
    next[id] = known && isUp(known) ? { ...known, away: false } : newEntry(id, { status: "connecting" });
  }
  return next;
}

/** Someone (back) in the room, not yet talking to us. */
export const onArrived = (roster: Roster, id: string): Roster => {
  const known = roster[id];
  return { ...roster, [id]: known ? { ...known, away: false } : newEntry(id) };
};

/** A connection toward them started: afresh (a new page of theirs), or again after ours failed. */
export const onConnecting = (roster: Roster, id: string, fresh: boolean): Roster =>
  fresh ? { ...roster, [id]: newEntry(id, { status: "connecting" }) } : patch(roster, id, { status: "connecting", stream: null });

/** Their connection's status; connected also means they are back. */
export const onStatus = (roster: Roster, id: string, status: PeerStatus): Roster =>
  patch(roster, id, status === "connected" ? { status, away: false } : { status });

/** What they told us over the control channel: their media state, or that they hung up. */
export function onControl(roster: Roster, id: string, msg: ControlMessage): { peers: Roster; departure?: Departure } {
  if (!roster[id]) return { peers: roster };
  if (msg.type === "media-state")
    return {
      peers: patch(roster, id, {
        audio: msg.audio,
        video: msg.video,
        screen: msg.screen ?? false,
        starting: msg.starting ?? false,
        name: msg.name ?? null,
        heard: true,
      }),
    };
  if (msg.type === "hang-up") return { peers: without(roster, id), departure: departureOf(roster[id], id, "left") };
  return { peers: roster };
}

/** Participants away with a dead connection (presumed gone), who are dropped when the user chooses to wait. */
export const departed = (roster: Roster) => participantList(roster).filter((p) => p.away && !isUp(p));

/** Where the room stands for the user; each is a state of the call's `inRoom`. */
export type RoomView = "peerLeft" | "waiting" | "inCall" | "reconnecting" | "connecting";

/**
 * Who is still here besides the one who just left (or is presumed gone): everyone else but those
 * away with a dead connection (presumed gone too, or about to be). Connecting counts as here: in a
 * group, people still joining are here.
 */
export const othersHere = (roster: Roster, departure: Departure | null) =>
  participantList(roster).filter((p) => p.id !== departure?.peer && !(p.away && !isUp(p)));

/**
 * The first that holds: someone left and nobody else is here (see othersHere); nobody is here;
 * someone is connected (and not away); someone's connection is in trouble; else we are connecting.
 * After a departure only the others still here count: whoever left is no trouble to reconnect.
 */
export function roomView(roster: Roster, departure: Departure | null): RoomView {
  const everyone = departure === null ? participantList(roster) : othersHere(roster, departure);
  // Not "nobody is connected": in a group whose others are still connecting, one leaving is news
  // (a toast), not the end of the call.
  if (departure !== null && everyone.length === 0) return "peerLeft";
  if (everyone.length === 0) return "waiting";
  if (everyone.some((p) => isUp(p) && !p.away)) return "inCall";
  if (everyone.some(isTrouble)) return "reconnecting";
  return "connecting";
}

/** What a participant is called: their name, or a neutral label that stays put while they are here (we are the first). */
export function displayName(roster: Roster, id: string): string {
  return roster[id]?.name ?? `Guest ${Object.keys(roster).indexOf(id) + 2}`;
}

/**
 * What a toast or a chat message calls a participant: their name; in a group, their tile's label;
 * with only them here and no name, null (the UI says "them": there is nobody to tell apart).
 */
export function spokenName(roster: Roster, id: string): string | null {
  const p = roster[id];
  if (!p) return null;
  return p.name ?? (participantList(roster).length > 1 ? displayName(roster, id) : null);
}

/** What chat calls each participant whose name state has reached us (see spokenName), by participant id. */
export const spokenNames = (roster: Roster): Record<string, string | null> =>
  Object.fromEntries(participantList(roster).flatMap((p) => (p.heard ? [[p.id, spokenName(roster, p.id)]] : [])));

// ---- who has been announced (a chime and a toast) ----

/** Participants announced as here and not since as gone, with the name they were announced by. */
export type Greeted = Record<string, string | null>;

export type PresenceNews =
  | { type: "NOTIFY.ARRIVED"; who: string | null }
  | { type: "NOTIFY.DEPARTED"; reason: Departure["reason"]; who: string | null; quiet: boolean };

/**
 * What to announce now: an arrival once someone is connected and we know who they are (their
 * media state came), a departure once someone announced has left (or is presumed gone). Not
 * on reconnections: someone greeted stays greeted until they go. A departure is quiet when
 * nobody else is here (othersHere), as the status line then says the same words.
 */
export function presenceNews(roster: Roster, greeted: Greeted, departure: Departure | null): { greeted: Greeted; news: PresenceNews[] } {
  const next = { ...greeted };
  const news: PresenceNews[] = [];
  // The status line says "… left" only when nobody else is here (roomView): then the toast is quiet.
  const remaining = othersHere(roster, departure);
  for (const [id, who] of Object.entries(greeted)) {
    const gone = !roster[id] || departure?.peer === id;
    if (!gone) continue;
    delete next[id];
    news.push({ type: "NOTIFY.DEPARTED", reason: departure?.peer === id ? departure.reason : "gone", who, quiet: remaining.length === 0 });
  }
  for (const p of participantList(roster)) {
    if (p.id in next || !isUp(p) || !p.heard || p.id === departure?.peer) continue;
    // In a group, someone without a name is announced by the label their tile shows.
    const who = spokenName(roster, p.id);
    next[p.id] = who;
    news.push({ type: "NOTIFY.ARRIVED", who });
  }
  return { greeted: next, news };
}
