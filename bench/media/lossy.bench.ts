/**
 * A call over a lossy network (not a test). Both browsers reach each other only through Debian's
 * coturn on 127.0.0.1 (Relay only), and an nftables rule drops a random share of the UDP packets
 * sent to coturn's listening port, so every media packet crosses one lossy hop each way; nothing
 * else on the machine is touched. Needs root and Debian's nftables (`apt-get install nftables`).
 *
 * A clean call (the baseline) and a lossy one alternate in the same run. For each it reads what B
 * receives from A over a window: audio concealed by the decoder (the share of samples the
 * listener hears as made up), audio packets lost, video frames per second, height and freezes.
 *
 *   node_modules/.bin/bun bench/media/lossy.bench.ts [seconds=20] [--loss=10] [--runs=2]
 */
import type { Page } from "playwright-core";
import { startCoturn } from "../../tests/e2e/coturn.ts";
import { launchBrowser, newPerson, startApp, waitForNewFrames, waitForStatus, openCallLink } from "../../tests/e2e/harness.ts";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const seconds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20);
const loss = arg("loss", 10);
const runs = arg("runs", 2);

const sh = (cmd: string) => {
  const r = Bun.spawnSync(["bash", "-c", cmd], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd}: ${r.stderr.toString().trim()}`);
};

/** Random loss on UDP packets to `port` only (a table of its own, removed afterwards). */
const TABLE = "onelink_lossy_bench";
function impair(port: number) {
  unimpair();
  sh(`nft add table inet ${TABLE}`);
  sh(`nft add chain inet ${TABLE} out '{ type filter hook output priority 0; }'`);
  sh(`nft add rule inet ${TABLE} out udp dport ${port} numgen random mod 100 '<' ${loss} drop`);
}
const unimpair = () => sh(`nft delete table inet ${TABLE} 2>/dev/null || true`);

/** Spies on peer connections, with Relay only on (so coturn is the only path). */
const hook = () => {
  localStorage.setItem("onelink.relayOnly", "true");
  const pcs: RTCPeerConnection[] = [];
  Object.assign(window, { __pcs: pcs });
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

interface Reading {
  audioCodec: string;
  concealed: number;
  total: number;
  audioLost: number;
  audioReceived: number;
  frames: number;
  freezes: number;
  freezeS: number;
  height: number;
}
const read = (page: Page) =>
  page.evaluate(async () => {
    const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState === "connected").at(-1)!;
    const stats = await pc.getStats();
    const r = { audioCodec: "", concealed: 0, total: 0, audioLost: 0, audioReceived: 0, frames: 0, freezes: 0, freezeS: 0, height: 0 };
    stats.forEach((s) => {
      if (s.type !== "inbound-rtp") return;
      if (s.kind === "audio") {
        r.audioCodec = stats.get(s.codecId)?.mimeType ?? "";
        r.concealed = s.concealedSamples ?? 0;
        r.total = s.totalSamplesReceived ?? 0;
        r.audioLost = s.packetsLost ?? 0;
        r.audioReceived = s.packetsReceived ?? 0;
      } else {
        r.frames = s.framesDecoded ?? 0;
        r.freezes = s.freezeCount ?? 0;
        r.freezeS = s.totalFreezesDuration ?? 0;
        r.height = s.frameHeight ?? 0;
      }
    });
    return r;
  }) as Promise<Reading>;

const secret = crypto.randomUUID();
const coturn = await startCoturn(secret);
const app = await startApp({ TURN_URLS: coturn.url, TURN_SECRET: secret, TURN_TTL_S: "600" });
const browser = await launchBrowser();
type Variant = "clean" | "lossy";
const results: Record<Variant, { concealedPct: number; lostPct: number; fps: number; freezes: number; freezeS: number; height: number; codec: string }[]> = { clean: [], lossy: [] };
try {
  for (let run = 0; run < runs; run++) {
    for (const variant of ["clean", "lossy"] as const) {
      if (variant === "lossy") impair(coturn.port);
      else unimpair();
      const a = await newPerson(browser, app.url);
      const b = await newPerson(browser, app.url);
      await a.context.addInitScript(hook);
      await b.context.addInitScript(hook);
      const room = crypto.randomUUID();
      await openCallLink(a.page, `${app.url}/c/${room}`);
      await waitForStatus(a.page, "Waiting for someone to join");
      await openCallLink(b.page, `${app.url}/c/${room}`);
      await waitForStatus(b.page, "Connected", 30_000);
      await waitForNewFrames(b.page, "Remote video", 5, 30_000);
      await Bun.sleep(3000); // past the start
      const r0 = await read(b.page);
      await Bun.sleep(seconds * 1000);
      const r1 = await read(b.page);
      const concealedPct = (100 * (r1.concealed - r0.concealed)) / Math.max(1, r1.total - r0.total);
      const sent = r1.audioReceived - r0.audioReceived + (r1.audioLost - r0.audioLost);
      const lostPct = (100 * (r1.audioLost - r0.audioLost)) / Math.max(1, sent);
      const row = { concealedPct, lostPct, fps: (r1.frames - r0.frames) / seconds, freezes: r1.freezes - r0.freezes, freezeS: r1.freezeS - r0.freezeS, height: r1.height, codec: r1.audioCodec };
      results[variant].push(row);
      console.log(`  ${variant.padEnd(10)} run ${run + 1}: audio ${row.codec}, concealed ${concealedPct.toFixed(2)}% of samples, audio packets lost ${lostPct.toFixed(1)}%, video ${row.fps.toFixed(1)} fps at ${row.height}p, ${row.freezes} freezes (${row.freezeS.toFixed(1)} s)`);
      await a.context.close();
      await b.context.close();
    }
  }
} finally {
  unimpair();
  await browser.close();
  await app.stop();
  await coturn.stop();
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const m = (v: Variant, key: "concealedPct" | "fps" | "freezes") => median(results[v].map((r) => r[key]));
console.log(`\n${loss}% loss on each relay hop against none, ${seconds} s windows, medians of ${runs} run(s)`);
console.log(`audio concealed: lossy ${m("lossy", "concealedPct").toFixed(2)}% vs clean ${m("clean", "concealedPct").toFixed(2)}% of samples`);
console.log(`video: lossy ${m("lossy", "fps").toFixed(1)} fps vs clean ${m("clean", "fps").toFixed(1)} fps (ratio ${(m("lossy", "fps") / Math.max(0.001, m("clean", "fps"))).toFixed(2)}), freezes ${m("lossy", "freezes")} vs ${m("clean", "freezes")}`);
