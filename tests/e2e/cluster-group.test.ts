/**
 * A group call whose three members are on three different nodes sharing one Redis, with one Janus
 * (inside the namespace of scripts/netns.sh): every page sees the two others through the media
 * server, their nodes having sent them to the same Janus room; each of them is viewed only from
 * other nodes, whose viewers' choices of layer reach it (dynacast across nodes).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import type { RunningJanus } from "../../scripts/janus.ts";
import { JanusSession } from "../../signal-server/sfu/janus.ts";
import { Redis } from "../helpers/cluster.ts";
import { startTestJanus } from "../helpers/janus.ts";
import { type AppServer, button, launchBrowser, layersSent, newPerson, recordPeerConnections, waitForMoving, startApp, waitFor, newCall } from "./harness.ts";

let browser: Browser;
let redis: Redis;
let janus: RunningJanus;
let nodes: AppServer[] = [];
beforeAll(async () => {
  redis = await Redis.start();
  janus = await startTestJanus({ rtpPorts: "20600-20699" });
  const env = { REDIS_URL: redis.url, SFU_URLS: janus.url, SFU_SECRET: janus.secret };
  nodes = [await startApp(env), await startApp(env), await startApp(env)];
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const n of nodes) await n.stop();
  await janus?.stop();
  await redis?.down();
});

async function publishersIn(room: string): Promise<number> {
  const session = await JanusSession.open(janus.url, janus.secret);
  try {
    const handle = await session.attach();
    const list = await handle.request({ request: "listparticipants", room });
    return (list.participants as { publisher: boolean }[]).filter((p) => p.publisher).length;
  } finally {
    session.close();
  }
}

test("three people on three nodes: a group call through one Janus, everyone sees everyone, and nobody's high layer is sent to a grid", async () => {
  const people = await Promise.all(nodes.map((n) => newPerson(browser, n.url)));
  // Cameras at 540p (layers 960, 480 and 240 px wide): a grid tile of about 545 px asks for the middle one.
  for (const p of people) {
    await p.context.addInitScript(recordPeerConnections);
    await p.context.addInitScript(() => localStorage.setItem("onelink.media", JSON.stringify({ width: 960, height: 540, frameRate: 15 })));
  }
  try {
    const [a, b, c] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    await a.page.goto(nodes[0]!.url);
    const link = await newCall(a.page);
    const path = link.slice(link.indexOf("/c/"));
    // The same call, each through another node (a first visit to that origin: a slow machine may
    // take a while to load everything, the call starts once the page is there).
    for (const [p, n] of [
      [b, nodes[1]!],
      [c, nodes[2]!],
    ] as const) {
      await p.page.goto(`${n.url}${path}`, { waitUntil: "domcontentloaded", timeout: 90_000 });
      await button(p.page, "Join").click({ timeout: 60_000 });
    }
    // Each sees the two others moving: 3 new frames on each (counted, not a rate over a window).
    for (const p of [a, b, c]) await waitForMoving(p.page, 2, 60_000);
    const room = decodeURIComponent(path.slice(3).split("#")[0]!);
    expect(await publishersIn(room)).toBe(3);
    // Each node has one of them.
    for (const n of nodes) expect(((await (await fetch(`${n.url}/healthz`)).json()) as { connected: number }).connected).toBe(1);
    // Everyone sees the two others in grid tiles, each viewer on another node than the person it
    // sees: their choices reach each publisher's node, whose high layer stops (a few seconds after the grid settles).
    for (const [name, p] of [
      ["a", a],
      ["b", b],
      ["c", c],
    ] as const) {
      const sent = await waitFor(
        () => layersSent(p.page, 1000),
        (l) => l.h?.bytes === 0 && (l.m?.bytes ?? 0) > 0 && (l.l?.bytes ?? 0) > 0,
        30_000,
      );
      console.log(`${name}'s layers sent in 1 s, seen in grids on the two other nodes:`, JSON.stringify(sent));
      expect(sent.h!.active).toBe(false);
    }
  } finally {
    for (const p of people) await p.context.close();
  }
}, 150_000);
