/**
 * A call over a lossy network (not a test): a random share of the UDP packets arriving on the
 * loopback interface is dropped (an nftables rule on the input hook, so senders do not know,
 * as on a real lossy link; only the browsers' media uses UDP here). Two variants alternate in
 * the same run: the app as it is, and the app with plain Opus put first for audio (no RED), the
 * baseline. For each it reads what B receives from A over a window: the share of audio samples
 * the decoder had to make up (concealed), audio packets lost, video frame rate, NACKs and freezes.
 * Needs root and Debian's nftables (`apt-get install nftables`); the rule is removed afterwards.
 *
 *   node_modules/.bin/bun bench/media/lossy.bench.ts [seconds=15] [--loss=10] [--runs=3]
 */
import type { Page } from "playwright-core";
import { launchBrowser, newPerson, recordPeerConnections, startApp, waitForNewFrames, waitForStatus, openCallLink } from "../../tests/e2e/harness.ts";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const seconds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 15);
const loss = arg("loss", 10);
const runs = arg("runs", 3);

const TABLE = "onelink_lossy_bench";
const sh = (cmd: string) => {
  const r = Bun.spawnSync(["bash", "-c", cmd], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd}: ${r.stderr.toString().trim()}`);
};
const unimpair = () => sh(`nft delete table inet ${TABLE} 2>/dev/null || true`);
function impair() {
  unimpair();
  sh(`nft add table inet ${TABLE}`);
  sh(`nft add chain inet ${TABLE} in '{ type filter hook input priority 0; }'`);
  sh(`nft add rule inet ${TABLE} in iif lo meta l4proto udp numgen random mod 100 '<' ${loss} drop`);
}

type Variant = "app" | "opus-first";

/** The baseline: plain Opus put before RED for audio before every description (an init script). */
const opusFirst = () => {
  const Native = window.RTCPeerConnection;
  const original = Native.prototype.setLocalDescription as (this: RTCPeerConnection, ...args: unknown[]) => Promise<void>;
  (Native.prototype as unknown as { setLocalDescription: typeof original }).setLocalDescription = function (this: RTCPeerConnection, ...args: unknown[]) {
    const codecs = RTCRtpReceiver.getCapabilities("audio")?.codecs ?? [];
    const rank = (c: RTCRtpCodec) => (/opus/i.test(c.mimeType) ? 0 : /red/i.test(c.mimeType) ? 1 : 2);
    for (const t of this.getTransceivers()) {
      if (t.receiver.track.kind === "audio" && t.currentDirection !== "stopped") t.setCodecPreferences([...codecs].sort((x, y) => rank(x) - rank(y)));
    }
    return original.apply(this, args);
  };
};

const read = (page: Page) =>
  page.evaluate(async () => {
    const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState === "connected").at(-1)!;
    const r = { audioLost: 0, audioReceived: 0, concealed: 0, samples: 0, frames: 0, videoLost: 0, nacks: 0, freezes: 0, height: 0, first: "" };
    const sdp = pc.localDescription?.sdp ?? "";
    const pt = /m=audio \S+ \S+ (\d+)/.exec(sdp)?.[1];
    r.first = (pt && new RegExp(`a=rtpmap:${pt} ([^/]+)/`).exec(sdp)?.[1]) || "";
    (await pc.getStats()).forEach((s) => {
      if (s.type !== "inbound-rtp") return;
      if (s.kind === "audio")
        Object.assign(r, { audioLost: s.packetsLost, audioReceived: s.packetsReceived, concealed: s.concealedSamples, samples: s.totalSamplesReceived });
      else Object.assign(r, { frames: s.framesDecoded, videoLost: s.packetsLost, nacks: s.nackCount, freezes: s.freezeCount, height: s.frameHeight });
    });
    return r;
  });

const app = await startApp();
const browser = await launchBrowser();
const concealed: Record<Variant, number[]> = { app: [], "opus-first": [] };
try {
  for (let run = 1; run <= runs; run++) {
    for (const variant of ["opus-first", "app"] as const) {
      const people = await Promise.all([0, 1].map(() => newPerson(browser, app.url)));
      for (const p of people) {
        await p.context.addInitScript(recordPeerConnections);
        if (variant === "opus-first") await p.context.addInitScript(opusFirst);
      }
      const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
      const room = crypto.randomUUID();
      await openCallLink(a.page, `${app.url}/c/${room}`);
      await waitForStatus(a.page, "Waiting for someone to join");
      await openCallLink(b.page, `${app.url}/c/${room}`);
      await waitForStatus(b.page, "Connected", 30_000);
      await waitForNewFrames(b.page, "Remote video", 5, 30_000);
      impair();
      await Bun.sleep(2000);
      const r0 = await read(b.page);
      await Bun.sleep(seconds * 1000);
      const r1 = await read(b.page);
      unimpair();
      const pct = (part: number, whole: number) => (100 * part) / Math.max(1, whole);
      const audioLost = r1.audioLost - r0.audioLost;
      const concealedPct = pct(r1.concealed - r0.concealed, r1.samples - r0.samples);
      concealed[variant].push(concealedPct);
      console.log(
        `  ${variant.padEnd(10)} run ${run}: audio ${r1.first} first, ${pct(audioLost, audioLost + r1.audioReceived - r0.audioReceived).toFixed(1)}% of packets lost, ` +
          `${concealedPct.toFixed(2)}% of samples concealed; video ${((r1.frames - r0.frames) / seconds).toFixed(1)} fps at ${r1.height}p, ` +
          `${r1.videoLost - r0.videoLost} packets lost, ${r1.nacks - r0.nacks} NACKs, ${r1.freezes - r0.freezes} freezes`,
      );
      await Promise.all(people.map((p) => p.context.close()));
    }
  }
} finally {
  unimpair();
  await browser.close();
  await app.stop();
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const ours = median(concealed.app);
const base = median(concealed["opus-first"]);
console.log(`\n${loss}% of packets lost on the way in, ${seconds} s windows, medians of ${runs} runs`);
console.log(`audio concealed: app ${ours.toFixed(2)}% vs plain Opus ${base.toFixed(2)}% of samples, ratio ${(ours / Math.max(0.001, base)).toFixed(2)}`);
