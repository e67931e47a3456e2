import { useEffect, useRef, useState } from "react";

interface Props {
  stream: MediaStream | null;
  label: string;
  /** Our own preview: never play it back to ourselves, and mirror it like a mirror. */
  self?: boolean;
  className?: string;
}

/** A <video> bound to a MediaStream. If the browser blocks sound, plays muted and offers a tap. */
export function Video({ stream, label, self = false, className }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const [blockedSound, setBlockedSound] = useState(false);

  useEffect(() => {
    const video = ref.current;
    if (!video || video.srcObject === stream) return;
    video.srcObject = stream;
    if (!stream) return;
    video.play().catch(() => {
      if (self) return;
      video.muted = true;
      setBlockedSound(true);
      video.play().catch(() => {});
    });
  }, [stream, self]);

  const unmute = () => {
    const video = ref.current;
    if (!video) return;
    video.muted = false;
    void video.play();
    setBlockedSound(false);
  };

  return (
    <>
      <video
        ref={ref}
        aria-label={label}
        className={`${className ?? ""}${self ? " mirrored" : ""}`}
        autoPlay
        playsInline
        muted={self}
      />
      {blockedSound && (
        <button type="button" className="unmute" onClick={unmute}>
          Turn on sound
        </button>
      )}
    </>
  );
}
