/**
 * Answer first, show later (issue 21). The person already in a room hears someone arrive, then
 * their offer a moment later; showing the arrival (the toast, the chime, their tile) renders and
 * plays on the page's one main thread, and the steps of the answer (applying the offer, making the
 * answer, sending it) would wait behind that work. So while an answer is expected or being made,
 * what the page shows and plays waits (the view, ui/call-context.tsx; sounds, features/sound.ts),
 * and comes in a task of its own once the answer has gone.
 *
 * Never for long: a hold ends by itself after its limit, whatever happens to the offer.
 */

/** How long the arrival is kept back for the offer that should follow it. */
export const OFFER_EXPECTED_MS = 300;
/** How long making an answer may hold the page's view (it takes ~10-60 ms). */
export const ANSWERING_MS = 300;

export class AnswerFirst {
  /** Until when (performance.now()) the view waits; 0: it does not. */
  private until = 0;
  private waiting: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly flushTask: () => void;

  constructor() {
    // A message task: not throttled in a background tab (timers are), so a call answered there still plays at once.
    if (typeof MessageChannel === "function") {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => this.flush();
      this.flushTask = () => channel.port2.postMessage(null);
    } else this.flushTask = () => setTimeout(() => this.flush(), 0);
  }

  /** The view waits for up to `ms` more (an answer is expected, or being made). */
  hold(ms: number) {
    const now = performance.now();
    this.until = Math.max(this.until, now + ms);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), this.until - now);
  }

  /** The answer has gone (or will not come): what waited runs, in a task of its own. */
  release() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const was = this.until;
    this.until = 0;
    if (was && this.waiting.length) this.flushTask();
  }

  /** A hold under way ends `ms` from now at the latest (it is not made longer). */
  limit(ms: number) {
    if (!this.held) return;
    const now = performance.now();
    if (now + ms >= this.until) return;
    this.until = now + ms;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), ms);
  }

  /**
   * A queue that keeps its order across the hold: each `fn` runs now, or once the hold ends, but
   * never before one given to it earlier (one given between the end of the hold and the task that
   * runs what waited, waits behind them).
   */
  inOrder(): (fn: () => void) => void {
    const pending: (() => void)[] = [];
    const drain = () => {
      for (const fn of pending.splice(0)) fn();
    };
    return (fn) => {
      if (!pending.length && !this.held) return fn();
      pending.push(fn);
      if (pending.length === 1) this.after(drain);
    };
  }

  get held(): boolean {
    return this.until > 0 && performance.now() < this.until;
  }

  /** Runs `fn` now, or once the hold ends. */
  after(fn: () => void) {
    if (!this.held) fn();
    else this.waiting.push(fn);
  }

  private flush() {
    // Held again meanwhile (another answer): they wait for that one.
    if (this.held) return;
    for (const fn of this.waiting.splice(0)) fn();
  }
}

/** The page's one. */
export const answerFirst = new AnswerFirst();

/**
 * The joiner's side: from its first offer until the other person's picture shows (or this long),
 * its own extra work waits (the denoised microphone swapped in, media/denoise.ts; the pre-join
 * meter, ui/audio-level.ts; the data channels' opening and first messages, transport/peer-connection.ts), so that the answer's frame is read and applied at once and the call
 * view renders without it. Nothing the joiner sees is late: the "Joining…" screen stays up till then.
 */
export const PICTURE_AWAITED_MS = 1_000;
/** Once connected, the picture is awaited this much longer at most (a camera that is off sends none). */
export const PICTURE_AFTER_CONNECTED_MS = 300;

/** The page's one, held by its first offer (peer-connection.ts), released by the first remote frame (ui Video). */
export const awaitingPicture = new AnswerFirst();

/** The panels' code (ui/components/CallView.tsx) is fetched this long after the call's first remote picture. */
export const PANELS_AFTER_PICTURE_MS = 1_000;

/**
 * The page's first remote picture (ui Video), on either side of a call: what nobody needs then
 * (the panels' code, ui/lazy.tsx) waits for it and a while after. The person already in the room
 * (who answers) is not held by `awaitingPicture`, and its own first picture comes before the
 * joiner's (bench/join: 100-200 ms, both pages on one machine): what it starts then is on the same
 * cores as the joiner's way to its first picture.
 */
export class PictureShown {
  private seen = false;
  private readonly waiting = new Set<() => void>();

  /** Whether a remote picture has shown on this page. */
  get happened(): boolean {
    return this.seen;
  }

  /** A remote picture showed: what waits for it is set off. */
  shown() {
    if (this.seen) return;
    this.seen = true;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const fn of waiting) fn();
  }

  /**
   * Runs `fn` `settleMs` after a remote picture has shown (after it now, if one has), or `maxMs`
   * from now if none has by then (a camera that is off); in a task of its own; returns what cancels it.
   */
  after(fn: () => void, settleMs: number, maxMs: number): () => void {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.waiting.delete(settle);
      fn();
    };
    const settle = () => {
      clearTimeout(timer);
      timer = setTimeout(run, settleMs);
    };
    if (this.seen) settle();
    else {
      this.waiting.add(settle);
      timer = setTimeout(run, maxMs);
    }
    return () => {
      done = true;
      clearTimeout(timer);
      this.waiting.delete(settle);
    };
  }
}

/** The page's one, told by ui Video. */
export const pictureShown = new PictureShown();
