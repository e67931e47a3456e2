/**
 * What the call tells the person besides its status line: short toasts (the UI shows them in an
 * aria-live="polite" region; each goes after a few seconds) and a chime when a participant
 * arrives or leaves. The call invokes it as "notify" and sends NOTIFY.ARRIVED / NOTIFY.DEPARTED;
 * the invite (copy or share the call link) lives here too, as its outcome is a toast.
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
}

export interface NotificationsContext {
  /** Oldest first; at most TOAST_LIMIT. */
  toasts: Toast[];
  nextId: number;
  /** The page's notification sounds (the call's, shared with chat). */
  sounds: Sounds;
}

export type NotificationsEvent =
  /** `who`: the participant's name; without one they are "the other person". */
  | { type: "NOTIFY.ARRIVED"; who?: string | null }
  | { type: "NOTIFY.DEPARTED"; reason: "left" | "gone"; who?: string | null }
  | { type: "NOTIFY.SHOW"; text: string; quiet?: boolean }
  | { type: "NOTIFY.DISMISS"; id: number }
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
  },
  guards: {
    canShare,
  },
  actions: {
    arrivalSound: ({ context }) => context.sounds.play(CHIME_UP),
    departureSound: ({ context }) => context.sounds.play(CHIME_DOWN),
  },
}).createMachine({
  id: "notifications",
  context: ({ input }) => ({ toasts: [], nextId: 1, sounds: input.sounds ?? new Sounds() }),
  type: "parallel",
  on: {
    "NOTIFY.ARRIVED": { actions: ["arrivalSound", raise(({ event }) => ({ type: "NOTIFY.SHOW" as const, text: participantToast(event) }))] },
    "NOTIFY.DEPARTED": {
      actions: ["departureSound", raise(({ event }) => ({ type: "NOTIFY.SHOW" as const, text: participantToast(event), quiet: true }))],
    },
    /** Shows a toast and takes it away after `toastFor`; the oldest goes first when there are too many. */
    "NOTIFY.SHOW": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const id = context.nextId;
        enqueue.assign({ toasts: [...context.toasts, { id, text: event.text, quiet: event.quiet ?? false }].slice(-TOAST_LIMIT), nextId: id + 1 });
        enqueue.raise({ type: "NOTIFY.DISMISS", id }, { delay: "toastFor", id: `toast:${id}` });
      }),
    },
    "NOTIFY.DISMISS": { actions: assign({ toasts: ({ context, event }) => context.toasts.filter((t) => t.id !== event.id) }) },
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
