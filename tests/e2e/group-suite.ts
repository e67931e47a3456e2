/**
 * What a file of group-call tests runs beside: a real Janus (its ICE inside the network namespace
 * the test command makes: `bash scripts/netns.sh node_modules/.bin/bun test FILE`), the app's server
 * using it, and one browser. Each test's people are gone after it: a test that failed midway would
 * leave its pages in a call, loading the machine (and its media server) under every later test.
 */
import { afterAll, afterEach, beforeAll } from "bun:test";
import type { Browser } from "playwright-core";
import type { RunningJanus } from "../../scripts/janus.ts";
import { startTestJanus } from "../helpers/janus.ts";
import { TestClient } from "../helpers/ws-client.ts";
import { type AppServer, launchBrowser, startApp } from "./harness.ts";

export interface GroupSuite {
  app: AppServer;
  browser: Browser;
  janus: RunningJanus;
}

/** The quiet peers (quietPeers) of the test running: gone after it, as its pages are. */
const quiet: TestClient[] = [];

/** Starts them before the file's tests and stops them after; filled in once the tests run. */
export function groupSuite(): GroupSuite {
  const ctx = {} as GroupSuite;
  beforeAll(async () => {
    ctx.janus = await startTestJanus();
    ctx.app = await startApp({ SFU_URLS: ctx.janus.url, SFU_SECRET: ctx.janus.secret });
    ctx.browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const c of quiet.splice(0)) c.close();
    await Promise.all((ctx.browser?.contexts() ?? []).map((c) => c.close().catch(() => {})));
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.app?.stop();
    await ctx.janus?.stop();
  });
  return ctx;
}

/**
 * `n` people joining the call at `link` with no browser and no media: real members of the room
 * (the server tells everyone of them; a page draws each a tile with a Pin and a name, their
 * initials for a picture), each a protocol client answering nothing else, so a test of the stage's
 * layout with many people costs one page instead of one each. They go after the test; one leaves
 * sooner by sending `{ type: "leave" }`.
 */
export async function quietPeers(ctx: GroupSuite, link: string, n: number): Promise<TestClient[]> {
  const room = decodeURIComponent(new URL(link).pathname.split("/").pop() ?? "");
  const clients: TestClient[] = [];
  for (let i = 0; i < n; i++) {
    const client = new TestClient(`ws://127.0.0.1:${ctx.app.port}/ws`);
    clients.push(client);
    quiet.push(client);
    await client.opened(10_000);
    client.send({ type: "join", room });
    await client.next("joined", 10_000);
  }
  return clients;
}
