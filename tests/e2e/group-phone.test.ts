/**
 * A group call's grid on an upright phone (390x844, touch), through a real Janus inside the
 * network namespace the test command makes (`bash scripts/netns.sh node_modules/.bin/bun test
 * tests/e2e/group-phone.test.ts`): with four others in two columns, the self view in any corner
 * leaves every tile's Pin in reach and every name in sight, and the bottom right tile's Pin pins
 * that person at a tap. Screenshots go to artifacts/screenshots/group-phone-*.png.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import type { RunningJanus } from "../../scripts/janus.ts";
import { startTestJanus } from "../helpers/janus.ts";
import { type AppServer, button, expectAttribute, launchBrowser, startApp, waitFor, waitForStatus } from "./harness.ts";
import { ARTIFACTS, boxClashes, controlClashes } from "./layout.ts";

const ctx = {} as { app: AppServer; browser: Browser; janus: RunningJanus };
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
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

/** Someone with a small camera (five pages share the machine), on a phone or a small window. */
async function person(phone: boolean) {
  const context = await ctx.browser.newContext({
    permissions: ["camera", "microphone"],
    ...(phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 480, height: 360 } }),
  });
  await context.addInitScript(() => localStorage.setItem("onelink.media", JSON.stringify({ width: 320, height: 180, frameRate: 15 })));
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  return page;
}

async function joinAs(page: Page, link: string, name: string) {
  await page.goto(link, { timeout: 60_000 });
  await page.getByRole("textbox", { name: "Your name", exact: true }).fill(name);
  await button(page, "Join").click();
}

/** The phone's grid as a person sees it: no control covered or over another, no name or Pin under the self view. */
async function allInReach(page: Page, corner: string) {
  // The bars are back (focus is on the self view, so they stay) and have slid in.
  await page.keyboard.press("Shift");
  await Bun.sleep(400);
  expect(await page.locator(".local").getAttribute("data-corner")).toBe(corner);
  expect(await controlClashes(page)).toEqual([]);
  expect(await boxClashes(page, ".remote .pin, .remote .name-tag, .local")).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/group-phone-${corner}.png` });
}

describe("a group call on an upright phone", () => {
  test("four others in two columns: the self view in any corner leaves every Pin in reach and every name in sight; the bottom right Pin pins at a tap", async () => {
    const phone = await person(true);
    const others = await Promise.all([0, 1, 2, 3].map(() => person(false)));
    const names = ["Ada", "Bob", "Cleo", "Eve"];
    // Ada starts the call (no pre-join screen: the name her browser remembers).
    await others[0]!.context().addInitScript(() => localStorage.setItem("onelink.name", "Ada"));
    await others[0]!.goto(ctx.app.url);
    await button(others[0]!, "New call").click();
    await waitForStatus(others[0]!, "Waiting for someone to join");
    const link = await others[0]!.getByRole("textbox", { name: "Call link" }).inputValue();
    await joinAs(phone, link, "Dan");
    for (const [i, page] of others.entries()) if (i > 0) await joinAs(page, link, names[i]!);
    // Everyone on the phone's grid (a tile's Pin is named for its person, or for their guest label
    // until their name reaches the phone: names are not what this test is about).
    await waitFor(
      () => phone.locator(".remote .pin").count(),
      (n) => n === 4,
      60_000,
    );

    const self = phone.getByRole("group", { name: /^Self view/ });
    await self.focus();
    await allInReach(phone, "bottom-right");
    // The tile under the self view's corner: its Pin takes a tap, and that person is large. (A page
    // decoding four pictures on a loaded machine may take seconds to answer a tap.)
    await phone.locator(".tiles > .remote").last().locator(".pin").tap({ timeout: 20_000 });
    await expectAttribute(phone.locator(".tiles"), "class", "tiles focused");
    expect(await phone.locator(".tiles > .remote").last().getAttribute("class")).toContain("focus");
    await phone.locator(".remote.focus .pin").tap({ timeout: 20_000 });
    await expectAttribute(phone.locator(".tiles"), "class", "tiles");

    await self.focus();
    for (const [key, corner] of [
      ["ArrowLeft", "bottom-left"],
      ["ArrowUp", "top-left"],
      ["ArrowRight", "top-right"],
    ] as const) {
      await phone.keyboard.press(key);
      await allInReach(phone, corner);
    }
  }, 240_000);
});
