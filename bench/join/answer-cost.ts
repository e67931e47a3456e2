/**
 * What an answer costs the browser (issue 21): in one page, an offerer made as the app's joiner
 * makes its offer (data channels, tracks), and answerers of several kinds apply it and answer,
 * one after another, interleaved; each step timed on the page's clock (median ms of --runs).
 *   node_modules/.bin/bun bench/join/answer-cost.ts [--runs 15]
 */
import { parseArgs } from "node:util";
import { launchBrowser, newPerson } from "../../tests/e2e/harness.ts";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const RUNS = Number(args.runs);

const server = Bun.serve({ port: 0, fetch: () => new Response("<!doctype html><title>answer cost</title>", { headers: { "content-type": "text/html" } }) });
const browser = await launchBrowser();
try {
  const { page } = await newPerson(browser, `http://127.0.0.1:${server.port}`);
  await page.goto(`http://127.0.0.1:${server.port}/`);
  const result = await page.evaluate(async (runs) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
    const channels = (pc: RTCPeerConnection) => {
      pc.createDataChannel("control", { negotiated: true, id: 0 });
      pc.createDataChannel("chat", { negotiated: true, id: 1 });
      pc.createDataChannel("draw", { negotiated: true, id: 2 });
    };
    const offerer = async () => {
      const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
      channels(pc);
      for (const t of stream.getTracks()) pc.addTrack(t, stream);
      await pc.setLocalDescription();
      return pc;
    };
    type Kind = "bare" | "channels" | "spare" | "spare+params" | "spare+codecs";
    const kinds: Kind[] = ["bare", "channels", "spare", "spare+params", "spare+codecs"];
    const times: Record<string, number[]> = {};
    const note = (k: string, ms: number) => (times[k] ??= []).push(ms);
    for (let i = 0; i < runs; i++) {
      for (const kind of kinds) {
        const b = await offerer();
        // Made ahead (not timed) for the spare kinds; at the offer (timed) for the others.
        const make = () => {
          const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
          if (kind !== "bare") channels(pc);
          if (kind.startsWith("spare")) for (const t of stream.getTracks()) pc.addTrack(t, stream);
          if (kind === "spare+codecs")
            for (const t of pc.getTransceivers()) {
              const caps = RTCRtpReceiver.getCapabilities(t.receiver.track.kind)!.codecs;
              t.setCodecPreferences(caps);
            }
          return pc;
        };
        const ahead = kind.startsWith("spare") ? make() : null;
        await new Promise((r) => setTimeout(r, 30));
        const t0 = performance.now();
        const a = ahead ?? make();
        const t1 = performance.now();
        await a.setRemoteDescription(b.localDescription!);
        const t2 = performance.now();
        if (!kind.startsWith("spare")) for (const t of stream.getTracks()) a.addTrack(t, stream);
        if (kind === "spare+params")
          for (const s of a.getSenders()) {
            const p = s.getParameters();
            if (p.encodings?.length) void s.setParameters(p);
          }
        const t3 = performance.now();
        await a.setLocalDescription();
        const t4 = performance.now();
        await b.setRemoteDescription(a.localDescription!);
        const t5 = performance.now();
        note(`${kind} make`, t1 - t0);
        note(`${kind} SRD(offer)`, t2 - t1);
        note(`${kind} tracks`, t3 - t2);
        note(`${kind} SLD(answer)`, t4 - t3);
        note(`${kind} offer->answer set`, t4 - t0);
        note(`${kind} joiner SRD(answer)`, t5 - t4);
        a.close();
        b.close();
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    return Object.entries(times).map(([k, v]) => `${k.padEnd(32)} ${median(v).toFixed(1).padStart(6)} ms`);
  }, RUNS);
  console.log(result.join("\n"));
} finally {
  await browser.close();
  server.stop();
}
