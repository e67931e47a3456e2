/**
 * Time to first remote frame on loopback: a fresh join (B opens the link) against a rejoin
 * (B reloads mid-call), measured alternately in the same run and reported as medians and a ratio.
 * With --rtt=MS, B reaches the app (page and signaling) through a proxy that adds that round
 * trip, as a visitor far from the server would, and with --kbps=N over a line of that speed;
 * media between the browsers stays direct. --cold makes B a first-time visitor (nothing cached).
 *   node_modules/.bin/bun bench/call/join.bench.ts [runs=7] [--rtt=100] [--kbps=10000] [--cold]
 */
import { launchBrowser, newPerson, startApp, waitForNewFrames, waitForStatus, openCallLink } from "../../tests/e2e/harness.ts";
import { startLatencyProxy } from "./latency-proxy.ts";

const args = process.argv.slice(2);
const runs = Number(args.find((a) => !a.startsWith("--")) ?? 7);
const rtt = Number(args.find((a) => a.startsWith("--rtt="))?.slice(6) ?? 0);
const kbps = Number(args.find((a) => a.startsWith("--kbps="))?.slice(7) ?? 0);
const cold = args.includes("--cold");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const app = await startApp();
const proxy = rtt > 0 || kbps > 0 ? await startLatencyProxy(app.port, rtt, kbps) : null;
/** Where B finds the app: directly, or through the proxy (localhost, a secure context like 127.0.0.1). */
const bOrigin = proxy ? `http://localhost:${proxy.port}` : app.url;
const browser = await launchBrowser();
const fresh: number[] = [];
const rejoin: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, bOrigin);
    const room = crypto.randomUUID();
    await openCallLink(a.page, `${app.url}/c/${room}`);
    await waitForStatus(a.page, "Waiting for someone to join");
    // Warm the HTTP cache as a returning visitor would have it, so both timings compare calls, not
    // downloads (unless --cold: a first visit, which is what a shared link usually is).
    if (!cold) await b.page.goto(bOrigin);

    let t = performance.now();
    await openCallLink(b.page, `${bOrigin}/c/${room}`);
    await waitForNewFrames(b.page, "Remote video", 1, 20_000);
    fresh.push(performance.now() - t);
    await waitForNewFrames(a.page, "Remote video", 5);

    t = performance.now();
    await b.page.reload();
    await waitForNewFrames(b.page, "Remote video", 1, 20_000);
    rejoin.push(performance.now() - t);
    await a.context.close();
    await b.context.close();
  }
} finally {
  await browser.close();
  proxy?.stop();
  await app.stop();
}
const f = median(fresh);
const r = median(rejoin);
console.log(
  `runs: ${runs}${rtt ? `, B ${rtt} ms round trip from the server` : ""}${kbps ? ` over ${kbps} kbit/s` : ""}${cold ? ", first visit (empty cache)" : ""}`,
);
console.log(`fresh join -> first remote frame: median ${f.toFixed(0)} ms  [${fresh.map((x) => x.toFixed(0)).join(", ")}]`);
console.log(`reload     -> first remote frame: median ${r.toFixed(0)} ms  [${rejoin.map((x) => x.toFixed(0)).join(", ")}]`);
console.log(`rejoin / fresh = ${(r / f).toFixed(2)} (target <= 1.3, and rejoin <= 1000 ms)`);
