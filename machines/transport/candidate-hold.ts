/**
 * The candidates a connection prepared before Join gathers (prepared.ts, prepared-group.ts): kept
 * on the page, since nothing may leave before Join, until `release` hands them over in order, then
 * every later one as it comes.
 */
export type CandidateOut = (candidate: RTCIceCandidateInit | null) => void;

export const asInit = (candidate: RTCIceCandidate | null) => (candidate ? (candidate.toJSON() as RTCIceCandidateInit) : null);

/**
 * An active ICE-TCP candidate (RFC 6544: port 9, it only ever dials out). Browsers gather TCP
 * candidates of that kind only, and two active ones never pair; a peer with passive ones (a media
 * server) learns ours as the connection comes in (peer-reflexive), as the RFC has it. So it is
 * not worth a signal: a browser gathers one per address ~120 ms after its UDP ones, and each one
 * sent was work for both pages (and the server) right as the call's first picture came (bench/join).
 */
export const isActiveTcp = (candidate: RTCIceCandidateInit | null): boolean =>
  candidate !== null && / tcp .* tcptype active(?: |$)/i.test(candidate.candidate ?? "");

/** `already`: what was gathered before the connection came here (the page's first script made it, head-start.ts), in order. */
export function holdCandidates(
  pc: RTCPeerConnection,
  already: readonly (RTCIceCandidateInit | null)[] = [],
): { release(onCandidate: CandidateOut): void; first: Promise<void> } {
  let kept: (RTCIceCandidateInit | null)[] = [...already];
  let gathered: () => void = () => {};
  /** The first candidate gathered (or the end of candidates, with none): an offer's SDP has it from then. */
  const first = new Promise<void>((resolve) => {
    gathered = resolve;
  });
  pc.onicecandidate = ({ candidate }) => {
    kept.push(asInit(candidate));
    gathered();
  };
  if (kept.length > 0) gathered();
  return {
    first,
    release(onCandidate) {
      pc.onicecandidate = ({ candidate }) => onCandidate(asInit(candidate));
      const held = kept;
      kept = [];
      for (const c of held) onCandidate(c);
    },
  };
}
