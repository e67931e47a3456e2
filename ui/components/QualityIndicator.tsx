/** Connection quality at a glance (good/fair/poor), always shown during a call; Stats has the numbers. */
import { qualityOf } from "../../machines/features/stats.ts";
import { useAfterPicture } from "../after-picture.ts";
import { useMainStats } from "../media-hooks.ts";

const WORDS = { good: "Good", fair: "Fair", poor: "Poor", unknown: "Measuring" } as const;

/** Drawn from the call's first picture on (ui/after-picture.ts): until a connection there is nothing to say. */
export function QualityIndicator() {
  return useAfterPicture() ? <Quality /> : null;
}

function Quality() {
  const { peer, summary } = useMainStats();
  if (peer?.status !== "connected") return null;
  const quality = qualityOf(summary, peer.video);
  const detail = summary ? `Round trip ${summary.rttMs ?? "?"} ms, loss ${Math.max(summary.received.lossPct ?? 0, summary.sent.lossPct ?? 0)}%` : "";
  return (
    <div className={`quality ${quality}`} role="img" aria-label={`Connection quality: ${WORDS[quality].toLowerCase()}`} title={detail}>
      <span className="bars" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      <span aria-hidden="true">{WORDS[quality]}</span>
    </div>
  );
}
