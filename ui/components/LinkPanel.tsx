/**
 * Inviting someone while waiting: the call link to copy (a toast confirms it), the share sheet
 * where the browser has one, and a QR code of the link to open it on a phone.
 */
import { canShare } from "../../machines/features/notifications.ts";
import { NoKeyNotice } from "./NoKeyNotice.tsx";
import { Later, lazyPart } from "../lazy.tsx";
import { useNotifyActor } from "./Toasts.tsx";

const QrCode = lazyPart(() => import("./QrCode.tsx").then((m) => m.QrCode));

export function LinkPanel({ link, encrypted }: { link: string; encrypted: boolean }) {
  const notify = useNotifyActor();
  return (
    <section className="panel link-panel" aria-label="Invite">
      <div className="link-main">
        <label htmlFor="call-link">Call link</label>
        <div className="row">
          <input id="call-link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" className="primary" onClick={() => notify?.send({ type: "INVITE.COPY", link })}>
            Copy link
          </button>
          {canShare() && (
            <button type="button" onClick={() => notify?.send({ type: "INVITE.SHARE", link })}>
              Share
            </button>
          )}
        </div>
        <p className="hint">Send this link to the person you want to talk to, or scan the code with a phone to join from it.</p>
        {!encrypted && <NoKeyNotice />}
      </div>
      <Later>
        <QrCode text={link} label="QR code of the call link" />
      </Later>
    </section>
  );
}
