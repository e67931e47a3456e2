import { expect, test } from "bun:test";
import { AUDIO_ONLY_AFTER_MS, FLOW_POLL_MS, inboundOf, watchFlow } from "../../machines/transport/direct-flow.ts";

type Line = { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number };

/** A connection's stats as the test sets them; `reads` counts the reads. */
function statsOf(initial: Line[]) {
  const state = { lines: initial, reads: 0 };
  return { state, read: async () => (state.reads++, state.lines) };
}

test("inboundOf sums what arrived of each kind, and nothing else", () => {
  expect(
    inboundOf([
      { type: "inbound-rtp", kind: "video", framesDecoded: 2, packetsReceived: 40 },
      { type: "inbound-rtp", kind: "audio", packetsReceived: 9 },
      { type: "outbound-rtp", kind: "video", packetsReceived: 1000 },
    ]),
  ).toEqual({ framesDecoded: 2, videoPackets: 40, audioPackets: 9 });
});

test("a direct connection counts as flowing at its first decoded frame, not at its first video packet", async () => {
  const { state, read } = statsOf([{ type: "inbound-rtp", kind: "video", framesDecoded: 0, packetsReceived: 30 }]);
  let flowing = 0;
  watchFlow(read, () => flowing++);
  await Bun.sleep(FLOW_POLL_MS * 3);
  expect(state.reads).toBeGreaterThan(1);
  expect(flowing).toBe(0);
  state.lines = [{ type: "inbound-rtp", kind: "video", framesDecoded: 1, packetsReceived: 31 }];
  await Bun.sleep(FLOW_POLL_MS * 2);
  expect(flowing).toBe(1);
  // Once: no more reads after.
  const reads = state.reads;
  await Bun.sleep(FLOW_POLL_MS * 2);
  expect(state.reads).toBe(reads);
  expect(flowing).toBe(1);
});

test("someone who sends no picture flows once their audio has arrived for a while with no video packet; a stopped watch reads no more", async () => {
  const { state, read } = statsOf([{ type: "inbound-rtp", kind: "audio", packetsReceived: 5 }]);
  let flowing = 0;
  watchFlow(read, () => flowing++);
  await Bun.sleep(AUDIO_ONLY_AFTER_MS / 2);
  expect(flowing).toBe(0);
  await Bun.sleep(AUDIO_ONLY_AFTER_MS / 2 + FLOW_POLL_MS * 3);
  expect(flowing).toBe(1);

  const other = statsOf([]);
  const stop = watchFlow(other.read, () => flowing++);
  await Bun.sleep(FLOW_POLL_MS * 2);
  stop();
  const reads = other.state.reads;
  expect(reads).toBeGreaterThan(0);
  await Bun.sleep(FLOW_POLL_MS * 3);
  expect(other.state.reads).toBe(reads);
});
