/** Call statistics, both directions, refreshed every second while the Stats button is pressed. */
import { useSelector } from "@xstate/react";
import type { DirectionSummary, StatsSummary } from "../../machines/features/stats.ts";
import { useCallActor } from "../call-context.tsx";
import { useMainStats, useStatsActor } from "../media-hooks.ts";
import { displayName, participantIds, sameIds } from "../selectors.ts";

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
      <EachPerson />
    </section>
  );
}

/** With more than one other person: what we receive of each (through the media server, measured per person). */
function EachPerson() {
  const call = useCallActor();
  const ids = useSelector(call, participantIds, sameIds);
  const names = useSelector(call, (s) => ids.map((id) => displayName(s, id)), sameIds);
  const summaries = useSelector(useStatsActor(), (s) => ids.map((id) => s?.context.byPeer[id]?.summary ?? null), sameSummaries);
  if (ids.length < 2) return null;
  return (
    <table className="stats-each">
      <caption>Received from each person</caption>
      <thead>
        <tr>
          <th scope="col">Person</th>
          <th scope="col">Resolution</th>
          <th scope="col">Frame rate</th>
          <th scope="col">Video bitrate</th>
        </tr>
      </thead>
      <tbody>
        {ids.map((id, i) => {
          const r = summaries[i]?.received;
          return (
            <tr key={id}>
              <th scope="row">{names[i]}</th>
              <td>{r ? size(r) : dash}</td>
              <td>{r?.fps == null ? dash : `${r.fps} fps`}</td>
              <td>{r ? rate(r.videoKbps) : dash}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const sameSummaries = (a: readonly (StatsSummary | null)[], b: readonly (StatsSummary | null)[]) => a.length === b.length && a.every((x, i) => x === b[i]);
