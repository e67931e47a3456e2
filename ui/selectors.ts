/**
 * Derived views of the call snapshot for the UI. Components select only what they render.
 */
import type { SnapshotFrom } from "xstate";
import type { callMachine, Participant } from "../machines/call/call.ts";
import { wantsPreJoin } from "../machines/call/inputs.ts";
import { isUp } from "../machines/call/roster.ts";
import { serverlessStatus } from "../machines/link/serverless.ts";
import { displayName as nameIn } from "../machines/call/roster.ts";

export type CallSnapshot = SnapshotFrom<typeof callMachine>;

export type Phase = "idle" | "preparing" | "lobby" | "joining" | "waiting" | "connecting" | "inCall" | "reconnecting" | "peerLeft" | "ended" | "failed";

export function phaseOf(s: CallSnapshot): Phase {
  if (s.matches("idle")) return "idle";
  if (s.matches("preparing")) return "preparing";
  if (s.matches("lobby")) return "lobby";
  if (s.matches("ended")) return "ended";
  if (s.matches("failed")) return "failed";
  for (const sub of ["waiting", "connecting", "inCall", "reconnecting", "peerLeft"] as const) {
    if (s.matches({ inRoom: sub })) return sub;
  }
  return "joining";
}

/**
 * The pre-join screen shows while the camera and microphone start, so that its first render is not
 * on the way from devices ready to Join (issue 21); Join pressed before they are ready goes in at
 * once, and their tracks follow (machines/call preparing). It stays up after Join (its button says "Joining…") until the call has
 * something to show (machines/call `handover`): meanwhile the call's view is drawn hidden behind
 * it, at React's lowest priority (ui/App.tsx), and shown once the connection comes up.
 */
export function showsLobby(s: CallSnapshot): boolean {
  return s.matches("lobby") || (s.matches("preparing") && wantsPreJoin(s.context)) || handingOver(s);
}

/**
 * The camera and microphone are still starting: before the pre-join screen has them, and after a Join
 * pressed meanwhile (machines/call preparing: in at once, the devices follow). Not "no camera".
 */
export const devicesStarting = (s: CallSnapshot): boolean => s.matches("preparing") || inRoomBeforeDevices(s);
/** In the room while the camera and microphone still start (Join pressed meanwhile, a refresh): they may be switched off already. */
export const inRoomBeforeDevices = (s: CallSnapshot): boolean => s.matches("inRoom") && s.context.local === null;

/**
 * The pre-join screen's room has one person (or has not said yet: Join prepares a direct call on
 * that guess too, machines/call setup.ts prepareGuess), so a join brings their face (ui/first-face.ts).
 */
export const joinsOnePerson = (s: CallSnapshot): boolean => (s.context.occupancy?.people ?? 1) === 1;

/** Join was pressed and the call has nothing to show yet: the pre-join screen says "Joining…" (the call's view is drawn behind it, ui/App.tsx). */
export const handingOver = (s: CallSnapshot): boolean => s.context.handover && s.matches("inRoom");

export function statusText(s: CallSnapshot): string {
  const phase = phaseOf(s);
  const serverless = s.context.serverless;
  // Until a serverless call first connects, what to do next is the news (share, paste a code).
  if (serverless && !serverless.connected && ["joining", "waiting", "connecting", "reconnecting"].includes(phase)) return serverlessStatus(serverless);
  switch (phase) {
    case "idle":
      return "Ready to start a call";
    case "preparing":
      return "Starting your camera…";
    case "lobby":
      return "Ready to join";
    case "joining":
      return s.context.signalingFailed ? "Can't reach the OneLink server. Trying again…" : "Joining the call…";
    case "waiting":
      return "Waiting for someone to join";
    case "connecting":
      return "Connecting…";
    case "inCall":
      return `Connected · ${peopleInCall(s)} people`;
    case "reconnecting":
      return "Reconnecting…";
    case "peerLeft":
      return `${s.context.departure?.name ?? "The other person"} ${s.context.departure?.reason === "left" ? "hung up" : "left the call"}`;
    case "ended":
      return "Call ended";
    case "failed":
      return s.context.error?.text ?? "The call could not be joined";
  }
}

/** The participants, in the order they came: one tile each. */
export const participantsOf = (s: CallSnapshot): Participant[] => Object.values(s.context.peers);

/** How many people are in the call, ourselves included: everyone whose connection is up, and us. */
export const peopleInCall = (s: CallSnapshot) => 1 + participantsOf(s).filter(isUp).length;

/** What a participant is called: their name, or a neutral label that stays put while they are here (we are the first). */
export function displayName(s: CallSnapshot, id: string): string {
  return nameIn(s.context.peers, id);
}

/** Their ids, for a list that re-renders only when someone joins or leaves (compare with sameIds). */
export const participantIds = (s: CallSnapshot): string[] => Object.keys(s.context.peers);
export const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((id, i) => id === b[i]);

/** Each participant's stream by id, for hooks that listen to them (compare with sameStreams). */
export const streamsOf = (s: CallSnapshot) => participantsOf(s).map((p) => [p.id, p.stream] as const);
export const sameStreams = (a: ReadonlyArray<readonly [string, MediaStream | null]>, b: typeof a) =>
  a.length === b.length && a.every(([key, stream], i) => key === b[i]?.[0] && stream === b[i]?.[1]);

/** The participant on the first tile: picture-in-picture and the quality badge follow them. */
export function mainPeer(s: CallSnapshot): Participant | null {
  return participantsOf(s)[0] ?? null;
}

/** The call's link, with its secret in the fragment (never sent to a server) when it has one. */
export const callLink = (room: string | null, secret: string | null) =>
  room ? `${location.origin}/c/${encodeURIComponent(room)}${secret ? `#${secret}` : ""}` : "";

/** The call has a key: group media and messages are end-to-end encrypted (two people are peer to peer anyway). */
export const isEncrypted = (s: CallSnapshot) => s.context.keys !== null;
