/**
 * The roster: the call's remote members as plain data, and the small pure operations the call
 * machine applies to it. Any number of members; nothing here assumes two.
 */
import type { SignalPayload } from "../../protocol/index.ts";
import type { CallContext, PeerEntry } from "../call/call-types.ts";
import type { PeerInput } from "./peer.ts";

export type Roster = Record<string, PeerEntry>;

export const newSession = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);

export const peerList = (context: CallContext) => Object.values(context.peers);
export const isUp = (p: PeerEntry) => p.status === "connected";
export const isTrouble = (p: PeerEntry) => p.away || p.status === "unstable" || p.status === "restarting";

/** A member we know of but do not talk to yet, or one with a fresh connection. */
export function newEntry(id: string, fields: Partial<PeerEntry> = {}): PeerEntry {
  return { id, ref: null, session: null, remoteSession: null, status: "announced", away: false, stream: null, audio: true, video: true, ...fields };
}

/** The roster with one member changed; unchanged (same object) if they are unknown. */
export function patch(peers: Roster, id: string, change: Partial<PeerEntry>): Roster {
  const known = peers[id];
  return known ? { ...peers, [id]: { ...known, ...change } } : peers;
}

export function without(peers: Roster, id: string): Roster {
  const { [id]: _gone, ...rest } = peers;
  return rest;
}

/** How to start a connection to `peer`: we offer (initiator), or we answer their first offer. */
export function connectionInput(context: CallContext, peer: string, session: string, firstSignal?: SignalPayload): PeerInput {
  return {
    peer,
    polite: (context.self ?? "") > peer,
    session,
    iceServers: context.iceServers,
    iceTransportPolicy: context.relayOnly ? "relay" : "all",
    noServer: context.serverless !== null,
    stream: context.local?.stream ?? null,
    initiator: firstSignal === undefined,
    ...(firstSignal ? { firstSignal } : {}),
  };
}

/**
 * What features key their saved state by (chat history, drawing): the room, so a refresh finds
 * it again. A serverless call cannot be resumed after a refresh, so each one gets a fresh scope.
 */
export const storageScope = (context: CallContext) => context.room ?? `serverless-${newSession()}`;
