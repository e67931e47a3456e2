/**
 * What the call tells the person besides its status line: short toasts (the UI shows them in an
 * aria-live="polite" region; each goes after a few seconds) and a chime when a participant
 * arrives or leaves. The call invokes it as "notify" and sends NOTIFY.ARRIVED / NOTIFY.DEPARTED;
 * many at once (people joining a group call together) make one chime and one toast that names
 * them, not a din;
 * the invite (copy or share the call link) lives here too, as its outcome is a toast.
 *
 *
 * Sounds, the clipboard and the share sheet are named actions and actors a test swaps with
 * `.provide`.
 */
import { assign, enqueueActions, fromPromise, raise, setup, type ActorRefFrom, type SnapshotFrom } from "xstate";
import { CHIME_DOWN, CHIME_UP, Sounds } from "./sound.ts";

export interface Toast {
  id: number;
  text: string;
  /** Shown but not announced: the status line already says the same words (a departure). */
  quiet: boolean;
  /** Who a presence toast is about (null: "the other person"): a later one about them replaces it. */
  about?: readonly (string | null)[];
  /** Pressing the toast does this (a chat preview opens the chat). */
  action?: ToastAction;
}

export type ToastAction = "openChat";

type Presence = "arrived" | "departed";

/** Arrivals (or departures) close together, with nothing of the other kind between: one chime, one toast naming them all. */
interface Burst {
  toast: number;
  who: (string | null)[];
  reason: "left" | "gone";
  quiet: boolean;
}

export interface NotificationsContext {
  /** Oldest first; at most TOAST_LIMIT. */
  toasts: Toast[];
  nextId: number;
  /** The page's notification sounds (the call's, shared with chat). */
  sounds: Sounds;
  /** The burst of arrivals and of departures under way, if any. */
  bursts: Record<Presence, Burst | null>;
}

export type NotificationsEvent =
  /** `who`: the participant's name; without one they are "the other person". */
  | { type: "NOTIFY.ARRIVED"; who?: string | null }
  /** `quiet`: the status line already says it (nobody else is here); so by default. */
  | { type: "NOTIFY.DEPARTED"; reason: "left" | "gone"; who?: string | null; quiet?: boolean }
  | { type: "NOTIFY.BURST_END"; kind: Presence }
  | { type: "NOTIFY.SHOW"; text: string; quiet?: boolean; about?: readonly (string | null)[]; action?: ToastAction }
  | { type: "NOTIFY.DISMISS"; id: number }
  /** Every toast whose press would do `action` has had its use (the chat opened another way: its previews go). */
  | { type: "NOTIFY.DISMISS_ACTION"; action: ToastAction }
  | { type: "INVITE.COPY"; link: string }
  | { type: "INVITE.SHARE"; link: string };

export const TOAST_LIMIT = 3;

export const TOASTS = {
  arrived: "The other person is here",
  hungUp: "The other person hung up",
  left: "The other person left",
  copied: "Link copied. Send it to the person you want to talk to.",
  notCopied: "Could not copy: select the link and copy it yourself.",
  notShared: "Could not share the link: copy it instead.",
} as const;

/** A participant's arrival or departure, in words: by name when they have one. */
export function participantToast(event: { type: "NOTIFY.ARRIVED" | "NOTIFY.DEPARTED"; reason?: "left" | "gone"; who?: string | null }): string {
  const { who } = event;
  if (event.type === "NOTIFY.ARRIVED") return who ? `${who} is here` : TOASTS.arrived;
  if (event.reason === "left") return who ? `${who} hung up` : TOASTS.hungUp;
  return who ? `${who} left` : TOASTS.left;
}

/** Several arrivals or departures in words: the first two names, then how many others. */
export function burstToast(kind: Presence, who: readonly (string | null)[], reason: "left" | "gone"): string {
  if (who.length === 1)
    return participantToast(kind === "arrived" ? { type: "NOTIFY.ARRIVED", who: who[0] } : { type: "NOTIFY.DEPARTED", reason, who: who[0] });
  const verb = kind === "arrived" ? "are here" : reason === "left" ? "hung up" : "left";
  const shown = who.filter((w): w is string => Boolean(w)).slice(0, 2);
  const others = who.length - shown.length;
  if (shown.length === 0) return `${who.length} people ${verb}`;
  if (others === 0) return `${shown.join(" and ")} ${verb}`;
  return `${shown.join(", ")} and ${others} ${others === 1 ? "other" : "others"} ${verb}`;
}

/** Chat previews are this long at most (in characters), then an ellipsis. */
export const PREVIEW_CHARS = 60;

/** A chat message as a toast: who wrote, and the start of what they wrote. */
export function chatPreview(name: string | null | undefined, text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  const start =
    chars.length > PREVIEW_CHARS
      ? `${chars
          .slice(0, PREVIEW_CHARS - 1)
          .join("")
          .trimEnd()}…`
      : flat;
  return `${name || "Someone"}: ${start}`;
}

export const canShare = () => typeof navigator !== "undefined" && typeof navigator.share === "function";

