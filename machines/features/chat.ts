/**
 * Text chat that never loses a message. Invoked by the call's `inRoom` state as "chat", it speaks
 * the FeatureInbound/FeatureOutbound events; the call routes the bytes over each peer's "chat"
 * data channel.
 *
 * Delivery: every text is acknowledged by each peer that gets it. A peer's channel opening
 * (FEATURE.PEER_OPEN, also after a reload or a reconnection) makes us resend what that peer has
 * not acknowledged; the receiver drops repeats by id but acks them again. The history (with who
 * acknowledged what, and this tab's sender id) is kept in sessionStorage per room, so a reload
 * loses nothing and repeats nothing. Storage, settings and the sound are named actions a test
 * swaps with `.provide`.
 */
import { assign, enqueueActions, setup, type ActorRefFrom, type EventObject, type SnapshotFrom } from "xstate";
import { CHAT_MAX_CHARS, chatLength, chatTimeProblem, encodeChat, isChatId, isChatText, readChat, type ChatText } from "../../protocol/chat-wire.ts";
import { transportOf, type FeatureInbound, type FeatureOutbound } from "../transport/channels.ts";
import { cleanName, isPeerId } from "../../protocol/index.ts";
import { Sounds } from "./sound.ts";
import { chatPreview, type NotificationsEvent } from "./notifications.ts";
import { NOTIFY_ID } from "../system-ids.ts";
import { anyText, readStored, writeStored } from "../storage.ts";

export interface ChatMessage {
  id: string;
  /** The sender's chat id; ours is `context.self`. */
  from: string;
  /** Sender's clock, ms since the epoch. */
  at: number;
  text: string;
  /** For our own messages: the members (peer ids) that acknowledged it. */
  ackedBy: string[];
  /** Someone else's message: the participant who sent it... */
  peer?: string;
  /** ...and what they were called (kept after they leave; absent: "them", nobody to tell apart). */
  name?: string;
}

/** What chat calls each participant by id (roster.ts spokenNames; null: no name to show). */
export type ChatPeople = Record<string, string | null>;

export interface ChatContext {
  room: string;
  /** This tab's sender id, kept across reloads (set by `loadHistory`). */
  self: string;
  /** In order: sender time, then id. */
  messages: ChatMessage[];
  open: boolean;
  unread: number;
  muted: boolean;
  /** The page's notification sounds (the call's, shared with notifications). */
  sounds: Sounds;
  /** Per peer: how much more it may send now, and what was dropped (see `admit`). */
  guards: Record<string, PeerGuard>;
  /** Who is here and what they are called (the call says, CHAT.PEOPLE). */
  people: ChatPeople;
}

/** Two token buckets per peer (texts, and frames of any kind) and the last warning about it. */
export interface PeerGuard {
  texts: number;
  frames: number;
  /** When the buckets were last refilled (ms). */
  at: number;
  /** Frames dropped since the last warning, and when that was. */
  dropped: number;
  warnedAt: number;
}

export interface ChatInput {
  room: string;
  /** The call's notification sounds; a chat on its own makes its own. */
  sounds?: Sounds;
  people?: ChatPeople;
}

export type ChatUiEvent =
  | { type: "CHAT.SEND"; text: string }
  | { type: "CHAT.TOGGLE" }
  | { type: "CHAT.OPEN" }
  | { type: "CHAT.CLOSE" }
  | { type: "CHAT.SET_MUTED"; muted: boolean };

/** The call tells chat who is here and what they are called, whenever that changes. */
export type ChatPeopleEvent = { type: "CHAT.PEOPLE"; people: ChatPeople };

export type ChatEvent = FeatureInbound | ChatUiEvent | ChatPeopleEvent;

/** What is kept in sessionStorage per room. */
export interface StoredChat {
  self: string;
  messages: ChatMessage[];
}

/** The oldest messages beyond this are forgotten (sessionStorage holds a few MB). */
export const CHAT_HISTORY_LIMIT = 1000;

/** New texts one peer may send at once (a resend after a reconnection)... */
export const CHAT_BURST = 60;
/** ...and then per second, sustained (faster than anyone types). */
export const CHAT_RATE_PER_S = 2;
/** Frames of any kind (acks, repeats, junk) one peer may send at once, and then per second. */
export const CHAT_FRAME_BURST = 4 * CHAT_BURST;
export const CHAT_FRAME_RATE_PER_S = 50;
/** A peer's dropped frames are reported at most this often (a flood must not flood the console). */
const WARN_EVERY_MS = 10_000;

