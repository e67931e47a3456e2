/**
 * Group calls through a real Janus, inside the network namespace the test command makes
 * (Janus's ICE skips loopback): three people on one link see each other through the SFU.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { type AppServer, button, launchBrowser, newPerson, openCallLink, startApp, waitFor, waitForStatus } from "./harness.ts";

const ctx = {} as { app: AppServer; browser: Browser };

beforeAll(async () => {
  const url = process.env.SFU_URLS ?? "";
  if (!url) throw new Error("group tests need a Janus: SFU_URLS and SFU_SECRET");
  ctx.app = await startApp({ SFU_URLS: url, SFU_SECRET: process.env.SFU_SECRET ?? "" });
  ctx.browser = await launchBrowser();
});
afterAll(async () => {
  await ctx.browser?.close();
  await ctx.app?.stop();
});

/** Frames each remote video decodes over `ms`, in page order. */
function remoteFrameCounts(page: Page, ms = 1500): Promise<number[]> {
  return page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        const videos = [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')];
        const counts = videos.map(() => 0);
        let done = false;
        videos.forEach((v, i) => {
          const tick = () => {
            if (done) return;
            counts[i]!++;
            v.requestVideoFrameCallback(tick);
          };
          v.requestVideoFrameCallback(tick);
        });
        setTimeout(() => {
          done = true;
          resolve(counts);
        }, ms);
      }),
    ms,
  );
}

/** Waits until the page shows `n` remote videos, every one of them advancing. */
const seesMoving = (page: Page, n: number, timeout = 30_000) =>
  waitFor(
    () => remoteFrameCounts(page),
    (counts) => counts.length === n && counts.every((c) => c >= 3),
    timeout,
  );

describe("group call through the media server", () => {
  test("three people on one link each see the two others' video", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    const c = await newPerson(ctx.browser, ctx.app.url);
    await a.page.goto(ctx.app.url);
    await button(a.page, "New call").click();
    await waitForStatus(a.page, "Waiting for someone to join");
    const link = await a.page.getByRole("textbox", { name: "Call link" }).inputValue();
    await openCallLink(b.page, link);
    await waitForStatus(b.page, "Connected", 20_000);
    await seesMoving(b.page, 1);

    await openCallLink(c.page, link);
    const counts = await Promise.all([a, b, c].map((p) => seesMoving(p.page, 2, 40_000)));
    console.log("frames per remote video in 1.5 s:", JSON.stringify(counts));
    for (const row of counts) expect(row.length).toBe(2);
    // Every page's media goes through the media server now: no direct connection is left.
    for (const p of [a, b, c]) {
      const direct = await p.page.evaluate(() => document.querySelectorAll('video[aria-label^="Remote video"]').length);
      expect(direct).toBe(2);
    }
    await Promise.all([a, b, c].map((p) => p.context.close()));
  }, 120_000);
});
