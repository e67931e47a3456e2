/**
 * Call statistics. Every second the stats machine asks the transport (system id "transport") to poll; each peer
 * connection answers with a plain sample of cumulative getStats counters, and the machine turns
 * two successive samples into rates: resolution, frame rate, bitrate, round-trip time, packet
 * loss, codec and candidate types, both directions. `qualityOf` rates a summary good/fair/poor.
 */
import { assign, sendTo, setup, type ActorRefFrom } from "xstate";
import { transportOf, type StatsReport } from "../transport/channels.ts";

export interface RtpSample {
  bytes: number;
  packets: number;
  lost: number;
  frames: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  /** Outbound video: what holds quality back ("cpu", "bandwidth", "none"). */
  limit: string | null;
}

export interface StatsSample {
  /** ms, from the stats report. */
  at: number;
  videoIn: RtpSample | null;
  videoOut: RtpSample | null;
  audioIn: RtpSample | null;
  audioOut: RtpSample | null;
  rttMs: number | null;
  /** Fraction of our packets the other side reports lost (RTCP), 0..1. */
  remoteLoss: number | null;
  localCandidate: string | null;
  remoteCandidate: string | null;
  /** Our own CPU guard has scaled the camera down by this much (cpu-guard.ts); 1: full size. */
  cpuScale?: number;
}

export interface DirectionSummary {
  width: number | null;
  height: number | null;
  fps: number | null;
  videoKbps: number | null;
  audioKbps: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  lossPct: number | null;
  /** Sent video only: what the encoder says limits it. */
  limit: string | null;
}

export interface StatsSummary {
  at: number;
  sent: DirectionSummary;
  received: DirectionSummary;
  rttMs: number | null;
  localCandidate: string | null;
  remoteCandidate: string | null;
}