export const notificationsMachine = setup({
  types: {
    input: {} as { sounds?: Sounds },
    context: {} as NotificationsContext,
    events: {} as NotificationsEvent,
  },
  actors: {
    copyText: fromPromise<void, string>(({ input }) => navigator.clipboard.writeText(input)),
    /** The system share sheet (phones, some desktops); closing it without sharing is not a failure. */
    shareLink: fromPromise<void, string>(async ({ input }) => {
      try {
        await navigator.share({ title: "OneLink call", text: "Join my video call:", url: input });
      } catch (err) {
        if (!(err instanceof DOMException && err.name === "AbortError")) throw err;
      }
    }),
  },
  delays: {
    toastFor: 5_000,
    /** Arrivals (or departures) no further apart than this are one burst. */
    burstFor: 2_000,
  },
  guards: {
    canShare,
  },
  actions: {
    arrivalSound: ({ context }) => context.sounds.play(CHIME_UP),
    departureSound: ({ context }) => context.sounds.play(CHIME_DOWN),
    /** An arrival or departure: the first of a burst chimes and shows a toast; the next ones only rewrite that toast. */
    presence: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "NOTIFY.ARRIVED" && event.type !== "NOTIFY.DEPARTED") return;
      const kind: Presence = event.type === "NOTIFY.ARRIVED" ? "arrived" : "departed";
      const reason = event.type === "NOTIFY.DEPARTED" ? event.reason : "left";
      const quiet = event.type === "NOTIFY.DEPARTED" && (event.quiet ?? true);
      const open = context.bursts[kind];
      const other: Presence = kind === "arrived" ? "departed" : "arrived";
      const burst = {
        toast: context.nextId,
        who: [...(open?.who ?? []), event.who ?? null],
        // Mixed reasons are said as the plainest one ("left").
        reason: open && open.reason !== reason ? "gone" : reason,
        quiet: (open?.quiet ?? true) && quiet,
      } satisfies Burst;
      // (A named action, so a test can swap the sound; XState cannot type a sibling action by name here.)
      if (!open) enqueue((kind === "arrived" ? "arrivalSound" : "departureSound") as never);
      // The burst's own toast is rewritten; an earlier one about the same person (they left, now
      // they are back) is out of date: it goes, so two toasts never say opposite things.
      const who = event.who ?? null;
      const stale = context.toasts.filter((t) => t.id === open?.toast || t.about?.includes(who));
      for (const t of stale) enqueue.cancel(`toast:${t.id}`);
      if (stale.length) enqueue.assign({ toasts: context.toasts.filter((t) => !stale.includes(t)) });
      // Someone arriving ends a run of departures (and the other way round): that is news of its own.
      enqueue.cancel(`burst:${other}`);
      enqueue.assign({ bursts: { [other]: null, [kind]: burst } as NotificationsContext["bursts"] });
      enqueue.raise({ type: "NOTIFY.SHOW", text: burstToast(kind, burst.who, burst.reason), quiet: burst.quiet, about: burst.who });
      enqueue.cancel(`burst:${kind}`);
      enqueue.raise({ type: "NOTIFY.BURST_END", kind }, { delay: "burstFor", id: `burst:${kind}` });
    }),
  },
}).createMachine({
  id: "notifications",
  context: ({ input }) => ({ toasts: [], nextId: 1, sounds: input.sounds ?? new Sounds(), bursts: { arrived: null, departed: null } }),
  type: "parallel",
  on: {
    "NOTIFY.ARRIVED": { actions: "presence" },
    "NOTIFY.DEPARTED": { actions: "presence" },
    "NOTIFY.BURST_END": { actions: assign({ bursts: ({ context, event }) => ({ ...context.bursts, [event.kind]: null }) }) },
    /** Shows a toast and takes it away after `toastFor`; the oldest goes first when there are too many. */
    "NOTIFY.SHOW": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const id = context.nextId;
        const { text, quiet = false, about, action } = event;
        const toast: Toast = { id, text, quiet, ...(about && { about }), ...(action && { action }) };
        enqueue.assign({ toasts: [...context.toasts, toast].slice(-TOAST_LIMIT), nextId: id + 1 });
        enqueue.raise({ type: "NOTIFY.DISMISS", id }, { delay: "toastFor", id: `toast:${id}` });
      }),
    },
    "NOTIFY.DISMISS": { actions: assign({ toasts: ({ context, event }) => context.toasts.filter((t) => t.id !== event.id) }) },
    "NOTIFY.DISMISS_ACTION": { actions: assign({ toasts: ({ context, event }) => context.toasts.filter((t) => t.action !== event.action) }) },
  },
  states: {
    clipboard: {
      initial: "idle",
      states: {
        idle: { on: { "INVITE.COPY": "copying" } },
        copying: {
          invoke: {
            src: "copyText",
            input: ({ event }) => (event.type === "INVITE.COPY" ? event.link : ""),
            onDone: { target: "idle", actions: raise({ type: "NOTIFY.SHOW", text: TOASTS.copied }) },
            onError: { target: "idle", actions: raise({ type: "NOTIFY.SHOW", text: TOASTS.notCopied }) },
          },
        },
      },
    },
    share: {
      initial: "idle",
      states: {
        idle: { on: { "INVITE.SHARE": { guard: "canShare", target: "sharing" } } },
        sharing: {
          invoke: {
            src: "shareLink",
            input: ({ event }) => (event.type === "INVITE.SHARE" ? event.link : ""),
            onDone: "idle",
            onError: { target: "idle", actions: raise({ type: "NOTIFY.SHOW", text: TOASTS.notShared }) },
          },
        },
      },
    },
  },
});

export type NotificationsActor = ActorRefFrom<typeof notificationsMachine>;
export type NotificationsSnapshot = SnapshotFrom<typeof notificationsMachine>;
