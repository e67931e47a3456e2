import { useEffect, useRef } from "react";

/** How OneLink works, in our own words. A native <dialog> gives focus trapping and Escape. */
export function InfoDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="info" aria-labelledby="info-title" onClose={onClose}>
      <h2 id="info-title">About OneLink</h2>
      <p>
        OneLink connects two browsers directly. Your video, sound, chat and drawings travel peer to peer, encrypted
        end to end by WebRTC (DTLS-SRTP). Nothing is recorded.
      </p>
      <h3>What the server sees</h3>
      <p>
        Only what it needs to introduce you: the room ID, a random member id, and the connection offers your browsers
        exchange (which include network addresses). Once you are connected, the call goes on even if the server goes
        away.
      </p>
      <h3>Controls</h3>
      <ul>
        <li>
          <strong>Microphone</strong> and <strong>Camera</strong> turn sending on and off; the other person sees an
          indicator.
        </li>
        <li>
          <strong>Share screen</strong> sends a screen, window or tab (with its sound when the browser offers it)
          instead of your camera; press it again, or stop from the browser's bar, to go back to the camera.
        </li>
        <li>
          <strong>Settings</strong> picks camera, microphone and speaker, video size, frame rate and bitrate, and sound
          processing; changes apply during the call and are remembered. <strong>Switch camera</strong> flips between
          cameras. <strong>Stats</strong> shows what goes each way; the bars at the top right rate the connection.
        </li>
        <li>
          <strong>Full screen</strong> enlarges the other person's video.
        </li>
        <li>
          <strong>Hang up</strong> leaves the call; the other person can wait for you to rejoin.
        </li>
        <li>
          <strong>Exit</strong> returns to the start page.
        </li>
      </ul>
      <p>Refreshing the page during a call brings you straight back into it.</p>
      <form method="dialog">
        <button type="submit" className="primary">
          Close
        </button>
      </form>
    </dialog>
  );
}
