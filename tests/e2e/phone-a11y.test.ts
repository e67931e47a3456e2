/**
 * The first minute on phones and desktops: layout without horizontal scroll, touch targets,
 * taps through the whole join flow, an axe-core audit, and screenshots saved to artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { devices, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { button, launchBrowser, startApp, waitForNewFrames, waitForStatus, type AppServer, expectAttribute } from "./harness.ts";
import { ARTIFACTS, axeViolations, noHorizontalScroll, smallTargets } from "./layout.ts";

let app: AppServer;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const VIEWPORTS: Record<string, BrowserContextOptions> = {
  pixel: devices["Pixel 7"]!,
  iphone: devices["iPhone 14"]!,
  desktop: { viewport: { width: 1280, height: 800 } },
};

async function person(kind: string) {
  const context = await browser.newContext({ ...VIEWPORTS[kind], permissions: ["camera", "microphone"] });
  return { context, page: await context.newPage() };
}

/**
 * On phones the controls hide after a few seconds of a call, unfocusable while hidden, and come
 * back on a key press or a tap on the video.
 */
async function controlsStepAside(page: Page) {
  const dock = page.locator(".controls-dock");
  const mic = button(page, "Microphone");
  await mic.waitFor({ state: "hidden", timeout: 8_000 });
  expect(await dock.getAttribute("inert")).not.toBeNull();
  expect(
    await page.evaluate(() => {
      document.querySelector<HTMLButtonElement>(".controls button")?.focus();
      return document.activeElement?.closest(".controls") !== null;
    }),
  ).toBe(false);
  // A key brings them back; they stay while a control has keyboard focus.
  await page.keyboard.press("Tab");
  await mic.waitFor({ state: "visible", timeout: 1_000 });
  for (let i = 0; i < 10 && !(await mic.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  expect(await mic.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.waitForTimeout(5_000);
  expect(await mic.isVisible()).toBe(true);
  // Tapping the video moves focus away; then they hide again, and a tap brings them back.
  await page.locator(".stage").tap();
  await mic.waitFor({ state: "hidden", timeout: 8_000 });
  await page.locator(".stage").tap();
  await mic.waitFor({ state: "visible", timeout: 1_000 });
  expect(await dock.getAttribute("inert")).toBeNull();
}

for (const kind of ["pixel", "iphone", "desktop"]) {
  describe(`first minute on ${kind}`, () => {
    test("landing, waiting and in-call: taps only, no horizontal scroll, 44 px targets, no serious axe violations", async () => {
      const a = await person(kind);
      const b = await person(kind);
      const tap = (page: Page, name: string) => (kind === "desktop" ? button(page, name).click() : button(page, name).tap());
      await a.page.goto(app.url);
      await button(a.page, "New call").waitFor();
      await noHorizontalScroll(a.page);
      expect(await smallTargets(a.page)).toEqual([]);
      expect(await axeViolations(a.page)).toEqual([]);
      await a.page.screenshot({ path: `${ARTIFACTS}/${kind}-landing.png` });

      await tap(a.page, "New call");
      await waitForStatus(a.page, "Waiting for someone to join");
      await noHorizontalScroll(a.page);
      expect(await axeViolations(a.page)).toEqual([]);
      await a.page.screenshot({ path: `${ARTIFACTS}/${kind}-waiting.png` });

      const link = await a.page.getByRole("textbox", { name: "Call link" }).inputValue();
      // The person opening the link gets the pre-join screen: preview, microphone level, devices.
      await b.page.goto(link);
      await button(b.page, "Join").waitFor();
      await b.page.getByRole("meter", { name: "Microphone level" }).waitFor();
      await waitForNewFrames(b.page, "Your video", 3);
      await noHorizontalScroll(b.page);
      expect(await smallTargets(b.page)).toEqual([]);
      expect(await axeViolations(b.page)).toEqual([]);
      await b.page.screenshot({ path: `${ARTIFACTS}/${kind}-prejoin.png` });
      await tap(b.page, "Join");
      await waitForStatus(a.page, "Connected", 20_000);
      await waitForNewFrames(a.page, "Remote video", 5);
      await noHorizontalScroll(a.page);
      expect(await smallTargets(a.page)).toEqual([]);
      expect(await axeViolations(a.page)).toEqual([]);
      if (kind !== "desktop") await controlsStepAside(a.page);
      await tap(a.page, "Microphone");
      await expectAttribute(button(a.page, "Microphone"), "aria-pressed", "false");
      await a.page.screenshot({ path: `${ARTIFACTS}/${kind}-in-call.png` });
      await tap(a.page, "Leave");
      await waitForStatus(a.page, "Call ended");
      await a.context.close();
      await b.context.close();
    }, 60_000);
  });
}
