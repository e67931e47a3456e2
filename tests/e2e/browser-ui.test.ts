/**
 * The test browser's own windows start none of Chromium's UI pages (harness.ts CHROMIUM_ARGS): a
 * headless context is a window, and each window started a renderer for the address bar's popup,
 * ~1.7 s of CPU on these 2 cores while a test (or bench/join) was measuring. A Chromium that
 * renames the features brings them back; this says so.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "./harness.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

test("new windows (contexts) start no browser UI page, only the pages a test opens", async () => {
  for (let i = 0; i < 2; i++) await (await browser.newContext()).newPage();
  const cdp = await browser.newBrowserCDPSession();
  // A UI page is made as its window opens; a little time for one that would come a moment later.
  await Bun.sleep(300);
  const { targetInfos } = (await cdp.send("Target.getTargets")) as { targetInfos: { type: string; url: string }[] };
  expect(targetInfos.filter((t) => t.url.startsWith("chrome://")).map((t) => t.url)).toEqual([]);
  expect(targetInfos.filter((t) => t.type === "page")).toHaveLength(2);
});
