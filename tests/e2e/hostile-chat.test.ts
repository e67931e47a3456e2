/**
 * A hostile peer on the chat data channel. Page A is a real OneLink page in a call with page B;
 * the test then uses A's own "chat" data channel (the one the app negotiated, so the bytes travel
 * the real SCTP path to B) to send frames the app would never make: a time a Date cannot hold
 * (at: 1e16 once blanked B for good, reload included), negative and NaN times, wrong types,
 * unknown kinds, oversized text, junk bytes and a flood. B must stay usable throughout: its
 * controls answer, its remote video plays, the chat still carries normal messages both ways,
 * and after a reload B is still fine (nothing hostile was stored).
 */
import { describe, expect, test } from "bun:test";
import { Packr } from "msgpackr";
import type { BrowserContext, Page } from "playwright-core";
import { button, expectAttribute, newPerson, openCallLink, recordDataChannels, useAppAndBrowser, waitForNewFrames, waitForStatus } from "./harness.ts";

const ctx = useAppAndBrowser();

/** Sends raw frames on A's open "chat" channel, the way the app's own messages go. */
async function sendRaw(page: Page, frames: Uint8Array[]) {
  const sent = await page.evaluate(
    (frames) => {
      const channels = (window as unknown as { __channels: RTCDataChannel[] }).__channels.filter((c) => c.label === "chat" && c.readyState === "open");
      const chat = channels.at(-1);
      if (!chat) return 0;
      for (const f of frames) chat.send(new Uint8Array(f));
      return frames.length;
    },
    frames.map((f) => Array.from(f)),
  );
  expect(sent).toBe(frames.length);
}

const log = (page: Page) => page.getByRole("log", { name: "Chat messages" });
const field = (page: Page) => page.getByRole("textbox", { name: "Message" });
const texts = (page: Page) => log(page).locator(".chat-text").allInnerTexts();

async function openChat(page: Page) {
  const toggle = button(page, "Chat");
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  await expectAttribute(toggle, "aria-pressed", "true");
  await log(page).waitFor({ timeout: 10_000 });
}

async function say(page: Page, text: string) {
  await field(page).fill(text);
  await field(page).press("Enter");
}

/** Waits (bounded) until the chat log of `page` satisfies `ok`; throws with what it shows. */
async function waitForLog(page: Page, ok: (texts: string[]) => boolean, what: string, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await texts(page).catch(() => []);
    if (ok(seen)) return seen;
    await page.waitForTimeout(150);
  }
  throw new Error(`chat log never showed ${what}: ${JSON.stringify(seen.slice(-5))} (${seen.length} messages)`);
}

/** B is alive: its page is not blank, its controls answer, the remote video plays. */
async function expectAlive(a: Page, b: Page) {
  const controls = b.getByRole("navigation", { name: "Call controls" });
  await controls.waitFor({ timeout: 5_000 });
  const mic = button(b, "Microphone");
  await b.mouse.move(300, 300); // the controls show on movement
  await mic.click({ timeout: 5_000 });
  await a.getByText("Their microphone is muted").waitFor({ timeout: 10_000 });
  await b.mouse.move(320, 320);
  await mic.click({ timeout: 5_000 });
  await a.getByText("Their microphone is muted").waitFor({ state: "detached", timeout: 10_000 });
  await waitForNewFrames(b, "Remote video", 5, 15_000);
}

/** Two people in a fresh room, connected. */
async function callOf() {
  const people = await Promise.all([newPerson(ctx.browser, ctx.app.url), newPerson(ctx.browser, ctx.app.url)]);
  const [a, b] = people as [{ context: BrowserContext; page: Page }, { context: BrowserContext; page: Page }];
  const room = crypto.randomUUID();
  await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
  await waitForStatus(a.page, "Waiting for someone to join", 20_000);
  await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
  await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
  return { a: a.page, b: b.page, close: () => Promise.all(people.map((p) => p.context.close())) };
}

describe("a part of the page that fails does not blank the page", () => {
  test("the chat panel failing to render shows 'Chat could not be shown'; the call, video and controls go on; Try again brings it back", async () => {
    const { a, b, close } = await callOf();
    try {
      await openChat(a);
      await openChat(b);
      await say(a, "one");
      await waitForLog(b, (t) => t.includes("one"), '"one"');
      // Showing a message's time now throws on B (as a bad value in any panel would).
      await b.evaluate(() => {
        const proto = Intl.DateTimeFormat.prototype;
        const original = Object.getOwnPropertyDescriptor(proto, "format")!;
        (window as unknown as { __restoreFormat: () => void }).__restoreFormat = () => Object.defineProperty(proto, "format", original);
        Object.defineProperty(proto, "format", {
          configurable: true,
          get() {
            throw new RangeError("test: this time cannot be shown");
          },
        });
      });
      await say(a, "two");
      const note = b.getByRole("alert").filter({ hasText: "Chat could not be shown" });
      await note.waitFor({ timeout: 15_000 });
      await expectAlive(a, b);
      await waitForStatus(b, "Connected", 5_000);
      // Close hides the note; the chat can be reopened once the panel can render again.
      await note.getByRole("button", { name: "Close" }).click();
      await note.waitFor({ state: "detached", timeout: 5_000 });
      await b.evaluate(() => (window as unknown as { __restoreFormat: () => void }).__restoreFormat());
      await openChat(b);
      await waitForLog(b, (t) => t.includes("one") && t.includes("two"), '"one" and "two"');
      // And Try again works too.
      await b.evaluate(() => {
        Object.defineProperty(Intl.DateTimeFormat.prototype, "format", {
          configurable: true,
          get() {
            throw new RangeError("test: this time cannot be shown");
          },
        });
      });
      await say(a, "three");
      await note.waitFor({ timeout: 15_000 });
      await b.evaluate(() => (window as unknown as { __restoreFormat: () => void }).__restoreFormat());
      await note.getByRole("button", { name: "Try again" }).click();
      await waitForLog(b, (t) => t.includes("three"), '"three"');
    } finally {
      await close();
    }
  }, 120_000);

  test("the call actor failing (an unexpected exception in its own action) shows a message with Reload, not a blank page; Reload brings the call back", async () => {
    const { a, b, close } = await callOf();
    try {
      await b.evaluate(() => {
        // Storage refusing writes is no longer fatal; any bug in the call's own actions would be.
        Storage.prototype.setItem = () => {
          throw new DOMException("test: storage is full", "QuotaExceededError");
        };
        const send = (e: object) => (window as unknown as { __onelink: { send: (e: object) => void } }).__onelink.send(e);
        send({ type: "SET_RELAY_ONLY", on: true });
        MediaStream.prototype.getAudioTracks = () => {
          throw new Error("test: an unexpected bug");
        };
        send({ type: "TOGGLE_MIC" });
      });
      const fatal = b.getByRole("alert").filter({ hasText: "OneLink stopped" });
      await fatal.waitFor({ timeout: 10_000 });
      await fatal.getByRole("button", { name: "Reload" }).click();
      await waitForStatus(b, "Connected", 30_000);
      await expectAlive(a, b);
    } finally {
      await close();
    }
  }, 120_000);
});

