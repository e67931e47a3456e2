/**
 * Two browsers on two nodes sharing one Redis: a call across nodes, then the node of one of them
 * killed mid-call. Its page reconnects through the same address (a loopback TCP forwarder standing
 * in for the load balancer: the first live node takes each connection), lands on the other node,
 * takes its seat back, and the call goes on.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { Redis, startForwarder } from "../helpers/cluster.ts";
import { launchBrowser, newPerson, openCallLink, startApp, waitForNewFrames, waitForStatus, type AppServer } from "./harness.ts";

let browser: Browser;
let redis: Redis;
beforeAll(async () => {
  redis = await Redis.start();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await redis?.down();
});

async function bothSeeEachOther(a: Page, b: Page, timeout = 20_000) {
  await Promise.all([waitForStatus(a, "Connected", timeout), waitForStatus(b, "Connected", timeout)]);
  await Promise.all([waitForNewFrames(a, "Remote video", 10, timeout), waitForNewFrames(b, "Remote video", 10, timeout)]);
}

test("a call across two nodes survives the death of one: the page re-registers through the other", async () => {
  const env = { REDIS_URL: redis.url };
  const first: AppServer = await startApp(env);
  const second: AppServer = await startApp(env);
  let alive = [first.port, second.port];
  const lb = await startForwarder(() => alive);
  const origin = `http://127.0.0.1:${lb.port}`;
  const a = await newPerson(browser, origin);
  const b = await newPerson(browser, second.url);
  try {
    const room = crypto.randomUUID();
    await openCallLink(a.page, `${origin}/c/${room}`); // through the forwarder: on `first`
    await waitForStatus(a.page, "Waiting for someone to join");
    await openCallLink(b.page, `${second.url}/c/${room}`); // straight to `second`
    await bothSeeEachOther(a.page, b.page);
    const before = (await (await fetch(`${second.url}/healthz`)).json()) as { connected: number };
    expect(before.connected).toBe(1); // a's socket is on the other node

    await first.stop("SIGKILL");
    alive = [second.port];
    // Media is peer to peer: frames keep flowing while a's node is gone.
    await Promise.all([waitForNewFrames(a.page, "Remote video", 30), waitForNewFrames(b.page, "Remote video", 30)]);
    // a's page reconnects to the same address, lands on `second` and takes its seat back.
    const deadline = Date.now() + 20_000;
    let connected = 0;
    while (Date.now() < deadline && connected < 2) {
      connected = ((await (await fetch(`${second.url}/healthz`)).json()) as { connected: number }).connected;
      if (connected < 2) await Bun.sleep(100);
    }
    expect(connected).toBe(2);
    await a.page.getByText("Signaling offline").waitFor({ state: "detached", timeout: 20_000 });
    expect(await a.page.getByRole("status").first().innerText()).toStartWith("Connected");
    // Signaling works again across the one node left: b reloads and the call is made anew.
    await b.page.reload();
    await bothSeeEachOther(a.page, b.page);
  } finally {
    await a.context.close();
    await b.context.close();
    lb.close();
    await first.stop("SIGKILL").catch(() => {});
    await second.stop();
  }
}, 90_000);
