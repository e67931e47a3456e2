/**
 * Which browser calls hold a page's main thread while B joins A (issue 21): every method and setter
 * of the WebRTC and media interfaces is wrapped in both pages and timed (a synchronous call into
 * WebRTC waits for its threads); those that held the thread at least --min ms are kept. Per run: how
 * many of each were kept from Join to the first frame (--min 0: every call), and, with --min above 0,
 * each one with its time from B's navigation. The wrapping costs a little itself: read the times as a
 * trace's, not as run.ts's.
 *   node_modules/.bin/bun bench/join/blocking.ts [--min 2] [--runs 3]
 */
import { parseArgs } from "node:util";
import { newSecret } from "../../protocol/e2ee.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForStatus } from "../../tests/e2e/harness.ts";
import { firstFrameShown, probe } from "./probe.ts";

const { values: args } = parseArgs({ options: { min: { type: "string", default: "2" }, runs: { type: "string", default: "3" } } });

/** Runs in the page: wraps the prototypes' methods and setters, keeping the slow calls in `__blocking`. */
function wrapAll(min: number) {
  const slow: { at: number; name: string; ms: number }[] = [];
  Object.assign(window, { __blocking: slow });
  const names = [
    "RTCPeerConnection",
    "RTCRtpSender",
    "RTCRtpReceiver",
    "RTCRtpTransceiver",
    "RTCDataChannel",
    "MediaStreamTrack",
    "MediaStream",
    "HTMLMediaElement",
    "MediaDevices",
    "AudioContext",
    "BaseAudioContext",
  ];
  for (const n of names) {
    const proto = (window as unknown as Record<string, { prototype: object } | undefined>)[n]?.prototype;
    if (!proto) continue;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (!d || key === "constructor") continue;
      const timed = <F extends (...a: unknown[]) => unknown>(f: F, label: string) =>
        function (this: unknown, ...a: unknown[]) {
          const t = performance.now();
          try {
            return f.apply(this, a);
          } finally {
            const ms = performance.now() - t;
            if (ms >= min) slow.push({ at: Math.round(t), name: label, ms: Math.round(ms * 10) / 10 });
          }
        };
      if (typeof d.value === "function") Object.defineProperty(proto, key, { ...d, value: timed(d.value, `${n}.${key}`) });
      else if (d.set) Object.defineProperty(proto, key, { ...d, set: timed(d.set, `${n}.${key}=`) });
    }
  }
  const PC = RTCPeerConnection;
  const Wrapped = function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    const pc = new (PC as unknown as new (...x: unknown[]) => RTCPeerConnection)(...a);
    const ms = performance.now() - t;
    if (ms >= min) slow.push({ at: Math.round(t), name: "new RTCPeerConnection", ms: Math.round(ms * 10) / 10 });
    return pc;
  } as unknown as typeof RTCPeerConnection;
  Wrapped.prototype = PC.prototype;
  Object.setPrototypeOf(Wrapped, PC);
  Object.assign(window, { RTCPeerConnection: Wrapped });
}

interface Call {
  /** ms from the page's own navigation. */
  at: number;
  name: string;
  ms: number;
}
const recorded = (page: import("playwright-core").Page) =>
  page.evaluate(() => ({ origin: performance.timeOrigin, calls: (window as unknown as { __blocking: Call[] }).__blocking }));

const app = await startApp({});
const browser = await launchBrowser();
try {
  for (let run = 0; run < Number(args.runs); run++) {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, app.url);
    await a.context.addInitScript(wrapAll, Number(args.min));
    await b.context.addInitScript(wrapAll, Number(args.min));
    await b.context.addInitScript(probe);
    const link = `${app.url}/c/${crypto.randomUUID()}#${newSecret()}`;
    await openCallLink(a.page, link);
    await waitForStatus(a.page, "Waiting for someone to join");
    // A returning visitor, as run.ts's warm variant (its earlier visit lasting 3 s past the worker's start).
    await b.page.goto(`${app.url}/`);
    await b.page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 3_000))]));
    await Bun.sleep(3_000);
    const shown = firstFrameShown(b.page, 20_000);
    await b.page.goto(link);
    await shown;
    const marks = await b.page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name.replace(/^(ol|bench):/, ""), Math.round(m.startTime)])),
    );
    const bSide = await recorded(b.page);
    const aSide = await recorded(a.page);
    // A's calls on B's clock, from B's navigation on.
    const aCalls = aSide.calls.map((c) => ({ ...c, at: Math.round(c.at + aSide.origin - bSide.origin) })).filter((c) => c.at >= 0);
    const [from, to] = [marks.join ?? 0, marks["first frame"] ?? Number.POSITIVE_INFINITY];
    const counted = (calls: Call[]) => {
      const n = new Map<string, number>();
      for (const c of calls) if (c.at >= from && c.at <= to) n.set(c.name, (n.get(c.name) ?? 0) + 1);
      return [...n]
        .sort((p, q) => q[1] - p[1])
        .map(([name, k]) => `${name}×${k}`)
        .join(" ");
    };
    const slow = (calls: Call[]) =>
      calls
        .filter((c) => c.ms >= Number(args.min) && Number(args.min) > 0)
        .map((c) => `${c.at} ${c.name} ${c.ms}`)
        .join("; ");
    console.log(
      `run ${run + 1}: ${Object.entries(marks)
        .map(([n, at]) => `${n} ${at}`)
        .join(", ")}`,
    );
    console.log(`  B, calls Join -> first frame: ${counted(bSide.calls)}`);
    console.log(`  A, calls Join -> first frame: ${counted(aCalls)}`);
    if (Number(args.min) > 0) {
      console.log(`  B, calls of ${args.min} ms or more: ${slow(bSide.calls)}`);
      console.log(`  A, calls of ${args.min} ms or more: ${slow(aCalls)}`);
    }
    await a.context.close();
    await b.context.close();
  }
} finally {
  await browser.close();
  await app.stop();
}
