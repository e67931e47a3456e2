/**
 * Many people in a group call, and the self view still covers nobody's name or Pin: every Pin takes
 * a tap at its centre, nothing scrolls sideways. A phone held sideways (844x390, touch) with five,
 * six and eight others: a grid of three columns (narrow tiles, each Pin in its bottom corner) and
 * two rows (more than six page), where the self view has a column of its own in any corner; someone
 * pinned, the strip under them is full and the self view sits above it. A laptop (1280x720) with eight others: a grid of three columns,
 * then the speaker layout, one large over a strip of seven that reaches both corners, the self view
 * above the strip. Through a real Janus inside the network namespace the test command makes (`bash
 * scripts/netns.sh node_modules/.bin/bun test tests/e2e/group-strip.test.ts`); the others are quiet
 * peers (group-suite.ts): members of the room with no page and no media, so each test costs one page.
 * Screenshots go to artifacts/screenshots/group-strip-*.png. Also: one of the others leaving while
 * nobody's connection is up yet is not the end of the call (roster.ts roomView).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { BrowserContextOptions, Page } from "playwright-core";
import { groupSuite, quietPeers } from "./group-suite.ts";
import { button, expectAttribute, waitFor, waitForStatus, newCall } from "./harness.ts";
import { ARTIFACTS, boxClashes, controlClashes, noHorizontalScroll } from "./layout.ts";

const ctx = groupSuite();
mkdirSync(ARTIFACTS, { recursive: true });

const PHONE_SIDEWAYS: BrowserContextOptions = { viewport: { width: 844, height: 390 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const LAPTOP: BrowserContextOptions = { viewport: { width: 1280, height: 720 } };

/** A page that starts a call (a small camera) and returns it with the call's link. */
async function startCall(screen: BrowserContextOptions) {
  const context = await ctx.browser.newContext({ permissions: ["camera", "microphone"], ...screen });
  await context.addInitScript(() => {
    localStorage.setItem("onelink.media", JSON.stringify({ width: 320, height: 180, frameRate: 15 }));
    localStorage.setItem("onelink.name", "Dan");
  });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  await page.goto(ctx.app.url);
  return { page, link: await newCall(page) };
}

/** Waits until the stage shows `n` tiles, each with its Pin. */
const tilesWithPins = (page: Page, n: number) =>
  waitFor(
    () =>
      page.evaluate(
        () => [...document.querySelectorAll(".tiles > .remote")].filter((t) => t.getBoundingClientRect().width > 0 && t.querySelector(".pin")).length,
      ),
    (shown) => shown === n,
    30_000,
  );

/** Each shown tile: where it is (grid, focus, strip) and whether its Pin takes a tap at its centre. */
const pins = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".tiles > .remote")]
      .filter((t) => t.getBoundingClientRect().width > 0)
      .map((t) => {
        const pin = t.querySelector(".pin");
        const r = pin?.getBoundingClientRect();
        const hit = r ? pin!.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)) : false;
        return `${["grid", "focus", "strip"].find((place) => t.classList.contains(place))} ${hit ? "in reach" : "covered"}`;
      })
      .sort(),
  );

/**
 * The self view in `corner` (moved there by the arrow keys, focus on it, so the bars stay): no
 * control covered or over another, no name or Pin under the self view or over another, every
 * tile's Pin in reach, nothing scrolling sideways.
 */
async function nobodyCovered(page: Page, corner: string, shot: string, tiles: string[]) {
  await page.getByRole("group", { name: /^Self view/ }).focus();
  await page.keyboard.press(corner.startsWith("top") ? "ArrowUp" : "ArrowDown");
  await page.keyboard.press(corner.endsWith("left") ? "ArrowLeft" : "ArrowRight");
  await page.keyboard.press("Shift");
  // The bars are back and have slid in: two frames for the styles to change, then no transition still running.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"), null, { timeout: 5_000 });
  expect(await page.locator(".local").getAttribute("data-corner")).toBe(corner);
  await page.screenshot({ path: `${ARTIFACTS}/group-strip-${shot}-${corner}.png` });
  expect(await pins(page)).toEqual(tiles);
  expect(await controlClashes(page)).toEqual([]);
  expect(await boxClashes(page, ".remote .pin, .remote .name-tag, .local")).toEqual([]);
  await noHorizontalScroll(page);
}

const CORNERS = ["bottom-right", "bottom-left", "top-left", "top-right"];
const inReach = (place: string, n: number) => Array.from({ length: n }, () => `${place} in reach`);

