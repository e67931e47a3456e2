/** What the local media machine has to say: a device replaced after it vanished, a switch that failed. */
import { useSelector } from "@xstate/react";
import { useMediaActor } from "../media-hooks.ts";

export function SettingsNotice() {
  const media = useMediaActor();
  const notice = useSelector(media, (s) => s?.context.notice ?? null);
  if (!notice) return null;
  return (
    <div className="notice media-notice" role="alert">
      <span>{notice}</span>
      <button type="button" onClick={() => media?.send({ type: "MEDIA.DISMISS_NOTICE" })}>
        Dismiss
      </button>
    </div>
  );
}
