/**
 * A noise suppression pipeline made while nobody hears us (waiting alone) runs for a while before
 * it sleeps, its output not yet on the track, so that V8 optimizes RNNoise then and not in the
 * call's first second (machines/media/denoise.ts DENOISE_WARM_MS, issue 21). On a fake Web Audio:
 * what matters here is when the context runs and when the worklet feeds the track we send.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { denoiseMic } from "../../machines/media/denoise.ts";

const WARM_MS = 40;
const log: string[] = [];
const dest = { stream: { getAudioTracks: () => [{ kind: "audio", enabled: true, stop() {} }] } };

class FakeContext {
  state = "suspended";
  audioWorklet = { addModule: async () => {} };
  async resume() {
    log.push("resume");
    this.state = "running";
  }
  async suspend() {
    log.push("suspend");
    this.state = "suspended";
  }
  async close() {}
  createMediaStreamSource() {
    return { connect: (n: unknown) => n, disconnect() {} };
  }
  createMediaStreamDestination() {
    return dest;
  }
}
class FakeNode {
  port = { postMessage() {} };
  connect(to: unknown) {
    if (to === dest) log.push("to track");
    return to;
  }
  disconnect() {}
}

const g = globalThis as Record<string, unknown>;
const saved: Record<string, unknown> = {};
const stubs = { AudioContext: FakeContext, AudioWorkletNode: FakeNode, MediaStream: class {} };
let compileStreaming: typeof WebAssembly.compileStreaming;
let fetchWas: typeof fetch;

beforeEach(() => {
  log.length = 0;
  for (const [k, v] of Object.entries(stubs)) {
    saved[k] = g[k];
    g[k] = v;
  }
  compileStreaming = WebAssembly.compileStreaming;
  WebAssembly.compileStreaming = (async () => ({}) as WebAssembly.Module) as typeof WebAssembly.compileStreaming;
  fetchWas = globalThis.fetch;
  globalThis.fetch = (async () => new Response("")) as unknown as typeof fetch;
});
afterEach(() => {
  for (const k of Object.keys(stubs)) g[k] = saved[k];
  WebAssembly.compileStreaming = compileStreaming;
  globalThis.fetch = fetchWas;
});

const raw = { kind: "audio", enabled: true } as unknown as MediaStreamTrack;

describe("a pipeline made while nobody hears us", () => {
  test("runs with its track silent, then sleeps and feeds the track", async () => {
    const mic = await denoiseMic(raw, true, false, async () => {}, WARM_MS);
    expect(log).toEqual(["resume"]);
    await Bun.sleep(WARM_MS + 30);
    expect(log).toEqual(["resume", "to track", "suspend"]);
    mic.setHeard(true);
    await Bun.sleep(1);
    expect(log).toEqual(["resume", "to track", "suspend", "resume"]);
    mic.stop();
  });

  test("heard while it warms: the track is fed at once and it keeps running", async () => {
    const mic = await denoiseMic(raw, true, false, async () => {}, WARM_MS);
    mic.setHeard(true);
    expect(log).toEqual(["resume", "to track", "resume"]);
    await Bun.sleep(WARM_MS + 30);
    expect(log.filter((e) => e === "suspend")).toEqual([]);
    mic.stop();
  });

  test("stopped while it warms: nothing happens after", async () => {
    const mic = await denoiseMic(raw, true, false, async () => {}, WARM_MS);
    mic.stop();
    await Bun.sleep(WARM_MS + 30);
    expect(log).toEqual(["resume"]);
  });
});

test("a pipeline made heard feeds the track and runs, with no warm-up to end", async () => {
  const mic = await denoiseMic(raw, true, true, async () => {}, WARM_MS);
  expect(log).toEqual(["to track", "resume"]);
  await Bun.sleep(WARM_MS + 30);
  expect(log).toEqual(["to track", "resume"]);
  mic.stop();
});
