/**
 * The serverless link: stands in for the signaling link when there is no server at all. People
 * carry the two connection codes between the devices (copy and paste, share, QR code).
 *
 * It speaks the signaling link's language (SIGNALING.JOINED to the call and the transport,
 * SIGNALING.SIGNAL to the transport; it receives SIGNALING.SEND), so the transport drives its one
 * peer exactly as it does with a server. The offerer "joins" with the answerer already there, so its peer offers; the answerer
 * "joins" alone and its peer is created by the pasted offer. Codes are non-trickle: the link
 * collects the peer's description and candidates until gathering ends (or a timeout) before it
 * makes the code. After the exchange, the peer connection signals over its control channel.
 */
import { assign, enqueueActions, fromPromise, sendParent, setup } from "xstate";
import type { IceCandidate, SessionDescription, SignalPayload } from "../../protocol/index.ts";
import type { CodeKind, ConnectionCode, DecodedCode } from "../../protocol/serverless-code.ts";
import { type SignalingCommand, tell } from "./signaling.ts";

/**
 * The codes' format (with its SDP dictionary), fetched when a code is first made or read: a chunk
 * of its own, not part of what runs before a call's pre-join screen.
 */
const codes = () => import("../../protocol/serverless-code.ts");
/** Fetches that chunk ahead, where someone is about to make or read a code (the site may be gone by then). */
export const preloadCodes = () => void codes().catch(() => undefined);
/**
 * The code that reads codes could not be had (its chunk fetched from a site that cannot be
 * reached, before the service worker kept it): the exchange waits, saying so, rather than
 * "checking" for ever. Pasting again tries again.
 */
const UNREADABLE =
  "This page could not load the part of OneLink that reads codes: the site cannot be reached. Paste the code again once you are online, or reload the page.";
/** The same for making our code: what was gathered is kept, and Try again makes the code from it. */
const UNMADE = "This page could not load the part of OneLink that makes codes: the site cannot be reached. Try again once you are online.";
/** Our code could not be made for any other reason (no description gathered in time, a code the format refuses). */
const NOT_PREPARED = "This browser could not prepare a connection code. Reload the page and try again.";
/** The codes' chunk itself could not be had, as against a code that could not be made. */
export class CodesUnreachable extends Error {}

export type ServerlessRole = "offerer" | "answerer";
/** Where the exchange stands, as the UI shows it. */
export type ServerlessStage = "gathering" | "awaitingOffer" | "checking" | "awaitingAnswer" | "answered" | "connecting" | "unreachable" | "failed";

export interface ServerlessView {
  role: ServerlessRole;
  stage: ServerlessStage;
  /** Our own code, once made. */
  code: string | null;
  /** Why the last pasted code was refused (or why no code could be made). */
  error: string | null;
  /** The code was just copied to the clipboard. */
  copied: boolean;
}

/** Commands from the UI, forwarded by the call. */
export type ServerlessCommand = { type: "CODE.PASTE"; code: string } | { type: "CODE.COPY" } | { type: "CODE.SHARE" } | { type: "CODE.RETRY" };
export type ServerlessReport = { type: "SERVERLESS.VIEW"; view: ServerlessView };

export interface ServerlessInput {
  role: ServerlessRole;
}

/** The two member ids of a serverless call; their order makes the offerer the polite one. */
export const MEMBER: Record<ServerlessRole, string> = { offerer: "offerer", answerer: "answerer" };
const other = (role: ServerlessRole): ServerlessRole => (role === "offerer" ? "answerer" : "offerer");
const ourKind = (role: ServerlessRole): CodeKind => (role === "offerer" ? "offer" : "answer");

export const initialServerlessView = (role: ServerlessRole): ServerlessView => ({
  role,
  stage: role === "offerer" ? "gathering" : "awaitingOffer",
  code: null,
  error: null,
  copied: false,
});