/** The peer's guard with its buckets refilled up to `now`. */
function refilled(guard: PeerGuard | undefined, now: number): PeerGuard {
  if (!guard) return { texts: CHAT_BURST, frames: CHAT_FRAME_BURST, at: now, dropped: 0, warnedAt: -Infinity };
  const s = Math.max(0, now - guard.at) / 1000;
  return {
    ...guard,
    texts: Math.min(CHAT_BURST, guard.texts + s * CHAT_RATE_PER_S),
    frames: Math.min(CHAT_FRAME_BURST, guard.frames + s * CHAT_FRAME_RATE_PER_S),
    at: now,
  };
}

/** Counts a dropped frame and says so on the console (with how many), at most every WARN_EVERY_MS per peer. */
function dropped(guard: PeerGuard, peer: string, problem: string, now: number): PeerGuard {
  const count = guard.dropped + 1;
  if (now - guard.warnedAt < WARN_EVERY_MS) return { ...guard, dropped: count };
  console.warn(`chat: dropped ${count === 1 ? "a frame" : `${count} frames`} from peer ${peer}: ${problem}`);
  return { ...guard, dropped: 0, warnedAt: now };
}

export const chatStorageKey = (room: string) => `onelink.chat.${room}`;

export const newChatId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 16);

/** Sender time, then id: every peer sorts the same messages the same way. */
export function compareMessages(a: Pick<ChatMessage, "at" | "id">, b: Pick<ChatMessage, "at" | "id">): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Inserts in order (stable: equal keys keep arrival order) and keeps the newest CHAT_HISTORY_LIMIT. */
export function insertMessage(list: readonly ChatMessage[], msg: ChatMessage): ChatMessage[] {
  let i = list.length;
  while (i > 0 && compareMessages(list[i - 1]!, msg) > 0) i--;
  const next = [...list.slice(0, i), msg, ...list.slice(i)];
  return next.length > CHAT_HISTORY_LIMIT ? next.slice(next.length - CHAT_HISTORY_LIMIT) : next;
}

/** Members that acknowledged one message, at most (a call has a handful). */
const MAX_ACKED_BY = 64;

/**
 * Validates what storage gave back with the same rules as the wire (and the same clock window):
 * anything malformed is dropped, repeats too, and the rest is kept. Never throws.
 */
export function parseStoredChat(raw: string | null, now = Date.now()): StoredChat | null {
  if (!raw) return null;
  try {
    const x = JSON.parse(raw) as Partial<StoredChat> | null;
    if (!x || typeof x !== "object" || !isChatId(x.self) || !Array.isArray(x.messages)) return null;
    let messages: ChatMessage[] = [];
    const seen = new Set<string>();
    let bad = 0;
    for (const m of (x.messages as unknown[]).slice(-CHAT_HISTORY_LIMIT)) {
      const { id, from, at, text, ackedBy, peer, name } = (m && typeof m === "object" ? m : {}) as Partial<Record<keyof ChatMessage, unknown>>;
      const wire = { t: "msg", id, from, at, text };
      if (!isChatText(wire) || chatTimeProblem(wire.at, now) || seen.has(wire.id)) {
        bad++;
        continue;
      }
      seen.add(wire.id);
      const acks = Array.isArray(ackedBy) ? ackedBy.filter(isChatId).slice(0, MAX_ACKED_BY) : [];
      messages = insertMessage(messages, { id: wire.id, from: wire.from, at: wire.at, text: wire.text, ackedBy: acks, ...sender(peer, name) });
    }
    if (bad > 0) console.warn(`chat: ${bad} stored message(s) were not valid and were left out`);
    return { self: x.self, messages };
  } catch {
    return null;
  }
}

/** The sender fields of a message as kept: a participant id and a clean name, each only when valid. */
function sender(peer: unknown, name: unknown): Pick<ChatMessage, "peer" | "name"> {
  return { ...(isPeerId(peer) ? { peer } : {}), ...(typeof name === "string" && cleanName(name) === name ? { name } : {}) };
}