describe("a hostile peer on the chat channel", () => {
  test("bad times, wrong types, unknown kinds, oversized and junk frames and a flood: B stays usable, also after a reload", async () => {
    const people = await Promise.all([newPerson(ctx.browser, ctx.app.url), newPerson(ctx.browser, ctx.app.url)]);
    const [a, b] = people as [{ context: BrowserContext; page: Page }, { context: BrowserContext; page: Page }];
    const pageErrors: string[] = [];
    b.page.on("pageerror", (e) => void pageErrors.push(e.message));
    await a.context.addInitScript(recordDataChannels);
    try {
      const room = crypto.randomUUID();
      await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
      await waitForStatus(a.page, "Waiting for someone to join", 20_000);
      await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
      await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
      await openChat(a.page);
      await openChat(b.page);
      await say(a.page, "hello before");
      await waitForLog(b.page, (t) => t.includes("hello before"), '"hello before"');

      // Frames as chat-wire encodes them (msgpack maps), with what a hostile peer can put in.
      const packr = new Packr({ useRecords: false });
      const now = Date.now();
      const msg = (id: string, over: Record<string, unknown>) => packr.pack({ t: "msg", id, from: "hostile-peer", at: now, text: `bad ${id}`, ...over });
      const hostile: Uint8Array[] = [
        msg("h1", { at: 1e16 }),
        msg("h2", { at: -1 }),
        msg("h3", { at: NaN }),
        msg("h4", { at: Infinity }),
        msg("h5", { at: 8.64e15 }),
        msg("h6", { at: now + 5 * 24 * 3600_000 }),
        msg("h7", { at: "yesterday" }),
        msg("h8", { text: { toString: "not a string" } }),
        msg("h9", { text: "x".repeat(2001) }),
        msg("h10", { text: "y".repeat(15_000) }),
        msg("h11", { from: 42 }),
        msg("h12", { t: "shout" }),
        packr.pack({ t: "ack", ids: "h1" }),
        packr.pack([1, 2, 3]),
        packr.pack(null),
        new Uint8Array([0xc1, 0xff, 0x00, 0x13]),
        crypto.getRandomValues(new Uint8Array(1024)),
      ];
      await sendRaw(a.page, hostile);

      // B keeps the call: controls, video, and the chat both ways.
      await expectAlive(a.page, b.page);
      await say(a.page, "after the bad frames");
      await waitForLog(b.page, (t) => t.includes("after the bad frames"), '"after the bad frames"');
      await say(b.page, "still here");
      await waitForLog(a.page, (t) => t.includes("still here"), '"still here"');
      expect((await texts(b.page)).filter((t) => t.startsWith("bad "))).toEqual([]);

      // A flood of well-formed messages: some are shown, B stays responsive.
      const flood = Array.from({ length: 400 }, (_, i) => msg(`flood${i}`, { at: now + i, text: `flood ${i}` }));
      await sendRaw(a.page, flood);
      await waitForLog(b.page, (t) => t.some((x) => x.startsWith("flood ")), "any flood message");
      await expectAlive(a.page, b.page);
      const shown = (await texts(b.page)).filter((t) => t.startsWith("flood ")).length;
      console.log(`flood: ${shown} of ${flood.length} messages shown on B`);
      expect(shown).toBeLessThan(flood.length);

      // B reloads: the call and the chat come back, nothing hostile was kept.
      await b.page.reload();
      await waitForStatus(b.page, "Connected", 30_000);
      await openChat(b.page);
      await waitForLog(b.page, (t) => t.includes("hello before") && t.includes("after the bad frames") && t.includes("still here"), "the history");
      expect((await texts(b.page)).filter((t) => t.startsWith("bad "))).toEqual([]);
      await expectAlive(a.page, b.page);
      await say(b.page, "after reload");
      await waitForLog(a.page, (t) => t.includes("after reload"), '"after reload"');
      expect(pageErrors).toEqual([]);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 180_000);
});
