/**
 * Inviting and noticing: the waiting screen's QR code is the call link, Copy link and Share say
 * what they did, and arrivals and departures play a chime (WebAudio, recorded here by wrapping
 * the oscillator) and show a toast in the polite live region, beside the page's one status.
 */
import { describe, expect, test } from "bun:test";
import * as QRCode from "qrcode";
import type { BrowserContext } from "playwright-core";
import { CHIME_DOWN, CHIME_UP } from "../../machines/features/sound.ts";
import { TOASTS } from "../../machines/features/notifications.ts";
import { button, isUncovered, newPerson, openCallLink, useAppAndBrowser, waitForStatus, newCall } from "./harness.ts";

const ctx = useAppAndBrowser();

/** A share sheet that records what it was given, and every tone an oscillator is set to. */
async function instrument(context: BrowserContext, share: boolean) {
  await context.addInitScript((withShare: boolean) => {
    const w = window as unknown as { __shared: ShareData[]; __tones: number[] };
    w.__shared = [];
    w.__tones = [];
    if (withShare) Object.defineProperty(navigator, "share", { value: async (data: ShareData) => void w.__shared.push(data) });
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      const osc = create.call(this);
      const set = osc.frequency.setValueAtTime.bind(osc.frequency);
      osc.frequency.setValueAtTime = (value: number, time: number) => (w.__tones.push(value), set(value, time));
      return osc;
    };
  }, share);
}

const tones = (page: import("playwright-core").Page) => page.evaluate(() => (window as unknown as { __tones: number[] }).__tones);
const notes = (chime: ReadonlyArray<readonly [number, number]>) => chime.map(([freq]) => freq);

describe("invite and awareness", () => {
  test("QR code of the link, Copy link and Share, and a chime (unless muted) and toast when the other person comes and goes", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    await instrument(a.context, true);
    await instrument(b.context, false);
    await a.page.goto(ctx.app.url);
    const link = await newCall(a.page);

    // The QR code is drawn here and holds exactly the link: same size and dark modules as the link's own.
    const qr = a.page.getByRole("img", { name: "QR code of the call link" });
    const expected = QRCode.create(link, { errorCorrectionLevel: "L" }).modules;
    expect(await qr.getAttribute("viewBox")).toBe(`0 0 ${expected.size + 8} ${expected.size + 8}`);
    const dark = ((await qr.locator("path").getAttribute("d")) ?? "").split("z").filter(Boolean).length;
    expect(dark).toBe([...expected.data].filter(Boolean).length);
    expect(await isUncovered(qr)).toBe(true);

    // Copy link: the clipboard has it and a toast says so, in a polite live region that is not a status.
    await button(a.page, "Copy link").click();
    const toasts = a.page.locator(".toasts");
    await toasts.getByText(TOASTS.copied).waitFor();
    expect(await a.page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    expect(await toasts.getAttribute("aria-live")).toBe("polite");
    expect(await toasts.getAttribute("role")).toBeNull();
    expect(await a.page.getByRole("status").count()).toBe(1);

    // Share hands the link to the system share sheet.
    await button(a.page, "Share").click();
    expect(await a.page.evaluate(() => (window as unknown as { __shared: ShareData[] }).__shared)).toEqual([
      { title: "OneLink call", text: "Join my video call:", url: link },
    ]);
    expect(await tones(a.page)).toEqual([]);

    // They arrive: a rising chime and a toast, on both sides.
    await openCallLink(b.page, link);
    await waitForStatus(a.page, "Connected", 20_000);
    await toasts.getByText(TOASTS.arrived).waitFor();
    await b.page.locator(".toasts").getByText(TOASTS.arrived).waitFor();
    expect(await tones(a.page)).toEqual(notes(CHIME_UP));
    expect(await toasts.getByText(TOASTS.arrived).getAttribute("aria-hidden")).toBeNull(); // announced
    // Toasts go by themselves.
    await toasts.getByText(TOASTS.copied).waitFor({ state: "detached", timeout: 7_000 });

    // They hang up: a falling chime and a toast.
    await button(b.page, "Leave").click();
    await waitForStatus(a.page, "The other person hung up");
    await toasts.getByText(TOASTS.hungUp).waitFor();
    // The status line already says it: that toast is not announced a second time.
    expect(await toasts.getByText(TOASTS.hungUp).getAttribute("aria-hidden")).toBe("true");
    const heard = [...notes(CHIME_UP), ...notes(CHIME_DOWN)];
    expect(await tones(a.page)).toEqual(heard);
    expect(await a.page.getByRole("status").count()).toBe(1);

    // "Mute notifications" (chat panel) silences arrivals and departures too; the toasts stay.
    await button(a.page, "Chat").click();
    await a.page.getByRole("checkbox", { name: "Mute notifications" }).check();
    await openCallLink(b.page, link);
    await waitForStatus(a.page, "Connected", 20_000);
    await toasts.getByText(TOASTS.arrived).last().waitFor(); // the first arrival's toast may still be up
    await button(b.page, "Leave").click();
    await waitForStatus(a.page, "The other person hung up");
    await toasts.getByText(TOASTS.hungUp).last().waitFor();
    expect(await tones(a.page)).toEqual(heard);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("without a share sheet there is no Share button", async () => {
    const c = await newPerson(ctx.browser, ctx.app.url);
    await c.page.goto(ctx.app.url);
    await button(c.page, "New call").click();
    await waitForStatus(c.page, "Waiting for someone to join");
    await button(c.page, "Copy link").waitFor();
    expect(await button(c.page, "Share").count()).toBe(0);
    await c.context.close();
  }, 30_000);
});
