/**
 * A camera's first frames (rtp-tuning.ts senderSync): sent at the start size with its resolution
 * kept, so the encoder does not drop them to come down to a smaller size; fluid video (the size may
 * come down) once frames have flowed for a while. A shared screen always keeps its resolution.
 */
import { describe, expect, test } from "bun:test";
import { senderSync } from "../../machines/transport/rtp-tuning.ts";

function fakeSender(kind: "audio" | "video", settings: { height: number }, contentHint = "") {
  const track = { id: `${kind}-1`, kind, contentHint, getSettings: () => settings };
  const set: RTCRtpSendParameters[] = [];
  let params = { encodings: [{}], degradationPreference: undefined } as unknown as RTCRtpSendParameters;
  const sender = {
    track,
    getParameters: () => structuredClone(params),
    setParameters: async (p: RTCRtpSendParameters) => {
      params = p;
      set.push(structuredClone(p));
    },
  };
  return { sender, set };
}

const statsAt = (ms: number, frames: number) =>
  new Map([
    ["o", { type: "outbound-rtp", kind: "video", bytesSent: frames * 1000, framesEncoded: frames, totalEncodeTime: frames * 0.005, timestamp: ms }],
  ]) as unknown as RTCStatsReport;

const settle = () => new Promise((r) => setTimeout(r, 5));

describe("a camera's start (senderSync)", () => {
  test("kept at its start size while it starts, then free to trade resolution for frame rate", async () => {
    const cam = fakeSender("video", { height: 1080 });
    const pc = { signalingState: "stable", getSenders: () => [cam.sender], getTransceivers: () => [] } as unknown as RTCPeerConnection;
    const sync = senderSync(pc, null, ["video/VP8"]);
    sync.tracksAdded({ codecs: "none" });
    await settle();
    expect(cam.set.at(-1)?.degradationPreference).toBe("maintain-resolution");
    expect(cam.set.at(-1)?.encodings[0]?.scaleResolutionDownBy).toBe(3); // 1080p goes out at 360p first
    sync.observe(statsAt(10_000, 5));
    sync.observe(statsAt(11_200, 30)); // frames have flowed for more than START_MS
    await settle();
    expect(cam.set.at(-1)?.degradationPreference).toBe("maintain-framerate");
    expect(cam.set.at(-1)?.encodings[0]?.scaleResolutionDownBy).toBe(1);
  });

  test("a shared screen keeps its resolution from start to end", async () => {
    const screen = fakeSender("video", { height: 1080 }, "detail");
    const pc = { signalingState: "stable", getSenders: () => [screen.sender], getTransceivers: () => [] } as unknown as RTCPeerConnection;
    const sync = senderSync(pc, null, ["video/VP8"]);
    sync.tracksAdded({ codecs: "none" });
    sync.observe(statsAt(10_000, 5));
    sync.observe(statsAt(11_200, 30));
    await settle();
    expect(screen.set.length).toBeGreaterThan(1);
    expect(screen.set.every((p) => p.degradationPreference === "maintain-resolution")).toBe(true);
  });
});