describe("many people in a group call", () => {
  test("a phone held sideways with five, six and eight others: in a grid of three columns the self view in any corner covers no name and no Pin; with someone pinned, none in the full strip either", async () => {
    const { page, link } = await startCall(PHONE_SIDEWAYS);
    // Five in two rows of three: the bottom row has an empty cell at the right; the bottom left
    // tile's Pin is in the very corner the self view takes there (a narrow tile's Pin moves to the left).
    await quietPeers(ctx, link, 5);
    await tilesWithPins(page, 5);
    for (const corner of CORNERS) await nobodyCovered(page, corner, "sideways-5", inReach("grid", 5));

    // Six: the bottom right tile's Pin is in the bottom right corner.
    await quietPeers(ctx, link, 1);
    await tilesWithPins(page, 6);
    for (const corner of CORNERS) await nobodyCovered(page, corner, "sideways-6", inReach("grid", 6));
    // The self view back in the bottom right corner: the tile there pins that person at a tap on its Pin.
    await nobodyCovered(page, "bottom-right", "sideways-6", inReach("grid", 6));
    await page.locator(".tiles > .remote").nth(5).locator(".pin").tap({ timeout: 20_000 });
    await expectAttribute(page.locator(".tiles"), "class", "tiles focused");
    await page.locator(".remote.focus .pin").tap({ timeout: 20_000 });
    await expectAttribute(page.locator(".tiles"), "class", "tiles");

    // Eight: still two rows of three (a third row would be too short for a Pin below the layout
    // tools), and a pager beside the layout button.
    await quietPeers(ctx, link, 2);
    await waitFor(
      () => page.getByRole("navigation", { name: "Pages of people" }).textContent(),
      (text) => text?.includes("1 / 2") ?? false,
      30_000,
    );
    await tilesWithPins(page, 6);
    for (const corner of CORNERS) await nobodyCovered(page, corner, "sideways-8", inReach("grid", 6));

    // Someone pinned: a strip of four (844 px) under them, full, reaching both bottom corners (the
    // other three on its next page).
    await page.locator(".tiles > .remote").first().locator(".pin").tap({ timeout: 20_000 });
    await expectAttribute(page.locator(".tiles"), "class", "tiles focused");
    for (const corner of CORNERS.slice(0, 2)) await nobodyCovered(page, corner, "sideways-8-pinned", [...inReach("focus", 1), ...inReach("strip", 4)]);
  }, 180_000);

  test("a laptop with eight others: in a grid of three columns, and in the speaker layout's full strip of seven, the self view in any corner covers no name and no Pin", async () => {
    const { page, link } = await startCall(LAPTOP);
    await quietPeers(ctx, link, 8);
    await tilesWithPins(page, 8);
    for (const corner of CORNERS) await nobodyCovered(page, corner, "laptop-8", inReach("grid", 8));

    // The speaker layout: nobody has spoken, so the first to come is large; the seven others fill the strip.
    await button(page, "Speaker layout").click();
    await expectAttribute(page.locator(".tiles"), "class", "tiles focused");
    for (const corner of CORNERS) await nobodyCovered(page, corner, "laptop-8-strip", [...inReach("focus", 1), ...inReach("strip", 7)]);
  }, 120_000);

  test("a laptop with two, three and four others (a grid of two columns): the self view in any corner covers no name and no Pin", async () => {
    const { page, link } = await startCall(LAPTOP);
    // Two come at once (a group of three), then one at a time.
    for (const others of [2, 3, 4]) {
      await quietPeers(ctx, link, others === 2 ? 2 : 1);
      await tilesWithPins(page, others);
      for (const corner of CORNERS) await nobodyCovered(page, corner, `laptop-${others}`, inReach("grid", others));
    }
    // The chat open beside the stage: a narrower grid (its tiles' Pins 11 px under the self view, once).
    await button(page, "Chat").click();
    await page.getByRole("textbox", { name: /message/i }).waitFor({ timeout: 10_000 });
    for (const corner of CORNERS) await nobodyCovered(page, corner, "laptop-4-chat", inReach("grid", 4));
    // A smaller laptop (a few px under the self view once, even without the chat), the chat open then closed.
    await page.setViewportSize({ width: 1024, height: 640 });
    for (const corner of CORNERS) await nobodyCovered(page, corner, "small-laptop-4-chat", inReach("grid", 4));
    await button(page, "Chat").click();
    await page.getByRole("textbox", { name: /message/i }).waitFor({ state: "hidden", timeout: 10_000 });
    for (const corner of CORNERS) await nobodyCovered(page, corner, "small-laptop-4", inReach("grid", 4));
  }, 120_000);

  test("one of the others leaving while nobody's connection is up yet: their tile goes and the call goes on; the last leaving ends it", async () => {
    const { page, link } = await startCall(LAPTOP);
    // Quiet peers send no media: to the page they are still connecting, as a group joining is.
    const others = await quietPeers(ctx, link, 3);
    await tilesWithPins(page, 3);
    const status = () => page.locator("p.status").innerText();
    const before = await status();
    others[0]!.send({ type: "leave" });
    await tilesWithPins(page, 2);
    // It once said "The other person hung up" over the whole stage, with Stay and Leave.
    expect(await status()).toBe(before);
    expect(await button(page, "Stay").count()).toBe(0);
    // One other left: a call of two again (no Pins), still not over.
    others[1]!.send({ type: "leave" });
    const listed = () =>
      page.evaluate(
        () => Object.keys((window as unknown as { __onelink: { getSnapshot(): { context: { peers: object } } } }).__onelink.getSnapshot().context.peers).length,
      );
    await waitFor(listed, (n) => n === 1, 20_000);
    expect(await status()).not.toMatch(/hung up|left the call/);
    others[2]!.send({ type: "leave" });
    await waitForStatus(page, "The other person hung up");
    await button(page, "Stay").click();
    await waitForStatus(page, "Waiting for someone to join");
  }, 60_000);
});
