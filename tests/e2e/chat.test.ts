import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { button, newPerson, useAppAndBrowser, waitForStatus, openCallLink, expectAttribute, runScriptFile, waitFor } from "./harness.ts";

const ctx = useAppAndBrowser();

/** Two people in a fresh room, connected; every request and dialog of their pages is recorded. */
async function callOf() {
  const people = await Promise.all([newPerson(ctx.browser, ctx.app.url), newPerson(ctx.browser, ctx.app.url)]);
  const requests: string[] = [];
  const dialogs: string[] = [];
  for (const { page } of people) {
    page.on("request", (r) => void requests.push(r.url()));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }
  const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
  const room = crypto.randomUUID();
  await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
  await waitForStatus(a.page, "Waiting for someone to join", 20_000);
  await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
  await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
  return { a, b, requests, dialogs, close: () => Promise.all(people.map((p) => p.context.close())) };
}

/** Serious or critical axe-core (WCAG 2.1 AA) violations inside the chat panel. */
async function chatAxeViolations(page: Page): Promise<string[]> {
  await runScriptFile(page, resolve(import.meta.dir, "../../node_modules/axe-core/axe.min.js"));
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Element, opts: object) => Promise<Result> } }).axe;
    const result = await axe.run(document.querySelector(".chat-panel")!, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

const log = (page: Page) => page.getByRole("log", { name: "Chat messages" });
const field = (page: Page) => page.getByRole("textbox", { name: "Message" });
const texts = (page: Page) => log(page).locator(".chat-text").allInnerTexts();

async function openChat(page: Page) {
  const toggle = button(page, "Chat");
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  await expectAttribute(toggle, "aria-pressed", "true");
  await log(page).waitFor();
}

async function say(page: Page, text: string) {
  await field(page).fill(text);
  await field(page).press("Enter");
  expect(await field(page).inputValue()).toBe("");
}

/** Waits until the chat log shows exactly these messages, in this order. */
async function waitForTexts(page: Page, expected: string[], timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await texts(page);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await page.waitForTimeout(150);
  }
  throw new Error(`chat log is ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
}

describe("chat", () => {
  test("messages, emoji, links and markup: shown as text, peer to peer, nothing from a CDN", async () => {
    const { a, b, requests, dialogs, close } = await callOf();
    try {
      await openChat(a.page);
      await say(a.page, "hello 👋");
      // B has not opened the chat: a badge counts what is unread.
      await b.page.locator(".chat-unread").filter({ hasText: "1" }).waitFor({ timeout: 15_000 });
      await openChat(b.page);
      await waitForTexts(b.page, ["hello 👋"]);
      expect(await b.page.locator(".chat-unread").count()).toBe(0);
      await a.page.getByText("Delivered").first().waitFor({ timeout: 10_000 });

      // Markup a peer sends is text: nothing runs, no element is made.
      const evil = `<img src=x onerror=alert(1)>`;
      await say(b.page, evil);
      await say(b.page, "see https://example.com/a?b=1. and javascript:alert(2)");
      await waitForTexts(a.page, ["hello 👋", evil, "see https://example.com/a?b=1. and javascript:alert(2)"]);
      expect(await log(a.page).locator("img, script, iframe").count()).toBe(0);
      const links = log(a.page).getByRole("link");
      expect(await links.count()).toBe(1);
      expect(await links.first().getAttribute("href")).toBe("https://example.com/a?b=1");
      expect(await links.first().getAttribute("rel")).toBe("noopener noreferrer");
      expect(await links.first().getAttribute("target")).toBe("_blank");

      // Shift+Enter is a new line; Enter sends.
      await field(a.page).fill("line one");
      await field(a.page).press("Shift+Enter");
      await field(a.page).pressSequentially("line two");
      await field(a.page).press("Enter");
      await waitForTexts(b.page, ["hello 👋", evil, "see https://example.com/a?b=1. and javascript:alert(2)", "line one\nline two"]);

      // :shortcode: completion: ":smi" offers matches, Tab picks the first.
      await field(a.page).fill("");
      await field(a.page).pressSequentially("ok :smi");
      const options = a.page.getByRole("listbox", { name: "Emoji shortcodes" }).getByRole("option");
      await options.first().waitFor({ timeout: 10_000 });
      expect(await options.first().innerText()).toContain(":smile:");
      await field(a.page).press("Tab");
      expect(await field(a.page).inputValue()).toBe("ok 😄");

      // The picker loads on first open, from our own server, and inserts at the caret.
      const emojiButton = button(a.page, "Emoji");
      await emojiButton.click();
      const firstEmoji = a.page.locator("em-emoji-picker").locator("button[aria-label='😀']").first();
      await firstEmoji.waitFor({ timeout: 15_000 });
      await firstEmoji.click();
      // React applies the pick on its next render; give a loaded machine a moment.
      for (let i = 0; i < 50 && (await field(a.page).inputValue()) !== "ok 😄😀"; i++) await a.page.waitForTimeout(100);
      expect(await field(a.page).inputValue()).toBe("ok 😄😀");
      await expectAttribute(emojiButton, "aria-expanded", "false");

      // Too long: a clear notice, and Send is off.
      await field(a.page).fill("x".repeat(2001));
      await a.page.getByText("Too long: 2001 of 2000 characters").waitFor();
      expect(await button(a.page, "Send").isDisabled()).toBe(true);
      await field(a.page).fill("");

      if (process.env.CHAT_SCREENSHOT) await a.page.screenshot({ path: process.env.CHAT_SCREENSHOT });
      expect(await chatAxeViolations(a.page)).toEqual([]);
      expect(dialogs).toEqual([]);
      const foreign = requests.filter((u) => !u.startsWith(ctx.app.url) && !/^(data|blob):/.test(u));
      expect(foreign).toEqual([]);
      expect(requests.some((u) => u.endsWith("/emoji/native.json"))).toBe(true);
      // The color emoji font comes from our server too, its stylesheet linked by the app's code, which
      // runs once the page has loaded (ui/head-start.ts): it does not hold the load event (and the
      // browser's loading spinner) for its round trip.
      for (const p of [a, b]) {
        const font = await p.page.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          const css = performance.getEntriesByType("resource").find((r) => new URL(r.name).pathname === "/emoji/font.css");
          const faces = [...document.fonts].filter((f) => f.family.replace(/["']/g, "") === "Noto Color Emoji");
          return { load: nav.loadEventStart, css: css?.startTime ?? null, faces: faces.length };
        });
        expect(font.load).toBeGreaterThan(0);
        expect(font.css).not.toBeNull();
        expect(font.css!).toBeGreaterThanOrEqual(font.load);
        expect(font.faces).toBeGreaterThan(0);
      }
    } finally {
      await close();
    }
  }, 120_000);

  test("with the chat closed, a message shows a preview toast that opens the chat; with it open, none", async () => {
    const { a, b, close } = await callOf();
    try {
      await openChat(a.page);
      expect(await button(b.page, "Chat").getAttribute("aria-pressed")).not.toBe("true");
      await say(a.page, "are you there? the slides are in the chat");
      const preview = b.page.locator(".toasts").getByRole("button", { name: /: are you there\? the slides are in the/ });
      await preview.waitFor();
      await preview.click();
      await expectAttribute(button(b.page, "Chat"), "aria-pressed", "true");
      await waitForTexts(b.page, ["are you there? the slides are in the chat"]);
      await preview.waitFor({ state: "detached" });
      // The chat is open now: the next message is in the log, not in a toast.
      await say(a.page, "second");
      await waitForTexts(b.page, ["are you there? the slides are in the chat", "second"]);
      expect(await b.page.locator(".toasts").getByRole("button").count()).toBe(0);
      // Closed again, two previews; opening the chat with its own button takes both away.
      await button(b.page, "Chat").click();
      await expectAttribute(button(b.page, "Chat"), "aria-pressed", "false");
      await say(a.page, "third");
      await say(a.page, "fourth");
      const previews = b.page.locator(".toasts").getByRole("button");
      await waitFor(
        () => previews.count(),
        (n) => n === 2,
        10_000,
      );
      await button(b.page, "Chat").click();
      await waitForTexts(b.page, ["are you there? the slides are in the chat", "second", "third", "fourth"]);
      await waitFor(
        () => previews.count(),
        (n) => n === 0,
        5_000,
      );
    } finally {
      await close();
    }
  }, 60_000);

  test("B reloads mid-call: history is back, what A sent meanwhile arrives once, then both ways again", async () => {
    const { a, b, dialogs, close } = await callOf();
    try {
      await openChat(a.page);
      await openChat(b.page);
      await say(a.page, "first from A");
      await waitForTexts(b.page, ["first from A"]);
      await say(b.page, "first from B");
      await waitForTexts(a.page, ["first from A", "first from B"]);
      await b.page.getByRole("checkbox", { name: "Mute notifications" }).check();

      // B reloads while A writes.
      const reloading = b.page.reload();
      await say(a.page, "during the reload");
      await reloading;
      await waitForStatus(b.page, "Connected", 30_000);
      await openChat(b.page);
      await waitForTexts(b.page, ["first from A", "first from B", "during the reload"], 30_000);
      expect(await b.page.getByRole("checkbox", { name: "Mute notifications" }).isChecked()).toBe(true);

      // A slow reload: B's page is gone for a while and A writes twice into the gap.
      const roomUrl = b.page.url();
      await b.page.goto("about:blank");
      await waitForStatus(a.page, /Reconnecting|left the call/, 20_000);
      await say(a.page, "while you were away 1");
      await say(a.page, "while you were away 2");
      await a.page.getByText("Not delivered yet").first().waitFor();
      await b.page.goto(roomUrl);
      await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
      await openChat(b.page);
      const history = ["first from A", "first from B", "during the reload", "while you were away 1", "while you were away 2"];
      await waitForTexts(b.page, history, 30_000);

      await say(b.page, "back again");
      await say(a.page, "welcome back");
      const all = [...history, "back again", "welcome back"];
      await waitForTexts(a.page, all);
      await waitForTexts(b.page, all);
      // Everything A wrote was acknowledged, and nothing is repeated a little later either.
      await a.page.getByText("Not delivered yet").waitFor({ state: "detached", timeout: 15_000 });
      await a.page.waitForTimeout(1_000);
      expect(await texts(a.page)).toEqual(all);
      expect(await texts(b.page)).toEqual(all);
      expect(dialogs).toEqual([]);
    } finally {
      await close();
    }
  }, 150_000);
});
