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
import { type AppServer, launchBrowser, startApp } from "./harness.ts";

export interface GroupSuite {
  app: AppServer;
  browser: Browser;
  janus: RunningJanus;
}

/** Starts them before the file's tests and stops them after; filled in once the tests run. */
export function groupSuite(): GroupSuite {
  const ctx = {} as GroupSuite;
  beforeAll(async () => {
    ctx.janus = await startTestJanus();
    ctx.app = await startApp({ SFU_URLS: ctx.janus.url, SFU_SECRET: ctx.janus.secret });
    ctx.browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all((ctx.browser?.contexts() ?? []).map((c) => c.close().catch(() => {})));
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.app?.stop();
    await ctx.janus?.stop();
  });
  return ctx;
}
