/**
 * A connection prepared on the pre-join screen (issue 21): when the room holds one person to call
 * directly, the page builds its RTCPeerConnection there, with the preview's tracks, candidates
 * gathered ahead (`iceCandidatePoolSize`) and its offer made and set, so that after Join only the
 * wire remains. Nothing leaves the browser for anyone before Join: the offer and the candidates
 * wait here until the joiner's connection (peer-connection.ts) adopts them, which sends them; ICE
 * errors wait too, so none is shown on the pre-join screen. A preparation nobody adopts is closed.
 *
 * `PreparedSlot` is the call's one place for it: the pre-join screen says what it wants (`want`),
 * the transport takes it when `joined` says the room is what was prepared for (one person, direct).
 * For a room of two or more (a group) it holds the media server's publishing path instead
 * (prepared-group.ts), taken when `joined` says the room is a group.
 */
import { type CandidateOut, holdCandidates } from "./candidate-hold.ts";
import type { IceServer, JoinOffer } from "../../protocol/index.ts";
import { CANDIDATE_POOL, type ConnectionParts, emptySendingLines, openConnection, setOffer, shapeKey } from "./connection-parts.ts";
import { adoptFirstConnection } from "../head-start.ts";
import { keepStreams, SOFTWARE_ORDER, tuneDescription } from "./rtp-tuning.ts";
import { answerFirst, awaitingPicture, PICTURE_AWAITED_MS } from "../answer-first.ts";
import { mark } from "../timeline.ts";
import { type GroupPlan, type GroupWanted, groupPlanFits, kindsOf, PreparedGroup } from "./prepared-group.ts";

/** Longest a join waits for a prepared offer still being made, to carry it (bench/join: a few ms). */
export const JOIN_OFFER_WAIT_MS = 50;

/** A connection id (`session` on the wire): a new one tells the other side to start afresh. */
export const newSession = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);

export { type ConnectionParts, openConnection };

/**
 * What a preparation is made from: the room's relay servers and our media as the pre-join screen
 * has it; `stream` null for a refresh whose devices are still starting (call/inputs.ts returnPlan):
 * a line of each kind that sends, empty until their tracks come (replaceTrack: no renegotiation).
 */
export interface PreparePlan {
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  stream: MediaStream | null;
  videoCodecs?: string[];
}

/** What the call sends now, to which a preparation must fit. */
export type Wanted = { stream: MediaStream | null; iceTransportPolicy: RTCIceTransportPolicy; videoCodecs?: string[] };
/**
 * Made for this: the same kinds of track (a changed device is swapped in place), relay policy and
 * codec order. One made before the devices were ready fits whatever they gave (its lines of both
 * kinds take the tracks there are), and, while the call has none yet, the codec order it was made with.
 */
export const planFits = (plan: PreparePlan, want: Wanted) =>
  want.iceTransportPolicy === plan.iceTransportPolicy &&
  (plan.stream === null
    ? want.stream === null || codecsOf(want) === codecsOf(plan)
    : kindsOf(want.stream) === kindsOf(plan.stream) && codecsOf(want) === codecsOf(plan));

export type IceErrorReport = { code: number; text: string; url: string };

const codecsOf = (plan: Pick<PreparePlan, "videoCodecs">) => (plan.videoCodecs ?? SOFTWARE_ORDER).join(",");

export class PreparedConnection {
  private readonly parts: ConnectionParts;
  /** Resolves true once our offer is set as the local description (false: it could not be made). */
  readonly offer: Promise<boolean>;
  private readonly candidates: ReturnType<typeof holdCandidates>;
  private iceErrors: IceErrorReport[] = [];
  private adopted = false;
  /** Our offer as it went with the join (`forJoin`), if it did. */
  private withJoin: JoinOffer | null = null;
  /** The server relayed the offer that went with the join (`joined.offered`): it is not sent again. */
  private relayed = false;

