/**
 * The call screen on every width, from a 320 px phone to a laptop, portrait and landscape: the
 * primary controls in one row, all visible, none over another, no horizontal scroll, axe clean, the
 * invite never over the self view;
 * in each state: waiting alone, in a call, the other's camera off (their initials), More open,
 * chat open, after Leave (Rejoin, Home and the call's length), and the codes of a call without
 * a server. Screenshots of each state go to artifacts/screenshots/screen-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { button, isUncovered, launchBrowser, startApp, waitForStatus, type AppServer } from "./harness.ts";
import { ARTIFACTS, axeViolations, boxClashes, controlClashes, noHorizontalScroll } from "./layout.ts";

const PRIMARY = ["Microphone", "Camera", "Chat", "Share screen", "More", "Leave"];

const phone = { isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SCREENS: Record<string, BrowserContextOptions> = {
  "320": { viewport: { width: 320, height: 640 }, ...phone },
  "390": { viewport: { width: 390, height: 844 }, ...phone },
  "844-landscape": { viewport: { width: 844, height: 390 }, ...phone },
  "768": { viewport: { width: 768, height: 1024 }, ...phone },
  "1024": { viewport: { width: 1024, height: 768 } },
  "1280": { viewport: { width: 1280, height: 800 } },
};

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

async function person(options: BrowserContextOptions) {
  const context = await browser.newContext({ ...options, permissions: ["camera", "microphone"] });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  return { context, page };
}

/**
 * On phones the controls step aside after a few seconds; a key brings them back, and they stay
 * while one of them has keyboard focus, however slow the machine is.
 */
async function showControls(page: Page) {
  const inDock = () => page.evaluate(() => document.activeElement?.closest(".controls-dock") != null);
  for (let i = 0; i < 20 && !(await inDock()); i++) await page.keyboard.press("Tab");
  expect(await inDock()).toBe(true);
  await button(page, "Leave").waitFor({ timeout: 2_000 });
}

/** Every primary control visible, whole and in one row. */
async function primaryControlsShown(page: Page) {
  await showControls(page);
  await page.waitForTimeout(300); // the bars' slide back in
  const boxes = [];
  for (const name of PRIMARY) {
    const control = button(page, name);
    expect(await control.isVisible()).toBe(true);
    boxes.push((await control.boundingBox())!);
  }
  for (const r of boxes)
    expect(r.x >= 0 && r.y >= 0 && r.x + r.width <= page.viewportSize()!.width && r.y + r.height <= page.viewportSize()!.height).toBe(true);
  const tops = boxes.map((r) => Math.round(r.y));
  expect(Math.max(...tops) - Math.min(...tops)).toBeLessThanOrEqual(2);
}

/** The checks every state must pass, then its screenshot. */
async function looksRight(page: Page, shot: string, sheet?: string) {
  await noHorizontalScroll(page);
  expect(await controlClashes(page, sheet)).toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/screen-${shot}.png` });
}

describe("the call screen", () => {
  for (const [size, options] of Object.entries(SCREENS)) {
    test(`at ${size}: one row of controls while waiting, in a call, camera off, with the chat and More open, after Leave, and with serverless codes`, async () => {
      const a = await person(options);
      const b = await person(options);
      try {
        await a.page.goto(app.url);
        await button(a.page, "New call").click();
        await waitForStatus(a.page, "Waiting for someone to join");
        await primaryControlsShown(a.page);
        // The invite and the self view side by side or one above the other, never one over the other.
        expect(await boxClashes(a.page, ".link-panel, .local")).toEqual([]);
        await looksRight(a.page, `${size}-waiting`);
        const link = await a.page.getByRole("textbox", { name: "Call link" }).inputValue();
        await b.page.goto(link);
        await button(b.page, "Join").click();
        await waitForStatus(a.page, "Connected", 40_000);

        await primaryControlsShown(a.page);
        await looksRight(a.page, `${size}-in-call`);

        // Their camera off: their initials, and the labels apart.
        await showControls(b.page);
        await button(b.page, "Camera").click();
        await a.page.locator(".remote .avatar-circle").waitFor({ timeout: 10_000 });
        await primaryControlsShown(a.page);
        expect(await boxClashes(a.page, ".remote .flag, .remote .name-tag, .local, .quality")).toEqual([]);
        await looksRight(a.page, `${size}-camera-off`);

        // The chat: beside the stage on wide screens, over it on phones; the controls stay.
        await button(a.page, "Chat").click();
        await a.page
          .getByRole("textbox", { name: /message/i })
          .first()
          .waitFor();
        await primaryControlsShown(a.page);
        await looksRight(a.page, `${size}-chat`);
        await button(a.page, "Chat").click();
        await a.page
          .getByRole("textbox", { name: /message/i })
          .first()
          .waitFor({ state: "hidden" });

        // More: opens with focus inside, its controls whole and apart, Escape closes it.
        await button(a.page, "More").click();
        const people = button(a.page, "People");
        await people.waitFor();
        expect(await a.page.evaluate(() => document.activeElement?.closest(".more-menu") !== null)).toBe(true);
        // On phones it is a sheet over the controls, which are out of reach meanwhile.
        await looksRight(a.page, `${size}-more`, ".more-menu");
        await a.page.keyboard.press("Escape");
        await people.waitFor({ state: "hidden" });

        // Leave: the other side may stay; this side gets Rejoin, Home and how long the call was.
        await showControls(a.page);
        await button(a.page, "Leave").click();
        await button(a.page, "Rejoin").waitFor();
        await button(a.page, "Home").waitFor();
        await a.page.getByText(/^Call length \d+:\d\d$/).waitFor();
        expect(await a.page.getByRole("navigation", { name: "Call controls" }).count()).toBe(0);
        await looksRight(a.page, `${size}-ended`);
        await button(b.page, "Stay").waitFor();
        await showControls(b.page);
        await looksRight(b.page, `${size}-they-left`);

        // A call without a server: the offer code, its QR whole and clear of the self view.
        await button(a.page, "Home").click();
        await button(a.page, "Call without a server…").click();
        await button(a.page, "Create an offer code").click();
        await waitForStatus(a.page, "Share this offer code", 20_000);
        const qr = a.page.getByRole("img", { name: "QR code of the offer code" });
        await qr.scrollIntoViewIfNeeded();
        expect(await isUncovered(qr)).toBe(true);
        if (options.viewport!.width >= 700) expect(await boxClashes(a.page, ".serverless-panel, .local")).toEqual([]);
        await primaryControlsShown(a.page);
        await looksRight(a.page, `${size}-serverless`);
      } finally {
        await a.context.close();
        await b.context.close();
      }
    }, 120_000);
  }
});
