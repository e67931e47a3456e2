import { useEffect, useRef } from "react";
import { SHORTCUTS } from "../shortcuts.ts";
import "../first-minute.css";
import { DialogClose } from "./DialogClose.tsx";

/** How OneLink works, in our own words. A native <dialog> gives focus trapping and Escape. */
export function InfoDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // Start reading at the top, not at the Close button the dialog would focus (and scroll to).
    dialog?.querySelector<HTMLElement>("#info-title")?.focus();
  }, []);
  return (
    <dialog ref={ref} className="info" aria-labelledby="info-title" onClose={onClose}>
      <h2 id="info-title" tabIndex={-1}>
        About OneLink
      </h2>
      <h3>How a call works</h3>
      <p>
        <strong>New call</strong> makes a link; whoever opens it lands in the same call, after a look at their camera and microphone. Send the link, share it
        from your phone, or let someone scan its QR code. A sound and a short note tell you when the other person arrives or leaves.
      </p>
      <p>
        The two browsers then talk to each other directly (peer to peer). Video, sound, chat and drawings go straight from one to the other, encrypted end to
        end by WebRTC (DTLS-SRTP), and are never recorded. Only when a network blocks a direct path do they pass through a relay (TURN), still encrypted: the
        relay cannot see or hear them.
      </p>
      <h3>Group calls</h3>
      <p>
        From three people on, video and sound go through a media server, which sends each person's picture to the others. The link made by{" "}
        <strong>New call</strong> carries a key after its <code>#</code>, a part of an address browsers never send to a server: with it, every video and sound
        frame and every message is encrypted in your browser before it leaves, and only the people with the link can decrypt it. Neither the media server nor
        OneLink's server can. A room joined by typing its ID has no key: its group calls are encrypted only on the way to and from the media server, which could
        see and hear them (a call of two stays peer to peer).
      </p>
      <h3>What the server sees</h3>
      <p>
        Only what it needs to introduce you: the room ID, a random member id, and the connection offers your browsers exchange (which include network
        addresses). It never receives media, messages or drawings. Once you are connected, the call goes on even if the server goes away.{" "}
        <strong>Relay only</strong> in Settings hides your address from the other person too.
      </p>
      <h3>Controls</h3>
      <ul>
        <li>
          <strong>Microphone</strong> and <strong>Camera</strong> turn sending on and off; the other person sees an indicator.
        </li>
        <li>
          <strong>Chat</strong> opens messages that go straight to the other person; <strong>Draw</strong> lets you both draw on the video with a hand in front
          of the camera, the mouse or a finger.
        </li>
        <li>
          <strong>People</strong> lists everyone in the call, you first, with who is muted, has the camera off or is speaking; your name can be changed there.
        </li>
        <li>
          <strong>Share screen</strong> sends a screen, window or tab (with its sound when the browser offers it) instead of your camera; press it again, or
          stop from the browser's bar, to go back to the camera.
        </li>
        <li>
          <strong>Settings</strong> picks camera, microphone and speaker, video size, frame rate and bitrate, and sound processing; changes apply during the
          call and are remembered. <strong>Switch camera</strong> flips between cameras. <strong>Stats</strong> shows what goes each way; the bars at the top
          right rate the connection.
        </li>
        <li>
          <strong>More</strong> holds the rest: <strong>People</strong>, <strong>Draw</strong>, <strong>Settings</strong>, <strong>Stats</strong>,{" "}
          <strong>Full screen</strong> (the whole call, controls included) and <strong>Picture in picture</strong>, which keeps the other person in a small
          floating window while you use other apps.
        </li>
        <li>
          <strong>Leave</strong> leaves the call; the other person can wait for you to rejoin. Afterwards, <strong>Rejoin</strong> goes back in and{" "}
          <strong>Home</strong> returns to the start page.
        </li>
      </ul>
      <p>
        On a phone the controls step aside after a few seconds of a call; tap the video to bring them back. Refreshing the page during a call brings you
        straight back into it.
      </p>
      <h3>Keyboard shortcuts</h3>
      <p>During a call, except while typing:</p>
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.key}>
            <dt>
              <kbd>{s.key}</kbd>
            </dt>
            <dd>{s.control}</dd>
          </div>
        ))}
      </dl>
      <p>Tab and Shift+Tab move between controls, Enter or Space presses one, Escape closes a panel or this page.</p>
      <DialogClose />
    </dialog>
  );
}
