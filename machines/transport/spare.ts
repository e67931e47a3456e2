/**
 * A spare connection for answering (issue 21): while we wait in a direct room, the transport keeps
 * an RTCPeerConnection made ahead, with the data channels every call has and our tracks added, so
 * that when someone's first offer arrives the connection that answers it already exists. Building
 * it then (the connection, four data channels, the senders, the codec order) was most of what the
 * person already in the room did between the joiner's offer and the answer.
 *
 * Nothing of it leaves the browser: no description is made and no candidate is gathered (no
 * candidate pool: not even a STUN or TURN server hears of it) until it answers. Tracks added with
 * `addTrack` before the offer is applied take the offer's lines of their kind (JSEP), as if added
 * after it. A spare that no longer fits what we send (another kind of track, relay only) is
 * replaced; one made with older relay servers gets the current ones when it is taken.
 */
import { openConnection, type ConnectionParts, type PreparePlan, planFits, type Wanted } from "./prepared.ts";
import { preferCodecs, SOFTWARE_ORDER } from "./rtp-tuning.ts";

export class SpareConnection {
  private readonly parts: ConnectionParts;
  private taken = false;

  constructor(readonly plan: PreparePlan) {
    this.parts = openConnection({ iceServers: plan.iceServers as RTCIceServer[], iceTransportPolicy: plan.iceTransportPolicy });
    const { pc } = this.parts;
    // Only our own tracks: the offer's lines we send nothing on become receive-only transceivers as it is applied.
    const stream = plan.stream;
    for (const track of stream?.getTracks() ?? []) pc.addTrack(track, stream!);
    preferCodecs(pc, plan.videoCodecs ?? SOFTWARE_ORDER);
  }

  /** The connection is the caller's from now on (once). */
  adopt(): ConnectionParts {
    if (this.taken) throw new Error("SpareConnection: adopted twice");
    this.taken = true;
    return this.parts;
  }

  close() {
    if (this.taken) return;
    this.taken = true;
    this.parts.pc.close();
  }
}

/** When a spare is made: after the page has painted (we are alone: nothing else to do), or this long after (a call is starting). */
export type SpareWhen = "afterPaint" | number;

/**
 * The transport's spare, if any: at most one. `want(plan)` makes one in a later task (keeping one
 * that fits), `want(null)` drops it; `take` hands it over if it fits what we send now.
 */
export class SpareSlot {
  private current: SpareConnection | null = null;
  private pending: PreparePlan | null = null;
  /** Each change of plan: a scheduled spare of an older one is not made. */
  private generation = 0;

  want(plan: PreparePlan | null, when: SpareWhen = "afterPaint") {
    const kept = this.current?.plan ?? this.pending;
    if (plan && kept && planFits(kept, plan)) return;
    this.current?.close();
    this.current = null;
    this.pending = plan && typeof RTCPeerConnection !== "undefined" ? plan : null;
    const generation = ++this.generation;
    if (!this.pending) return;
    const make = () => {
      if (generation !== this.generation || !this.pending) return;
      const plan = this.pending;
      this.pending = null;
      try {
        this.current = new SpareConnection(plan);
      } catch (err) {
        // (Too many connections in the page, say): the offer is answered as without one.
        console.warn("peer: could not make a spare connection", err);
      }
    };
    if (when === "afterPaint" && typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(make, 0));
    else setTimeout(make, when === "afterPaint" ? 0 : when);
  }

  /** The spare if there is one and it fits (else it is closed); not made on the spot, which would cost what it saves. */
  take(want: Wanted): SpareConnection | null {
    const spare = this.current;
    this.current = null;
    if (spare && planFits(spare.plan, want)) return spare;
    spare?.close();
    return null;
  }

  drop() {
    this.want(null);
  }
}