  constructor(readonly plan: PreparePlan) {
    // A first visit's page made this one already while the app's code came (head-start.ts): taken as it is.
    // One with our tracks is made here (that one is closed).
    const first = adoptFirstConnection(plan.stream === null ? shapeKey(plan) : null);
    if (first) {
      this.parts = first.parts;
      this.candidates = holdCandidates(first.parts.pc, first.candidates);
      this.watchIceErrors();
      for (const sender of first.senders) keepStreams(sender);
      this.offer = first.offer;
      return;
    }
    mark("offer-preparing");
    this.parts = openConnection({
      iceServers: plan.iceServers as RTCIceServer[],
      iceTransportPolicy: plan.iceTransportPolicy,
      iceCandidatePoolSize: CANDIDATE_POOL,
    });
    const { pc } = this.parts;
    // Kept here until Join: nothing goes anywhere.
    this.candidates = holdCandidates(pc);
    this.watchIceErrors();
    // As the joiner's connection starts (peer-connection.ts addLocalTracks): our tracks, and receiving what we do not send.
    // Devices still starting: a sending line of each kind, in one stream (their sound and picture kept in step), empty for now.
    if (plan.stream === null) for (const sender of emptySendingLines(pc)) keepStreams(sender);
    else {
      const tracks = plan.stream.getTracks();
      for (const track of tracks) pc.addTrack(track, plan.stream);
      for (const kind of ["audio", "video"] as const) if (!tracks.some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: "recvonly" });
    }
    this.offer = setOffer(pc, plan.videoCodecs);
  }

  /** Relay errors are kept until Join, as the candidates are: none is shown on the pre-join screen. */
  private watchIceErrors() {
    this.parts.pc.onicecandidateerror = (ev) => {
      const e = ev as RTCPeerConnectionIceErrorEvent;
      if (e.url?.startsWith("turn")) this.iceErrors.push({ code: e.errorCode, text: e.errorText, url: e.url });
    };
  }

  /** Once the offer is set and has a candidate in its SDP (or none will come): what a join waiting for it waits for. */
  get ready(): Promise<boolean> {
    return this.offer.then((made) => made && this.candidates.first.then(() => true));
  }

  /** Made for this (planFits). */
  fits(want: Wanted): boolean {
    return planFits(this.plan, want);
  }

  /**
   * Our offer as it stands (with the candidates gathered so far in its SDP), to go with the join,
   * which is when it may leave the browser; null if it is not set (yet) or was sent already.
   */
  forJoin(): JoinOffer | null {
    const { pc } = this.parts;
    const local = pc.localDescription;
    if (this.adopted || this.withJoin || pc.signalingState !== "have-local-offer" || local?.type !== "offer") return null;
    this.withJoin = { session: newSession(), sdp: tuneDescription({ sdp: local.sdp }).sdp };
    mark("offer-with-join");
    return this.withJoin;
  }

  /**
   * What `joined` said of the offer that went with the join: relayed (true) or dropped. Gives the
   * session the connection must go on with: the one the other side heard, or a new one (they may
   * have heard it on a join whose answer was lost: a new session makes them start afresh).
   */
  joinAnswered(relayed: boolean): string {
    this.relayed = relayed && this.withJoin !== null;
    return this.relayed ? this.withJoin!.session : newSession();
  }

  /** The offer went with the join and the server relayed it: the SDP it carried (its candidates are not sent again). */
  get relayedOffer(): string | null {
    return this.relayed ? this.withJoin!.sdp : null;
  }

  /**
   * The connection is the caller's from now on (once). `release` hands over what was kept: the
   * candidates gathered so far, then every later one, and the relay errors; call it after the offer is sent.
   */
  adopt(): ConnectionParts & { release(onCandidate: CandidateOut, onIceError: (e: IceErrorReport) => void): void } {
    if (this.adopted) throw new Error("PreparedConnection: adopted twice");
    this.adopted = true;
    const { pc } = this.parts;
    return {
      ...this.parts,
      release: (onCandidate, onIceError) => {
        pc.onicecandidateerror = (ev) => {
          const e = ev as RTCPeerConnectionIceErrorEvent;
          if (e.url?.startsWith("turn")) onIceError({ code: e.errorCode, text: e.errorText, url: e.url });
        };
        this.candidates.release(onCandidate);
        const errors = this.iceErrors;
        this.iceErrors = [];
        for (const e of errors) onIceError(e);
      },
    };
  }

  /** Closes it, unless it was adopted (its new owner closes it). */
  close() {
    if (this.adopted) return;
    this.adopted = true;
    const { pc } = this.parts;
    pc.onicecandidate = pc.onicecandidateerror = null;
    pc.close();
  }
}

/** What the pre-join screen may prepare: the connection to the one person there, or our publishing path to a group's media server. */
export type AnyPlan = PreparePlan | GroupPlan;
const isGroup = (plan: AnyPlan): plan is GroupPlan => "group" in plan;
/** Which relay servers, not with which credentials (the peek's are new each time it answers). */
const serversOf = (plan: Pick<PreparePlan, "iceServers">) => JSON.stringify(plan.iceServers.map((s) => s.urls));
/**
 * A preparation made for `kept` serves `plan` too. A direct one made with other relay servers does
 * not (one made on a guess before the peek answered, inputs.ts joinPlan): its candidates were
 * gathered with its own.
 */
const serves = (kept: AnyPlan, plan: AnyPlan) =>
  isGroup(kept) ? isGroup(plan) && groupPlanFits(kept, plan) : !isGroup(plan) && planFits(kept, plan) && serversOf(kept) === serversOf(plan);

/**
 * The call's prepared connection, if any: at most one, for the room the pre-join screen looks at.
 * `want(plan)` prepares one (keeping one that fits), `want(null)` drops it; `take` hands it over.
 * A direct connection is made in the next task, as soon as the devices and the peek allow: its
 * offer is then set long before `joined` even with Join pressed the instant it is enabled
 * (bench/join; made after the paint, it was made after Join and `joined` waited ~30 ms for it).
 * Its part on the main thread is a few ms; the offer and the candidates are the browser's own
 * work. A group's publishing path (three layers, frame transforms) waits for the paint, so the
 * pre-join screen and its Join button come first.
 */
