import { useState } from "react";
import { preloadCodes } from "../../machines/link/serverless.ts";
import { useCallActor } from "../call-context.tsx";
import "../serverless.css";

/** The landing page's way into a call with no server: who makes the first code. */
export function ServerlessStart() {
  const actor = useCallActor();
  const [open, setOpen] = useState(false);
  return (
    <section className="serverless-start" aria-label="Call without a server">
      <button
        type="button"
        aria-expanded={open}
        aria-controls="serverless-choice"
        onClick={() => {
          // Whoever opens this is about to make or read a code: its format is fetched now, while the site is there.
          if (!open) preloadCodes();
          setOpen(!open);
        }}
      >
        Call without a server…
      </button>
      <p className="hint">You and the other person exchange two codes (copy and paste, or a QR code); no server is involved.</p>
      {open && (
        <div id="serverless-choice" className="serverless-choice">
          <p className="hint">
            One of you makes an offer code, the other answers it with an answer code. The call then keeps working even if this site goes offline.
          </p>
          <div className="row">
            <button type="button" className="primary" onClick={() => actor.send({ type: "START_SERVERLESS", role: "offerer" })}>
              Create an offer code
            </button>
            <button type="button" onClick={() => actor.send({ type: "START_SERVERLESS", role: "answerer" })}>
              I have an offer code
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
