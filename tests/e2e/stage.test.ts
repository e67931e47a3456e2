/**
 * The call stage on a phone (390x844, touch) and a laptop (1280x800): a camera turned off shows
 * the person's initials with a muted badge (ours too, a person icon without a name); the tile's
 * labels, the drawing panel and the quality pill never overlap; the self view is dragged to the
 * top left and snaps there, moves with the arrow keys and with "Move self view", and never covers
 * the controls; on the phone the top bar and the controls hide together and come back together.
 * Screenshots go to artifacts/screenshots/stage-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { button, launchBrowser, moreButton, startApp, waitFor, waitForStatus, type AppServer } from "./harness.ts";
import { ARTIFACTS, boxClashes, boxOf } from "./layout.ts";

const SCREENS: Record<string, BrowserContextOptions> = {
  "390": { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  "1280": { viewport: { width: 1280, height: 800 } },
};
/** What a tile and the stage say: none of these may lie over another (nor the self view over them). */
const LABELS = ".remote .flag, .remote .name-tag, .local, .local .flag, .draw-panel, .quality";

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

async function person(options: BrowserContextOptions, name?: string) {
  const context = await browser.newContext({ ...options, permissions: ["camera", "microphone"] });
  if (name) await context.addInitScript((n) => localStorage.setItem("onelink.name", n), name);
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  return { context, page };
}

/** On phones the bars may have stepped aside: a key brings them back (auto-hide.ts). */
const wake = (page: Page) => page.keyboard.press("Shift");

const dockHidden = (page: Page) => page.evaluate(() => [".top-dock", ".controls-dock"].map((s) => document.querySelector(s)?.hasAttribute("inert") ?? null));

/** Drags from one point to another: a finger on touch screens (CDP touch events), else the mouse. */
async function drag(page: Page, touch: boolean, from: { x: number; y: number }, to: { x: number; y: number }) {
  const steps = 8;
  const at = (i: number) => ({ x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps });
  if (!touch) {
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) await page.mouse.move(at(i).x, at(i).y);
    await page.mouse.up();
    return;
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [from] });
  for (let i = 1; i <= steps; i++) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [at(i)] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

