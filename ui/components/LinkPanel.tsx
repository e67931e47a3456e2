import { useState } from "react";

export function LinkPanel({ link }: { link: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      (document.getElementById("call-link") as HTMLInputElement | null)?.select();
    }
  };
  return (
    <section className="link-panel" aria-label="Invite">
      <label htmlFor="call-link">Call link</label>
      <div className="row">
        <input id="call-link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="primary" onClick={copy}>
          Copy link
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied ? "Link copied. Send it to the person you want to talk to." : "Send this link to the person you want to talk to."}
      </p>
    </section>
  );
}