type Stat = Record<string, unknown> & { id: string; type: string };
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Cumulative counters out of a getStats() report, as plain data (structured-cloneable, testable). */
export function sampleOf(report: RTCStatsReport | Map<string, Stat>, cpuScale = 1): StatsSample {
  const all = new Map<string, Stat>();
  report.forEach((s: Stat) => all.set(s.id, s));
  const codecOf = (s: Stat) => {
    const mime = all.get(String(s.codecId))?.mimeType;
    return typeof mime === "string" ? mime.replace(/^(audio|video)\//, "") : null;
  };
  const pick = (type: string, kind: string, bytesKey: string) => {
    let best: Stat | null = null;
    for (const s of all.values()) {
      if (s.type === type && s.kind === kind && (num(s[bytesKey]) ?? 0) >= (num(best?.[bytesKey]) ?? -1)) best = s;
    }
    return best;
  };
  const rtp = (s: Stat | null, inbound: boolean): RtpSample | null =>
    s && {
      bytes: num(s[inbound ? "bytesReceived" : "bytesSent"]) ?? 0,
      packets: num(s[inbound ? "packetsReceived" : "packetsSent"]) ?? 0,
      lost: inbound ? (num(s.packetsLost) ?? 0) : 0,
      frames: num(s[inbound ? "framesDecoded" : "framesEncoded"]) ?? 0,
      width: num(s.frameWidth),
      height: num(s.frameHeight),
      fps: num(s.framesPerSecond),
      codec: codecOf(s),
      limit: typeof s.qualityLimitationReason === "string" ? s.qualityLimitationReason : null,
    };
  const videoOut = pick("outbound-rtp", "video", "bytesSent");
  let pair: Stat | null = null;
  for (const s of all.values()) {
    if (s.type === "transport" && s.selectedCandidatePairId) pair = all.get(String(s.selectedCandidatePairId)) ?? pair;
  }
  if (!pair) for (const s of all.values()) if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s;
  const candidate = (id: unknown) => {
    const c = all.get(String(id));
    if (!c) return null;
    return c.candidateType === "relay" && c.relayProtocol ? `relay (${String(c.relayProtocol)})` : String(c.candidateType ?? "") || null;
  };
  const remoteIn = videoOut ? [...all.values()].find((s) => s.type === "remote-inbound-rtp" && s.localId === videoOut.id) : undefined;
  const rtt = num(pair?.currentRoundTripTime);
  return {
    at: num([...all.values()][0]?.timestamp) ?? Date.now(),
    videoIn: rtp(pick("inbound-rtp", "video", "bytesReceived"), true),
    videoOut: rtp(videoOut, false),
    audioIn: rtp(pick("inbound-rtp", "audio", "bytesReceived"), true),
    audioOut: rtp(pick("outbound-rtp", "audio", "bytesSent"), false),
    rttMs: rtt === null ? null : Math.round(rtt * 1000),
    remoteLoss: num(remoteIn?.fractionLost),
    localCandidate: pair ? candidate(pair.localCandidateId) : null,
    remoteCandidate: pair ? candidate(pair.remoteCandidateId) : null,
    cpuScale,
  };
}

const kbps = (cur: RtpSample | null, prev: RtpSample | null, seconds: number) =>
  cur && prev && seconds > 0 && cur.bytes >= prev.bytes ? Math.round(((cur.bytes - prev.bytes) * 8) / seconds / 1000) : null;

function fpsOf(cur: RtpSample | null, prev: RtpSample | null, seconds: number) {
  if (cur?.fps !== null && cur?.fps !== undefined) return Math.round(cur.fps);
  return cur && prev && seconds > 0 ? Math.round((cur.frames - prev.frames) / seconds) : null;
}

function lossPct(cur: StatsSample, prev: StatsSample | null): number | null {
  if (!prev) return null;
  let lost = 0;
  let got = 0;
  for (const key of ["videoIn", "audioIn"] as const) {
    const c = cur[key];
    const p = prev[key];
    if (!c || !p) continue;
    lost += Math.max(0, c.lost - p.lost);
    got += Math.max(0, c.packets - p.packets);
  }
  return lost + got > 0 ? Math.round((1000 * lost) / (lost + got)) / 10 : null;
}

export function summarize(cur: StatsSample, prev: StatsSample | null): StatsSummary {
  const seconds = prev ? (cur.at - prev.at) / 1000 : 0;
  const side = (video: "videoIn" | "videoOut", audio: "audioIn" | "audioOut"): DirectionSummary => ({
    width: cur[video]?.width ?? null,
    height: cur[video]?.height ?? null,
    fps: fpsOf(cur[video], prev?.[video] ?? null, seconds),
    videoKbps: kbps(cur[video], prev?.[video] ?? null, seconds),
    audioKbps: kbps(cur[audio], prev?.[audio] ?? null, seconds),
    videoCodec: cur[video]?.codec ?? null,
    audioCodec: cur[audio]?.codec ?? null,
    lossPct: null,
    limit: cur[video]?.limit ?? null,
  });
  const sent = side("videoOut", "audioOut");
  sent.lossPct = cur.remoteLoss === null ? null : Math.round(cur.remoteLoss * 1000) / 10;
  if ((cur.cpuScale ?? 1) > 1 && (sent.limit === "none" || sent.limit === null)) sent.limit = "cpu";
  const received = side("videoIn", "audioIn");
  received.lossPct = lossPct(cur, prev);
  return { at: cur.at, sent, received, rttMs: cur.rttMs, localCandidate: cur.localCandidate, remoteCandidate: cur.remoteCandidate };
}

export type Quality = "good" | "fair" | "poor" | "unknown";

/** Good/fair/poor from round-trip time, loss either way and, when their camera is on, received frame rate. */
export function qualityOf(s: StatsSummary | null | undefined, expectVideo: boolean): Quality {
  if (!s) return "unknown";
  const rtt = s.rttMs ?? 0;
  const loss = Math.max(s.received.lossPct ?? 0, s.sent.lossPct ?? 0);
  const fps = expectVideo ? s.received.fps : null;
  // Cameras in dim light give 15 fps on a perfect network: only lower rates count against it.
  if (rtt > 400 || loss > 8 || (fps !== null && fps < 8)) return "poor";
  if (rtt > 200 || loss > 2 || (fps !== null && fps < 15)) return "fair";
  return s.rttMs === null && fps === null ? "unknown" : "good";
}

export type StatsCommand = { type: "STATS.SAMPLE"; peer: string; sample: StatsSample } | { type: "STATS.TOGGLE" } | { type: "STATS.FORGET"; peer: string };
export type { StatsReport };

interface StatsContext {
  /** Latest summary and raw sample per remote member. */
  byPeer: Record<string, { sample: StatsSample; summary: StatsSummary }>;
  /** The detailed view is open. */
  open: boolean;
}

export const statsMachine = setup({
  types: { context: {} as StatsContext, events: {} as StatsCommand },
  delays: { pollEvery: 1_000 },
  actions: { poll: sendTo(transportOf, { type: "STATS.POLL" } satisfies StatsReport) },
}).createMachine({
  id: "stats",
  context: { byPeer: {}, open: false },
  initial: "polling",
  states: {
    polling: {
      after: { pollEvery: { target: "polling", reenter: true, actions: "poll" } },
    },
  },
  on: {
    "STATS.SAMPLE": {
      actions: assign({
        byPeer: ({ context, event }) => {
          const prev = context.byPeer[event.peer]?.sample ?? null;
          // A new connection restarts its counters: start over rather than report negative rates.
          const usable = prev && event.sample.at > prev.at ? prev : null;
          return { ...context.byPeer, [event.peer]: { sample: event.sample, summary: summarize(event.sample, usable) } };
        },
      }),
    },
    "STATS.FORGET": {
      actions: assign({ byPeer: ({ context, event }) => Object.fromEntries(Object.entries(context.byPeer).filter(([id]) => id !== event.peer)) }),
    },
    "STATS.TOGGLE": { actions: assign({ open: ({ context }) => !context.open }) },
  },
});
export type StatsActor = ActorRefFrom<typeof statsMachine>;