export class PreparedSlot {
  private current: PreparedConnection | PreparedGroup | null = null;
  private pending: AnyPlan | null = null;
  /** Each change of plan: a scheduled preparation of an older one does nothing. */
  private generation = 0;

  /** A preparation is made, or about to be. */
  get holding(): boolean {
    return this.current !== null || this.pending !== null;
  }

  want(plan: AnyPlan | null, when: "afterPaint" | "soon" | "now" = plan && isGroup(plan) ? "afterPaint" : "soon") {
    const kept = this.current?.plan ?? this.pending;
    if (plan && kept && serves(kept, plan)) {
      if (when === "soon") this.hurry();
      return;
    }
    this.current?.close();
    this.current = null;
    this.pending = plan && typeof RTCPeerConnection !== "undefined" ? plan : null;
    // Nothing direct to prepare (nobody there, a group): the connection a first visit's page made ahead is not needed.
    if (!this.pending || isGroup(this.pending)) adoptFirstConnection(null);
    const generation = ++this.generation;
    if (!this.pending) return;
    if (when === "now") return this.make();
    const make = () => generation === this.generation && this.make();
    if (when === "afterPaint" && typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(make, 0));
    else setTimeout(make, 0);
  }

  /**
   * Join pressed: a preparation not made yet is made right after Join's own work (a microtask),
   * not in a task of its own that the page's paint and the browser's code caching would come
   * before: Join pressed the instant it is enabled comes before the next task, and `joined`
   * then waited for the offer (bench/join). A group's is not: made during the join's round trip,
   * its connections and frame transforms only compete with the join on the main thread
   * (bench/join), and the path makes the same once joined.
   */
  hurry() {
    if (this.pending && isGroup(this.pending)) return this.drop();
    if (!this.pending) return;
    const generation = ++this.generation;
    queueMicrotask(() => generation === this.generation && this.make());
  }

  /** The prepared connection if it fits what the call now sends (else it is closed): the caller's from now on. */
  take(want: Wanted): PreparedConnection | null {
    const prepared = this.takeAny();
    if (prepared instanceof PreparedConnection && prepared.fits(want)) return prepared;
    prepared?.close();
    return null;
  }

  /** The prepared publishing path if it fits what the group's path starts with (else it is closed): the caller's from now on. */
  takeGroup(want: GroupWanted): PreparedGroup | null {
    const prepared = this.takeAny();
    if (prepared instanceof PreparedGroup && prepared.fits(want)) return prepared;
    prepared?.close();
    return null;
  }

  /**
   * The prepared direct connection's offer for the join to carry (`PreparedConnection.forJoin`); a
   * preparation not made yet is made now, and an offer still being set is waited for, up to
   * JOIN_OFFER_WAIT_MS. Null: none (the join goes without, and the offer after `joined`).
   */
  forJoin(): JoinOffer | null | Promise<JoinOffer | null> {
    if (this.pending && !isGroup(this.pending)) this.make();
    const prepared = this.current;
    if (!(prepared instanceof PreparedConnection)) return null;
    // From Join, not from `joined` (the offer counted as sent, peer-connection.ts): what the page
    // would begin meanwhile (the denoiser's AudioContext, made DENOISE_START_MS after the devices)
    // waits for the other's picture too, instead of running while their answer comes (bench/join).
    awaitingPicture.hold(PICTURE_AWAITED_MS);
    const now = prepared.forJoin();
    if (now) return now;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Past the wait, the offer goes as it stands if it is set (its candidates follow `joined`).
    const late = new Promise<JoinOffer | null>((resolve) => {
      timer = setTimeout(() => resolve(this.current === prepared ? prepared.forJoin() : null), JOIN_OFFER_WAIT_MS);
    });
    // The view waits with the join: the call view's first render, asked for in the task that pressed
    // Join, would come before the task that sets the offer (and before this wait's timer), and the
    // join then left 90-180 ms after Join, past JOIN_OFFER_WAIT_MS (bench/join). It renders once the
    // join has gone, during the round trip to the other side.
    answerFirst.hold(JOIN_OFFER_WAIT_MS);
    // Made just now (Join pressed the instant the screen showed, or before the peek answered): with
    // its first candidate, or the other side could only try to reach us once our trickled ones came
    // after `joined`, a round trip later (bench/join, 100 ms away: ICE up 60 ms after the answer).
    return Promise.race([prepared.ready.then((made) => (made && this.current === prepared ? prepared.forJoin() : null)), late]).finally(() => {
      clearTimeout(timer);
      answerFirst.release();
    });
  }

  private takeAny() {
    this.make();
    const prepared = this.current;
    this.current = null;
    return prepared;
  }

  drop() {
    this.want(null);
  }

  private make() {
    if (!this.pending) return;
    this.current = isGroup(this.pending) ? new PreparedGroup(this.pending) : new PreparedConnection(this.pending);
    this.pending = null;
    this.generation++;
  }
}
