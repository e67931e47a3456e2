import { useEffect, useRef, useState } from "react";
import { mark } from "../../machines/timeline.ts";
import { awaitingPicture, pictureShown } from "../../machines/answer-first.ts";
import { firstFaceTaken } from "../first-face.ts";
import { pictureOf } from "../../machines/media/picture.ts";
import { STUCK_CHECK_MS, stuckPictureWatch } from "../stuck-picture.ts";

interface Props {
  stream: MediaStream | null;
  label: string;
  /** Our own preview: never play it back to ourselves, and mirror it like a mirror. */
  self?: boolean;
  className?: string;
  /** Which speaker plays it (setSinkId); "" is the system default. */
  sinkId?: string;
  /** Someone else's picture whose frames the call's stats say are being decoded: watched for a freeze on the page (stuck-picture.ts). */
  decoding?: boolean;
  /** That picture stayed frozen though it was bound again. */
  onStuck?: () => void;
  /**
   * Our own preview on a screen that is leaving (Join pressed): held on the frame it shows, or not
   * started if it has none yet. Each frame it plays is drawn by the page and the compositor, on the
   * cores the join needs (bench/join, join16); the call's own self view plays it again. The call's
   * self view on a refresh, until the other's picture shows (ui/after-picture.ts useSelfHeldOnRejoin).
   */
  still?: boolean;
}

/** A <video> bound to a MediaStream. If the browser blocks sound, plays muted and offers a tap. */
export function Video({ stream, label, self = false, className, sinkId, decoding = false, onStuck, still = false }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const [blockedSound, setBlockedSound] = useState(false);

  useEffect(() => {
    const video = ref.current;
    // Our own view shows the picture only: no sound for the browser to treat as playing media (picture.ts).
    const bound = self && stream ? pictureOf(stream) : stream;
    if (!video) return;
    if (still) {
      video.pause();
      return;
    }
    if (video.srcObject === bound) {
      // Held still before (a join that did not happen): it plays on.
      if (bound && video.paused) video.play().catch(() => {});
      return;
    }
    video.srcObject = bound;
    if (!stream) return;
    if (!self)
      video.requestVideoFrameCallback?.(() => {
        mark("first-frame");
        firstFaceTaken(stream);
        awaitingPicture.release();
        pictureShown.shown();
      });
    video.play().catch(() => {
      if (self) return;
      video.muted = true;
      setBlockedSound(true);
      video.play().catch(() => {});
    });
  }, [stream, self, still]);

  useEffect(() => {
    const video = ref.current;
    if (self || !decoding || !onStuck || !video || !stream) return;
    const check = stuckPictureWatch(video, onStuck);
    const timer = setInterval(() => {
      if (!document.hidden) check();
    }, STUCK_CHECK_MS);
    return () => clearInterval(timer);
  }, [stream, self, decoding, onStuck]);

  // Routing this element's sound is part of binding it, like srcObject above.
  useEffect(() => {
    const video = ref.current as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string }) | null;
    if (sinkId === undefined || !video?.setSinkId || video.sinkId === sinkId) return;
    video.setSinkId(sinkId).catch((err) => console.warn("speaker could not be used", err));
  }, [sinkId]);

  const unmute = () => {
    const video = ref.current;
    if (!video) return;
    video.muted = false;
    void video.play();
    setBlockedSound(false);
  };

  return (
    <>
      <video ref={ref} aria-label={label} className={`${className ?? ""}${self ? " mirrored" : ""}`} autoPlay playsInline muted={self} />
      {blockedSound && (
        <button type="button" className="unmute" onClick={unmute}>
          Turn on sound
        </button>
      )}
    </>
  );
}
