/**
 * The other person's face the moment its first frame comes (issue 21). Joining a call with one
 * other person, the call's view used to be drawn on Join (hidden behind "Joining…") and shown as
 * their stream arrived, and their first frame waited for that work on the page's one main thread
 * (bench/join, join15). Now, as their stream arrives, a plain <video> (no React, nothing else
 * drawn) shows it over the whole window, and the call's view is drawn only once that video has
 * shown a frame (ui/App.tsx `faceAwaited`). When the call's own picture of them shows its first
 * frame (ui Video), this one goes: the same face, now in its tile, with the call around it.
 *
 * It plays no sound (the tile's does), takes no clicks or focus, and has no background until its
 * first frame (nothing shows before it). It goes at once when their camera is off, they leave, we
 * do, or no frame came in FIRST_FACE_AWAITED_MS; else FIRST_FACE_OUTSTAYS_MS after its frame at most
 * (after the app's screens are drawn, when the first pre-join screen stood for them: awaitAppScreens).
 *
 * It plays their picture only (machines/media/picture.ts): a player with a sound track, even muted,
 * starts the tab's media session, whose work (the page's icon drawn for the media controls, on the
 * page's and the browser's main threads) then fell between the answer and the first frame; the
 * tile's player, with the sound, starts it after (bench/join, join16).
 */
import type { CallActor } from "../machines/call/call.ts";
import { pictureOf, syncPicture } from "../machines/media/picture.ts";
import { mark } from "../machines/timeline.ts";
import { type CallSnapshot, handingOver } from "./selectors.ts";

/** How long the call's view waits for the first face's first frame at most (then the face goes, and the view shows). */
export const FIRST_FACE_AWAITED_MS = 1_000;
/** How long the first face stays over the call's view at most once it has shown a frame, waiting for its tile's. */
export const FIRST_FACE_OUTSTAYS_MS = 800;

/** What the first face shows: the stream of the one other person in the call, with their camera on (null: nothing). */
export interface FirstFace {
  peer: string;
  stream: MediaStream;
}

/** The one other person's stream, while their face may show: they have not said their camera is off, and it is not a shared screen. */
function faceIn(s: CallSnapshot): FirstFace | null {
  if (!s.matches("inRoom")) return null;
  const peers = Object.values(s.context.peers);
  if (peers.length !== 1) return null;
  const [p] = peers;
  // (Their video track may join the stream a moment after it arrives: not asked for here.)
  if (!p?.stream || !p.video || p.screen) return null;
  return { peer: p.id, stream: p.stream };
}

/**
 * A first face starts only as a join brings it: the snapshot before was still handing over (the
 * stream's arrival itself ends the handover, machines/call PEER.REMOTE_STREAM), or, on a refresh
 * taking its seat back before the app's screens are drawn (`rejoin`, ui/main.tsx), their stream
 * was not there before. Never in a call already shown, nor in a group.
 */
export function firstFaceToStart(before: CallSnapshot, s: CallSnapshot, rejoin = false): FirstFace | null {
  return handingOver(before) || (rejoin && faceIn(before) === null) ? faceIn(s) : null;
}

let onRejoin = false;
/** A refresh taking its seat back shows the other's face as it comes, while this is on (ui/main.tsx, until the app's screens come). */
export function facesOnRejoin(on: boolean) {
  onRejoin = on;
}

/** Whether a first face already shown for `face` may stay: the same person, the same stream, camera on, still in the room. */
export function firstFaceMayStay(s: CallSnapshot, face: FirstFace): boolean {
  const now = faceIn(s);
  return now !== null && now.peer === face.peer && now.stream === face.stream;
}

let current: { face: FirstFace; drop: () => void; shown?: boolean } | null = null;

/** A first face is over the window and has shown its frame (the other person is seen). */
export const firstFaceShown = (): boolean => current?.shown === true;

let appScreens: Promise<void> = Promise.resolve();
/**
 * The app's screens are still to be drawn (ui/main.tsx: the first pre-join screen stands for them,
 * ui/quick-lobby.ts): a face that has shown stays until `drawn`, then FIRST_FACE_OUTSTAYS_MS at most.
 */
export function awaitAppScreens(drawn: Promise<void>) {
  appScreens = drawn;
}

/**
 * Whether a first face is on its way (started, no frame shown yet): the call's view waits for it
 * (ui/App.tsx), so that its first draw is not on the main thread before that frame.
 */
export const faceAwaited = (() => {
  let value = false;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(v: boolean) {
      if (v === value) return;
      value = v;
      for (const l of listeners) l();
    },
    subscribe(l: () => void) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
})();

/** The call's own picture of `stream` has shown a frame (ui Video): the first face of it, if any, goes. */
export function firstFaceTaken(stream: MediaStream) {
  if (current?.face.stream === stream) current.drop();
}

/** Shows the first face whenever a join brings one, for as long as the page lives; returns what stops it. */
export function showFirstFaces(actor: CallActor): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let video: HTMLVideoElement | null = null;
  /** Binds the face's picture to its video once it has a video track (tried at each change of the call while the face is on its way). */
  let bindWhenThere = () => {};
  const drop = () => {
    clearTimeout(timer);
    current = null;
    bindWhenThere = () => {};
    faceAwaited.set(false);
    if (!video) return;
    video.srcObject = null;
    video.remove();
    video = null;
  };
  const start = (face: FirstFace) => {
    const el = document.createElement("video");
    el.className = "first-face";
    el.setAttribute("aria-hidden", "true");
    el.muted = true;
    el.autoplay = true;
    el.playsInline = true;
    // Their picture's track may come a moment after the stream (the sound's first): bound once it is there.
    const picture = pictureOf(face.stream);
    bindWhenThere = () => {
      syncPicture(face.stream);
      if (picture.getVideoTracks().length === 0 || el.srcObject) return;
      el.srcObject = picture;
      el.play().catch(() => {});
    };
    el.requestVideoFrameCallback?.(() => {
      if (current?.face !== face) return;
      current.shown = true;
      mark("first-frame");
      el.classList.add("shown");
      clearTimeout(timer);
      // Its tile can only take over once the app's screens are drawn (awaitAppScreens).
      void appScreens.then(() => {
        if (current?.face === face) timer = setTimeout(drop, FIRST_FACE_OUTSTAYS_MS);
      });
      // The call's view is drawn in a task after this one, once this frame is painted. Told here,
      // React drew it in this callback's microtask, before the frame's rendering went on: its
      // first draw (60-140 ms, bench/join join19) came before anything else the page had for this
      // frame, the other callbacks for it included.
      setTimeout(() => current?.face === face && faceAwaited.set(false), 0);
    });
    video = el;
    current = { face, drop };
    timer = setTimeout(drop, FIRST_FACE_AWAITED_MS);
    faceAwaited.set(true);
    document.body.append(el);
    bindWhenThere();
  };
  let before = actor.getSnapshot();
  const sub = actor.subscribe((s) => {
    if (current && !firstFaceMayStay(s, current.face)) drop();
    else if (current) bindWhenThere();
    else {
      const face = firstFaceToStart(before, s, onRejoin);
      if (face) start(face);
    }
    before = s;
  });
  return () => {
    sub.unsubscribe();
    drop();
  };
}
