/**
 * Settings on a 390 px phone: closes from a ✕ in its header, reads as Audio / Video / Advanced,
 * offers quality in words that set the raw numbers under Advanced, and cuts off no select.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { button, moreButton, newPerson, useAppAndBrowser, waitFor, waitForNewFrames, waitForStatus } from "./harness.ts";
import { ARTIFACTS, axeViolations } from "./layout.ts";

const ctx = useAppAndBrowser();

describe("settings", () => {
  test("sections, quality presets in words, a Close ✕ in the header, nothing cut off at 390 px", async () => {
    const { context, page } = await newPerson(ctx.browser, ctx.app.url);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(ctx.app.url);
    await button(page, "New call").click();
    await waitForStatus(page, "Waiting for someone to join");
    // Alone, nobody hears us: the noise suppression sleeps and sends silence. The meter below still moves.
    await waitFor(
      () =>
        page.evaluate(() => {
          const w = window as never as { __onelink?: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: { heard: boolean } } }> } } };
          return w.__onelink?.getSnapshot().children.media?.getSnapshot().context.heard ?? null;
        }),
      (heard) => heard === false,
      10_000,
    );
    await (await moreButton(page, "Settings")).click();
    const dialog = page.getByRole("dialog", { name: "Settings" });
    await dialog.waitFor();

    // The way out is at the top, where it is seen, and there is just one.
    const close = dialog.getByRole("button", { name: "Close" });
    expect(await close.count()).toBe(1);
    expect(await close.evaluate((b) => b.closest("header") !== null)).toBe(true);
    for (const name of ["Audio", "Video", "Advanced"]) await dialog.getByRole("heading", { name, exact: true }).waitFor();
    // The background picker lives in Video.
    const videoSection = dialog.getByRole("region", { name: "Video" });
    await videoSection.getByRole("combobox", { name: "Background" }).waitFor();
    // A live camera preview in Video, and the microphone's level in Audio (the fake microphone beeps).
    await waitForNewFrames(page, "Camera preview", 5);
    const meter = dialog.getByRole("region", { name: "Audio" }).getByRole("meter", { name: "Microphone level" });
    await waitFor(
      () => meter.evaluate((m) => (m as HTMLMeterElement).value),
      (v) => v > 0.02,
      10_000,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/settings-phone.png` });

    // Presets in words; a new device starts on Best quality; Save data sets the raw numbers.
    const preset = (name: string) => dialog.getByRole("radio", { name: new RegExp(`^${name}`) });
    expect(await preset("Best quality").isChecked()).toBe(true);
    await preset("Save data").check();
    const select = (name: string) => dialog.getByRole("combobox", { name });
    await expect(select("Resolution").inputValue()).resolves.toBe("640x360");
    expect(await select("Frame rate").inputValue()).toBe("15");
    expect(await select("Maximum bitrate").inputValue()).toBe("1500");
    // A number chosen by hand is no preset any more.
    await select("Frame rate").selectOption("24");
    for (const name of ["Best quality", "Balanced", "Save data"]) expect(await preset(name).isChecked(), name).toBe(false);
    await dialog.getByText("Your own choice (see Advanced).").waitFor();
    await preset("Balanced").check();
    expect(await select("Resolution").inputValue()).toBe("1280x720");

    // No select pokes out of the dialog, none is squeezed, and the dialog does not scroll sideways.
    const boxes = await dialog.evaluate((d) => {
      const outer = d.getBoundingClientRect();
      return {
        sideways: d.scrollWidth - d.clientWidth,
        selects: [...d.querySelectorAll("select")].map((s) => {
          const r = s.getBoundingClientRect();
          return { id: s.id, left: r.left - outer.left, right: outer.right - r.right, width: r.width };
        }),
      };
    });
    expect(boxes.sideways).toBeLessThanOrEqual(0);
    expect(boxes.selects.length).toBeGreaterThanOrEqual(5);
    for (const s of boxes.selects) {
      expect(s.left, s.id).toBeGreaterThanOrEqual(0);
      expect(s.right, s.id).toBeGreaterThanOrEqual(0);
      expect(s.width, s.id).toBeGreaterThan(250);
    }
    expect(await axeViolations(page)).toEqual([]);

    await close.click();
    await dialog.waitFor({ state: "detached" });
    await context.close();
  }, 30_000);
});
