/**
 * What a page costs while it waits alone in a call (issue 21: on the join bench's two cores A's
 * steady load competes with B's join; on a laptop it is battery), beside the join bench's floor
 * page waiting alone (bench/join/floor.html: camera and microphone open, a socket, nothing shown),
 * in one run, alternating. CPU ms per second from /proc, of this process's own Chromium only, by
 * process and, in the page's and the audio service's processes, by thread.
 *   node_modules/.bin/bun bench/idle/run.ts [--rounds 3] [--settle 3000] [--seconds 8]
 */
import { readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { newSecret } from "../../protocol/e2ee.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForStatus } from "../../tests/e2e/harness.ts";
import { startFloorServer } from "../join/floor.ts";
import { descendants, readProc, statFields } from "../proc.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    settle: { type: "string", default: "3000" },
    seconds: { type: "string", default: "8" },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const SECONDS = Math.max(1, Number(args.seconds));
const TICK_MS = 10; // USER_HZ 100

/** CPU ms so far: per process kind ("renderer", "gpu-process", "audio.mojom.AudioService", ...) and per "kind/thread". */
function sample(): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string, ms: number) => out.set(key, (out.get(key) ?? 0) + ms);
  for (const pid of descendants(process.pid)) {
    const cmd = readProc(`/proc/${pid}/cmdline`) ?? "";
    if (!cmd.includes("chromium")) continue; // the app's server is a child too
    const stat = readProc(`/proc/${pid}/stat`);
    if (!stat) continue;
    const kind =
      (/--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ?? /--type=([a-z-]+)/.exec(cmd)?.[1] ?? "browser") +
      (cmd.includes("top-chrome-webui") ? " (browser UI)" : "");
    const f = statFields(stat);
    add(kind, (Number(f[11]) + Number(f[12])) * TICK_MS);
    if (kind !== "renderer" && !kind.includes("Audio")) continue;
    for (const tid of tasksOf(pid)) {
      const t = readProc(`/proc/${pid}/task/${tid}/stat`);
      const comm = readProc(`/proc/${pid}/task/${tid}/comm`)?.trim() ?? "?";
      if (!t) continue;
      const tf = statFields(t);
      add(`${kind}/${tid === pid ? "main" : comm}`, (Number(tf[11]) + Number(tf[12])) * TICK_MS);
    }
  }
  return out;
}
function tasksOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return []; // gone meanwhile
  }
}

const app = await startApp();
const floor = await startFloorServer();
type Kind = "app" | "floor";
const runs: Record<Kind, Map<string, number>[]> = { app: [], floor: [] };

async function waitAlone(browser: Browser, kind: Kind) {
  const a = await newPerson(browser, kind === "app" ? app.url : floor.url);
  if (kind === "app") {
    await openCallLink(a.page, `${app.url}/c/${crypto.randomUUID()}#${newSecret()}`);
    await waitForStatus(a.page, "Waiting for someone to join");
  } else {
    await a.page.goto(`${floor.url}/?room=${crypto.randomUUID()}`);
    await a.page.waitForFunction(() => (window as unknown as { __floorReady?: boolean }).__floorReady === true, null, { timeout: 10_000 });
  }
}

try {
  for (let round = 0; round < ROUNDS; round++)
    for (const kind of (round % 2 ? ["floor", "app"] : ["app", "floor"]) as Kind[]) {
      // A browser of its own each time: nothing left over from the other's page counts.
      const browser = await launchBrowser();
      try {
        await waitAlone(browser, kind);
        await Bun.sleep(Number(args.settle));
        const before = sample();
        await Bun.sleep(SECONDS * 1000);
        const after = sample();
        const perSecond = new Map([...after].map(([k, ms]) => [k, (ms - (before.get(k) ?? 0)) / SECONDS]));
        let total = 0;
        for (const [k, v] of perSecond) if (!k.includes("/")) total += v;
        perSecond.set("TOTAL", total);
        runs[kind].push(perSecond);
        console.log(`round ${round + 1} ${kind}: ${total.toFixed(0)} ms CPU per s`);
      } finally {
        await browser.close();
      }
    }
} finally {
  app.stop();
  floor.stop();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const keys = [...new Set([...runs.app, ...runs.floor].flatMap((m) => [...m.keys()]))].sort((a, b) =>
  a === "TOTAL" ? -1 : b === "TOTAL" ? 1 : a.localeCompare(b),
);
const med = (kind: Kind, key: string) => median(runs[kind].map((m) => m.get(key) ?? 0));
console.log(`\nA page waiting alone, CPU ms per second, median of ${ROUNDS} (${SECONDS} s each):`);
console.log(`  ${"".padEnd(52)} ${"app".padStart(6)} ${"floor".padStart(6)}`);
for (const key of keys) {
  const a = med("app", key);
  const f = med("floor", key);
  if (Math.max(a, f) < 3) continue;
  console.log(`  ${key.padEnd(52)} ${a.toFixed(0).padStart(6)} ${f.toFixed(0).padStart(6)}`);
}
console.log(`  app / floor = ${(med("app", "TOTAL") / med("floor", "TOTAL")).toFixed(2)}`);
process.exit(0);
