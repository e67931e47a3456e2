/**
 * bench/join/cpu.ts: the CPU the bench's Chromium spends over a stretch, read from /proc, by kind
 * of process and thread; only Chromium's (not the bench's own, nor the machine's).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { cpuBetween, sampleCpu, threadDifferences } from "../bench/join/cpu.ts";
import { launchBrowser } from "./e2e/harness.ts";

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setContent("<p>busy</p>");
});
afterAll(() => browser.close());

/** Keeps this (the test's) thread on a CPU for `ms`. */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
};

test("a page's busy stretch is counted in its renderer, and the stretch's wall time with it", async () => {
  const idleBefore = sampleCpu();
  await Bun.sleep(400);
  const idle = cpuBetween(idleBefore, sampleCpu());

  const before = sampleCpu();
  await page.evaluate(() => {
    const end = performance.now() + 400;
    let n = 0;
    while (performance.now() < end) n++;
    return n;
  });
  const busy = cpuBetween(before, sampleCpu());

  expect(busy.wall).toBeGreaterThanOrEqual(400);
  expect(busy.byKind.renderer).toBeGreaterThan(100);
  expect(busy.byKind.renderer).toBeGreaterThan(3 * idle.byKind.renderer);
  expect(busy.run).toBeGreaterThanOrEqual(busy.byKind.renderer);
  // By thread: the renderer's main thread (named as its process) ran the loop; the threads add up to the whole.
  const [top] = threadDifferences([idle], [busy], 1);
  expect(top?.thread.startsWith("renderer ")).toBe(true);
  expect(top!.other - top!.base).toBeGreaterThan(100);
  expect(Object.values(busy.byThread).reduce((a, b) => a + b, 0)).toBeCloseTo(busy.run, 3);
});

test("the bench's own work is not the browser's", () => {
  const before = sampleCpu();
  spin(300);
  const spent = cpuBetween(before, sampleCpu());
  // The browser sat idle meanwhile (a blank page): far from the 300 ms this thread spent.
  expect(spent.run).toBeLessThan(150);
  expect(spent.wall).toBeGreaterThanOrEqual(300);
});