/** The status line while the codes are being exchanged. */
export function serverlessStatus(view: ServerlessView): string {
  const offerer = view.role === "offerer";
  switch (view.stage) {
    case "gathering":
      return offerer ? "Preparing the offer code…" : "Preparing the answer code…";
    case "awaitingOffer":
      return "Paste the offer code";
    case "checking":
      return "Checking the code…";
    case "awaitingAnswer":
      return "Share this offer code, then paste the answer code";
    case "answered":
      return "Share this answer code";
    case "connecting":
      return "Connecting…";
    case "unreachable":
    case "failed":
      return view.error ?? "The connection code could not be made";
  }
}

interface Context extends ServerlessView {
  /** Our peer connection's session (named in our code), and theirs (from their code). */
  session: string | null;
  remoteSession: string | null;
  description: SessionDescription | null;
  candidates: IceCandidate[];
}

type Event = SignalingCommand | ServerlessCommand;

export const serverlessLink = setup({
  types: { input: {} as ServerlessInput, context: {} as Context, events: {} as Event },
  actors: {
    encode: fromPromise<string, Omit<ConnectionCode, "created">>(async ({ input }) => {
      const { encodeCode, unixNow } = await codes().catch((err: unknown) => {
        throw new CodesUnreachable(String(err));
      });
      return encodeCode({ ...input, created: unixNow() });
    }),
    decode: fromPromise<DecodedCode, { text: string; kind: CodeKind; replyTo?: string }>(async ({ input }) => (await codes()).decodeCode(input.text, input)),
    copyText: fromPromise<void, string>(({ input }) => navigator.clipboard.writeText(input)),
  },
  delays: {
    /** Gathering host candidates takes well under a second; a code is made with what there is by then. */
    gatherTimeout: 5_000,
    copiedFor: 2_000,
  },
  guards: {
    isOfferer: ({ context }) => context.role === "offerer",
    hasDescription: ({ context }) => context.description !== null,
    hasCode: ({ context }) => context.code !== null,
    canShare: () => typeof navigator !== "undefined" && typeof navigator.share === "function",
  },
  actions: {
    report: sendParent(
      ({ context }): ServerlessReport => ({
        type: "SERVERLESS.VIEW",
        view: { role: context.role, stage: context.stage, code: context.code, error: context.error, copied: context.copied },
      }),
    ),
    /** Tell the call we are "in the room": the offerer with the answerer present, the answerer alone. */
    join: enqueueActions(({ context, enqueue, system }) => {
      const peers = context.role === "offerer" ? [MEMBER.answerer] : [];
      tell(enqueue, system, { type: "SIGNALING.JOINED", self: MEMBER[context.role], token: "", peers, iceServers: [] });
    }),
    /** Collect what our peer would trickle to a server. */
    collect: assign(({ context, event }) => {
      if (event.type !== "SIGNALING.SEND" || event.msg.type !== "signal") return {};
      const data: SignalPayload = event.msg.data;
      if ("description" in data) return { session: event.msg.session, description: data.description, candidates: [] };
      return data.candidate ? { candidates: [...context.candidates, data.candidate] } : {};
    }),
    /** Hand their code to our peer as if it had trickled in: description, candidates, end of candidates. */
    deliver: enqueueActions(({ context, enqueue, system }, code: ConnectionCode) => {
      const from = MEMBER[other(context.role)];
      const signals: SignalPayload[] = [{ description: code.description }, ...code.candidates.map((candidate) => ({ candidate })), { candidate: null }];
      enqueue.assign({ remoteSession: code.session });
      for (const data of signals) tell(enqueue, system, { type: "SIGNALING.SIGNAL", from, session: code.session, data });
    }),
    shareCode: ({ context }) => {
      navigator.share?.({ title: "OneLink connection code", text: context.code ?? "" }).catch(() => {});
    },
  },
}).createMachine({
  id: "serverless",
  context: ({ input }) => ({ ...initialServerlessView(input.role), session: null, remoteSession: null, description: null, candidates: [] }),
  type: "parallel",
  states: {
    exchange: {
      entry: "join",
      initial: "start",
      states: {
        start: { always: [{ guard: "isOfferer", target: "gathering" }, { target: "awaitingOffer" }] },
        awaitingOffer: {
          entry: [assign({ stage: "awaitingOffer" }), "report"],
          on: { "CODE.PASTE": { target: "readingOffer" } },
        },
        readingOffer: {
          entry: [assign({ stage: "checking", error: null }), "report"],
          invoke: {
            src: "decode",
            input: ({ event }) => ({ text: event.type === "CODE.PASTE" ? event.code : "", kind: "offer" as const }),
            onDone: [
              {
                guard: ({ event }) => event.output.ok,
                target: "gathering",
                actions: { type: "deliver", params: ({ event }) => (event.output as { code: ConnectionCode }).code },
              },
              { target: "awaitingOffer", actions: assign({ error: ({ event }) => (event.output.ok ? null : event.output.text) }) },
            ],
            onError: { target: "awaitingOffer", actions: assign({ error: UNREADABLE }) },
          },
        },
        gathering: {
          entry: [assign({ stage: "gathering" }), "report"],
          on: {
            "SIGNALING.SEND": [
              { guard: ({ event }) => event.msg.type === "signal" && "candidate" in event.msg.data && event.msg.data.candidate === null, target: "encoding" },
              { actions: "collect" },
            ],
          },
          after: { gatherTimeout: [{ guard: "hasDescription", target: "encoding" }, { target: "failed" }] },
        },
        encoding: {
          invoke: {
            src: "encode",
            input: ({ context }) => ({
              kind: ourKind(context.role),
              session: context.session!,
              replyTo: context.remoteSession,
              description: context.description!,
              candidates: context.candidates,
            }),
            onDone: [
              { guard: "isOfferer", target: "awaitingAnswer", actions: assign({ code: ({ event }) => event.output }) },
              { target: "answered", actions: assign({ code: ({ event }) => event.output }) },
            ],
            onError: [{ guard: ({ event }) => event.error instanceof CodesUnreachable, target: "unreachable" }, { target: "failed" }],
          },
        },
        // What was gathered is kept: Try again (online again, the chunk kept by the service worker meanwhile) makes the code.
        unreachable: {
          entry: [assign({ stage: "unreachable", error: UNMADE }), "report"],
          on: { "CODE.RETRY": { target: "encoding", actions: [assign({ stage: "gathering", error: null }), "report"] } },
        },
        awaitingAnswer: {
          entry: [assign({ stage: "awaitingAnswer" }), "report"],
          on: { "CODE.PASTE": { target: "readingAnswer" } },
        },
        readingAnswer: {
          entry: [assign({ stage: "checking", error: null }), "report"],
          invoke: {
            src: "decode",
            input: ({ context, event }) => ({ text: event.type === "CODE.PASTE" ? event.code : "", kind: "answer" as const, replyTo: context.session! }),
            onDone: [
              {
                guard: ({ event }) => event.output.ok,
                target: "connecting",
                actions: { type: "deliver", params: ({ event }) => (event.output as { code: ConnectionCode }).code },
              },
              { target: "awaitingAnswer", actions: assign({ error: ({ event }) => (event.output.ok ? null : event.output.text) }) },
            ],
            onError: { target: "awaitingAnswer", actions: assign({ error: UNREADABLE }) },
          },
        },
        // The exchange is over: from here the peer connection talks over its control channel.
        answered: { entry: [assign({ stage: "answered" }), "report"] },
        connecting: { entry: [assign({ stage: "connecting" }), "report"] },
        failed: {
          entry: [assign({ stage: "failed", error: NOT_PREPARED }), "report"],
        },
      },
    },
    clipboard: {
      initial: "idle",
      states: {
        idle: {
          on: {
            "CODE.COPY": { guard: "hasCode", target: "copying" },
            "CODE.SHARE": { guard: "canShare", actions: "shareCode" },
          },
        },
        copying: {
          invoke: { src: "copyText", input: ({ context }) => context.code ?? "", onDone: "copied", onError: "idle" },
        },
        copied: {
          entry: [assign({ copied: true }), "report"],
          exit: [assign({ copied: false }), "report"],
          after: { copiedFor: "idle" },
          on: { "CODE.COPY": { target: "copying" } },
        },
      },
    },
  },
});
