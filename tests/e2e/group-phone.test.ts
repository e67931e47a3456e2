/**
 * A group call's grid on a phone (390x844, touch), through a real Janus inside the network
 * namespace the test command makes (`bash scripts/netns.sh node_modules/.bin/bun test
 * tests/e2e/group-phone.test.ts`): every name reaches the phone, the last to come too. Upright,
 * with four others in two columns, the self view in any corner leaves every tile's Pin in reach
 * and every name in sight, and the bottom right tile's Pin pins that person at a tap. Held sideways
 * (844x390), the self view is no taller than a grid row and clear of every Pin and name in any
 * corner, and with someone pinned it leaves the strip's Pins to a tap; a laptop's window is as before.
 * Screenshots go to artifacts/screenshots/group-phone-*.png.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { groupSuite } from "./group-suite.ts";
import { button, expectAttribute, waitFor, newCall } from "./harness.ts";
import { ARTIFACTS, boxClashes, controlClashes } from "./layout.ts";

const ctx = groupSuite();
mkdirSync(ARTIFACTS, { recursive: true });

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
async function allInReach(page: Page, corner: string, shot = corner) {
  // The bars are back (focus is on the self view, so they stay) and have slid in.
  await page.keyboard.press("Shift");
  await Bun.sleep(400);
  expect(await page.locator(".local").getAttribute("data-corner")).toBe(corner);
  expect(await controlClashes(page)).toEqual([]);
  expect(await boxClashes(page, ".remote .pin, .remote .name-tag, .local")).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/group-phone-${shot}.png` });
}

/** The self view's box and the shown tiles' boxes, with whether each tile's Pin takes a tap at its middle. */
const boxes = (page: Page) =>
  page.evaluate(() => {
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { left: Math.round(r.left), top: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) };
    };
    const tiles = [...document.querySelectorAll(".tiles > .remote")].filter((t) => t.getBoundingClientRect().width > 0);
    return {
      self: box(document.querySelector(".local")!),
      tiles: tiles.map((t) => {
        const pin = t.querySelector(".pin");
        const r = pin?.getBoundingClientRect();
        return { ...box(t), place: t.className, pinHit: r ? pin!.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)) : null };
      }),
    };
  });

describe("a group call on a phone", () => {
  test("four others, each by name; upright, the self view in any corner leaves every Pin in reach and every name in sight, and the bottom right Pin pins at a tap; held sideways, the self view is no taller than a row and leaves every Pin in reach, someone pinned or not", async () => {
    const phone = await person(true);
    const others = await Promise.all([0, 1, 2, 3].map(() => person(false)));
    const names = ["Ada", "Bob", "Cleo", "Eve"];
    // Ada starts the call (no pre-join screen: the name her browser remembers).
    await others[0]!.context().addInitScript(() => localStorage.setItem("onelink.name", "Ada"));
    await others[0]!.goto(ctx.app.url);
    const link = await newCall(others[0]!);
    await joinAs(phone, link, "Dan");
    for (const [i, page] of others.entries()) if (i > 0) await joinAs(page, link, names[i]!);
    // Everyone on the phone's grid, by name: the last to come too. (Their name used to wait until
    // the phone's picture had reached them; on this loaded machine Eve stayed "Guest 5" in 2 runs.)
    await waitFor(
      () => phone.locator(".remote .name-tag").allTextContents(),
      (tags) => [...tags].sort().join() === names.join(),
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

    // Held sideways, four in two rows: the self view is no taller than a row, and in each corner
    // leaves every Pin and name in sight.
    await phone.setViewportSize({ width: 844, height: 390 });
    for (const [key, corner] of [
      ["ArrowDown", "bottom-right"],
      ["ArrowLeft", "bottom-left"],
      ["ArrowUp", "top-left"],
      ["ArrowRight", "top-right"],
    ] as const) {
      await phone.keyboard.press(key);
      await allInReach(phone, corner, `landscape-${corner}`);
      const { self, tiles } = await boxes(phone);
      expect(tiles).toHaveLength(4);
      for (const tile of tiles) expect(self.height).toBeLessThanOrEqual(tile.height);
    }
    // One person large: the self view in the bottom right corner leaves the strip's Pins to a tap.
    await phone.keyboard.press("ArrowDown");
    await phone.locator(".tiles > .remote").first().locator(".pin").tap({ timeout: 20_000 });
    await expectAttribute(phone.locator(".tiles"), "class", "tiles focused");
    await allInReach(phone, "bottom-right", "landscape-pinned");
    const strip = (await boxes(phone)).tiles.filter((t) => t.place.includes("strip"));
    expect(strip).toHaveLength(3);
    expect(strip.map((t) => t.pinHit)).toEqual([true, true, true]);

    // A laptop's window (1280x720) as before: the self view at its full width, clear of every Pin and name.
    await phone.setViewportSize({ width: 1280, height: 720 });
    await allInReach(phone, "bottom-right", "1280-pinned");
    await phone.locator(".remote.focus .pin").tap({ timeout: 20_000 });
    await expectAttribute(phone.locator(".tiles"), "class", "tiles");
    await allInReach(phone, "bottom-right", "1280");
    expect((await boxes(phone)).self.width).toBe(280);
  }, 240_000);
});