/** Messages of those here, named as they are now (a name given or changed, a label that moved); null when unchanged. */
function renamed(messages: readonly ChatMessage[], self: string, people: ChatPeople): ChatMessage[] | null {
  let changed = false;
  const next = messages.map((m) => {
    if (m.from === self || m.peer === undefined || !(m.peer in people)) return m;
    const name = people[m.peer] ?? undefined;
    if (name === m.name) return m;
    changed = true;
    const { name: _old, ...rest } = m;
    return name === undefined ? rest : { ...rest, name };
  });
  return changed ? next : null;
}

const toWire = (m: ChatMessage): ChatText => ({ t: "msg", id: m.id, from: m.from, at: m.at, text: m.text });
const send = (data: Uint8Array, peer?: string): FeatureOutbound =>
  peer ? { type: "FEATURE.SEND", channel: "chat", data, peer } : { type: "FEATURE.SEND", channel: "chat", data };

/**
 * An event handler that cannot stop the chat: whatever it throws (a bug, a value nobody thought
 * of) is reported and that one event is dropped, so the chat actor (and the call above it) lives on.
 */
function guarded<A extends unknown[]>(handle: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      handle(...args);
    } catch (err) {
      console.error("chat: an event could not be handled and was dropped", err);
    }
  };
}

export const chatMachine = setup({
  types: {
    input: {} as ChatInput,
    context: {} as ChatContext,
    events: {} as ChatEvent,
  },
  guards: {
    chatChannel: ({ event }) => "channel" in event && event.channel === "chat",
  },
  actions: {
    /** Restores this tab's sender id and the call's history (or starts both afresh). */
    loadHistory: assign(({ context }) => {
      const stored = parseStoredChat(readStored("session", chatStorageKey(context.room), anyText));
      return stored ?? { self: newChatId(), messages: [] };
    }),
    saveHistory: ({ context }) => {
      const data: StoredChat = { self: context.self, messages: context.messages };
      writeStored("session", chatStorageKey(context.room), JSON.stringify(data));
    },
    /** The chat is open: its previews (toasts that would open it) have had their use. */
    dropPreviews: enqueueActions(({ context, system, enqueue }) => {
      const notify = system.get(NOTIFY_ID);
      if (context.open && notify) enqueue.sendTo(notify, { type: "NOTIFY.DISMISS_ACTION", action: "openChat" } satisfies NotificationsEvent as EventObject);
    }),
    loadSettings: assign({ muted: ({ context }) => context.sounds.muted() }),
    saveSettings: ({ context }) => context.sounds.setMuted(context.muted),
    /** A new message from someone else arrived (and notifications are not muted). */
    notify: ({ context }) => {
      if (context.open && typeof document !== "undefined" && !document.hidden) return;
      context.sounds.play();
    },
  },
}).createMachine({
  id: "chat",
  context: ({ input }) => ({
    room: input.room,
    self: "",
    messages: [],
    open: false,
    unread: 0,
    muted: false,
    sounds: input.sounds ?? new Sounds(),
    guards: {},
    people: input.people ?? {},
  }),
  entry: ["loadHistory", "loadSettings"],
  on: {
    "FEATURE.MESSAGE": {
      guard: "chatChannel",
      actions: enqueueActions(
        guarded(({ context, event, enqueue, system, self }) => {
          // Whatever a peer sends is bounded on receipt: its rate, its size and shape, its time.
          // A frame that fails is dropped (not stored, not acknowledged) and reported.
          const now = Date.now();
          let guard = refilled(context.guards[event.peer], now);
          const keep = () => enqueue.assign({ guards: { ...context.guards, [event.peer]: guard } });
          const drop = (problem: string) => {
            guard = dropped(guard, event.peer, problem, now);
            keep();
          };
          if (guard.frames < 1) return drop(`more than ${CHAT_FRAME_RATE_PER_S} frames a second`);
          guard = { ...guard, frames: guard.frames - 1 };
          const read = readChat(event.data);
          if (!read.ok) return drop(read.problem);
          const wire = read.wire;
          if (wire.t === "msg") {
            const problem = chatTimeProblem(wire.at, now);
            if (problem) return drop(`message ${wire.id}: ${problem}`);
            const isNew = wire.from !== context.self && !context.messages.some((m) => m.id === wire.id);
            if (isNew && guard.texts < 1) return drop(`more than ${CHAT_BURST} messages at once or ${CHAT_RATE_PER_S} a second`);
            if (isNew) guard = { ...guard, texts: guard.texts - 1 };
          }
          keep();
          if (wire.t === "ack") {
            const ids = new Set(wire.ids);
            let changed = false;
            const messages = context.messages.map((m) => {
              if (m.from !== context.self || !ids.has(m.id) || m.ackedBy.includes(event.peer)) return m;
              changed = true;
              return { ...m, ackedBy: [...m.ackedBy, event.peer] };
            });
            if (changed) {
              enqueue.assign({ messages });
              enqueue("saveHistory");
            }
            return;
          }
          if (wire.from === context.self) return; // nobody speaks for us
          const ack = () => enqueue.sendTo(transportOf({ system, self }), send(encodeChat({ t: "ack", ids: [wire.id] }), event.peer));
          if (context.messages.some((m) => m.id === wire.id)) return ack(); // a resend we already have
          const msg: ChatMessage = {
            id: wire.id,
            from: wire.from,
            at: wire.at,
            text: wire.text,
            ackedBy: [],
            ...sender(event.peer, context.people[event.peer]),
          };
          enqueue.assign({ messages: insertMessage(context.messages, msg), unread: context.open ? 0 : context.unread + 1 });
          // Kept before it is acknowledged: an ack promises the message survives a reload.
          enqueue("saveHistory");
          ack();
          if (!context.muted) enqueue("notify");
          // With the panel closed a message is easy to miss: a preview that opens the chat.
          const notify = system.get(NOTIFY_ID);
          if (!context.open && notify)
            enqueue.sendTo(notify, {
              type: "NOTIFY.SHOW",
              text: chatPreview(msg.name, msg.text),
              action: "openChat",
            } satisfies NotificationsEvent as EventObject);
        }),
      ),
    },
    /** A peer's channel (re)opened: everything of ours they have not acknowledged goes again. */
    "FEATURE.PEER_OPEN": {
      guard: "chatChannel",
      actions: enqueueActions(
        guarded(({ context, event, enqueue, system, self }) => {
          for (const m of context.messages) {
            if (m.from === context.self && !m.ackedBy.includes(event.peer))
              enqueue.sendTo(transportOf({ system, self }), send(encodeChat(toWire(m)), event.peer));
          }
        }),
      ),
    },
    "CHAT.SEND": {
      actions: enqueueActions(
        guarded(({ context, event, enqueue, system, self }) => {
          const text = event.text.trim();
          if (!text || chatLength(text) > CHAT_MAX_CHARS) return;
          // Our own messages keep the order they were written in, even within one millisecond.
          let lastOwn = 0;
          for (const m of context.messages) if (m.from === context.self) lastOwn = Math.max(lastOwn, m.at);
          const msg: ChatMessage = { id: newChatId(), from: context.self, at: Math.max(Date.now(), lastOwn + 1), text, ackedBy: [] };
          enqueue.assign({ messages: insertMessage(context.messages, msg) });
          enqueue("saveHistory");
          enqueue.sendTo(transportOf({ system, self }), send(encodeChat(toWire(msg))));
        }),
      ),
    },
    "CHAT.PEOPLE": {
      actions: enqueueActions(
        guarded(({ context, event, enqueue }) => {
          const before = Object.entries(context.people);
          if (before.length === Object.keys(event.people).length && before.every(([id, name]) => event.people[id] === name)) return;
          enqueue.assign({ people: event.people });
          const messages = renamed(context.messages, context.self, event.people);
          if (!messages) return;
          enqueue.assign({ messages });
          enqueue("saveHistory");
        }),
      ),
    },
    "CHAT.OPEN": { actions: [assign({ open: true, unread: 0 }), "dropPreviews"] },
    "CHAT.CLOSE": { actions: assign({ open: false }) },
    "CHAT.TOGGLE": { actions: [assign(({ context }) => ({ open: !context.open, unread: 0 })), "dropPreviews"] },
    "CHAT.SET_MUTED": { actions: [assign({ muted: ({ event }) => event.muted }), "saveSettings"] },
  },
});

export type ChatActor = ActorRefFrom<typeof chatMachine>;
export type ChatSnapshot = SnapshotFrom<typeof chatMachine>;
