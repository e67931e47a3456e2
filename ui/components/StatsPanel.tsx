/** Call statistics, both directions, refreshed every second while the Stats button is pressed. */
import { useSelector } from "@xstate/react";
import type { DirectionSummary } from "../../machines/features/stats.ts";
import { useMainStats, useStatsActor } from "../media-hooks.ts";

const dash = "–";
const size = (d: DirectionSummary) => (d.width && d.height ? `${d.width}×${d.height}` : dash);
const rate = (kbps: number | null) => (kbps === null ? dash : kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${kbps} kbps`);
const pct = (v: number | null) => (v === null ? dash : `${v}%`);
const codecs = (d: DirectionSummary) => [d.videoCodec, d.audioCodec].filter(Boolean).join(" / ") || dash;

export function StatsPanel() {
  const open = useSelector(useStatsActor(), (s) => s?.context.open ?? false);
  const { peer, summary: s } = useMainStats();
  if (!open) return null;
  const rows: Array<[string, string, string]> = s
    ? [
        ["Resolution", size(s.sent), size(s.received)],
        ["Frame rate", s.sent.fps === null ? dash : `${s.sent.fps} fps`, s.received.fps === null ? dash : `${s.received.fps} fps`],
        ["Video bitrate", rate(s.sent.videoKbps), rate(s.received.videoKbps)],
        ["Audio bitrate", rate(s.sent.audioKbps), rate(s.received.audioKbps)],
        ["Codec", codecs(s.sent), codecs(s.received)],
        ["Packet loss", pct(s.sent.lossPct), pct(s.received.lossPct)],
        ["Candidate", s.localCandidate ?? dash, s.remoteCandidate ?? dash],
        ["Limited by", s.sent.limit ?? dash, dash],
      ]
    : [];
  return (
    <section className="stats-panel" aria-label="Call statistics">
      {!peer || !s ? (
        <p>No connection to measure yet.</p>
      ) : (
        <table>
          <caption>Round trip {s.rttMs === null ? dash : `${s.rttMs} ms`}</caption>
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col">Sent</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, sent, received]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{sent}</td>
                <td>{received}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