describe("the call stage", () => {
  for (const [size, options] of Object.entries(SCREENS)) {
    const touch = options.hasTouch === true;
    test(`at ${size}: camera off shows initials, labels apart, a self view that moves${touch ? ", bars that hide together" : ""}`, async () => {
      const a = await person(options);
      const b = await person(options, "Ada Lovelace");
      try {
        await a.page.goto(app.url);
        await button(a.page, "New call").click();
        await waitForStatus(a.page, "Waiting for someone to join");
        await b.page.goto(await a.page.getByRole("textbox", { name: "Call link" }).inputValue());
        await button(b.page, "Join").click();
        await waitForStatus(a.page, "Connected", 40_000);

        if (touch) {
          // Both bars step aside together, and come back together on a tap on the video and on a key.
          await waitFor(
            () => dockHidden(a.page),
            (v) => v[0] === true && v[1] === true,
            10_000,
          );
          await a.page.locator(".topbar").waitFor({ state: "hidden", timeout: 2_000 }); // after the slide away
          // Not while the finger is down: shown then, they would push what it touches down mid-tap.
          const tiles = (await boxOf(a.page, ".tiles"))!;
          const cdp = await a.context.newCDPSession(a.page);
          const at = [{ x: tiles.left + 60, y: tiles.top + 200 }];
          await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at });
          await Bun.sleep(400);
          expect(await dockHidden(a.page)).toEqual([true, true]);
          await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
          await waitFor(
            () => dockHidden(a.page),
            (v) => v[0] === false && v[1] === false,
            2_000,
          );
          await button(a.page, "Info").waitFor({ timeout: 2_000 });
          await button(a.page, "Leave").waitFor({ timeout: 2_000 });
          await waitFor(
            () => dockHidden(a.page),
            (v) => v[0] === true && v[1] === true,
            10_000,
          );
          await a.page.keyboard.press("Shift");
          await waitFor(
            () => dockHidden(a.page),
            (v) => v[0] === false && v[1] === false,
            2_000,
          );
        }

        // The self view, dragged towards the top left, snaps into that corner, clear of the controls.
        const stage = (await boxOf(a.page, ".stage"))!;
        const self = (await boxOf(a.page, ".local"))!;
        expect(self.right).toBeGreaterThan(stage.left + stage.width / 2); // starts at the bottom right
        await drag(
          a.page,
          touch,
          { x: self.left + self.width / 2, y: self.top + self.height / 2 },
          { x: stage.left + stage.width * 0.3, y: stage.top + stage.height * 0.3 },
        );
        expect(await a.page.locator(".local").getAttribute("data-corner")).toBe("top-left");
        // A touch brings the bars back and the stage shrinks as they slide in: the self view and the
        // stage are read together once that has settled.
        const [moved, stageNow] = await waitFor(
          async () => [(await boxOf(a.page, ".local"))!, (await boxOf(a.page, ".stage"))!] as const,
          ([m, st]) => m.top - st.top < 64 && m.left - st.left < 24,
          3_000,
        );
        expect(moved.top).toBeGreaterThanOrEqual(stageNow.top);
        expect(await a.page.evaluate(() => sessionStorage.getItem("onelink.selfCorner"))).toBe("top-left");
        // A drag far past the stage stays inside it: it never covers the controls.
        await drag(a.page, touch, { x: moved.left + moved.width / 2, y: moved.top + moved.height / 2 }, { x: moved.left + 40, y: stage.bottom + 300 });
        expect(await a.page.locator(".local").getAttribute("data-corner")).toBe("bottom-left");
        await wake(a.page);
        await button(a.page, "Leave").waitFor({ timeout: 2_000 });
        const [low, controls] = [(await boxOf(a.page, ".local"))!, (await boxOf(a.page, ".controls"))!];
        expect(low.bottom).toBeLessThanOrEqual(controls.top);
        // Keyboard: the focused self view moves with the arrow keys; More has Move self view.
        await a.page.locator(".local").focus();
        await a.page.keyboard.press("ArrowUp");
        expect(await a.page.locator(".local").getAttribute("data-corner")).toBe("top-left");
        await a.page.keyboard.press("ArrowRight");
        await a.page.keyboard.press("ArrowDown");
        expect(await a.page.locator(".local").getAttribute("data-corner")).toBe("bottom-right");
        await wake(a.page);
        await (await moreButton(a.page, "Move self view")).click();
        expect(await a.page.locator(".local").getAttribute("data-corner")).toBe("bottom-left");
        await wake(a.page);
        await (await moreButton(a.page, "Move self view")).click();
        await wake(a.page);
        await (await moreButton(a.page, "Move self view")).click();
        await wake(a.page);
        await (await moreButton(a.page, "Move self view")).click();
        expect(await a.page.locator(".local").getAttribute("data-corner")).toBe("bottom-right");

        // Ada turns her camera and microphone off: her initials, a muted badge, and labels in words.
        await wake(b.page);
        await button(b.page, "Microphone").click();
        await button(b.page, "Camera").click();
        await a.page.getByText("Their camera is off").waitFor({ timeout: 10_000 });
        await a.page.getByText("Their microphone is muted").waitFor({ timeout: 10_000 });
        expect(await a.page.locator(".remote .avatar-circle").innerText()).toBe("AL");
        await a.page.locator(".remote .avatar-mic").waitFor();
        // Hers on her own screen too, and ours (no name: a person icon).
        expect(await b.page.locator(".local .avatar-circle").innerText()).toBe("AL");
        await wake(a.page);
        await button(a.page, "Camera").click();
        await a.page.locator(".local .avatar-circle svg").waitFor();
        await a.page.locator(".local").getByText("Camera off").waitFor();

        // The drawing panel and the quality pill with them: nothing lies over anything else.
        await wake(a.page);
        await (await moreButton(a.page, "Draw")).click();
        await a.page.getByRole("region", { name: "Drawing" }).waitFor();
        await a.page.getByRole("img", { name: /Connection quality/ }).waitFor({ timeout: 20_000 });
        expect(await boxClashes(a.page, LABELS)).toEqual([]);
        await a.page.screenshot({ path: `${ARTIFACTS}/stage-${size}-camera-off.png` });
        await b.page.screenshot({ path: `${ARTIFACTS}/stage-${size}-self-off.png` });
      } catch (err) {
        await a.page.screenshot({ path: `${ARTIFACTS}/stage-${size}-failed.png` });
        throw err;
      } finally {
        await a.context.close();
        await b.context.close();
      }
    }, 120_000);
  }
});
