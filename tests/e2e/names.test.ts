/**
 * Names and the people list between two people: a name typed on the pre-join screen labels that
 * person's video on the other side, names their arrival, shows in the People list (as text, never
 * markup) with who is muted and speaking, changes mid-call, and is remembered on this device.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { button, moreButton, newPerson, useAppAndBrowser, waitFor, waitForNewFrames, waitForStatus, newCall } from "./harness.ts";

const ctx = useAppAndBrowser();

const ADA = "Ada <b>Lovelace</b>";
const people = (page: Page) => page.getByRole("list", { name: "People in this call" }).getByRole("listitem");
const peopleTexts = (page: Page) => people(page).allInnerTexts();

describe("names", () => {
  test("a name from the pre-join screen labels their video, names their arrival, fills the People list and is remembered", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      await b.page.goto(ctx.app.url);
      const link = await newCall(b.page);

      // Ada names herself before joining; the field takes text as typed (markup included, shown as text).
      await a.page.goto(link);
      const field = a.page.getByRole("textbox", { name: "Your name", exact: true });
      expect(await field.inputValue()).toBe("");
      await field.fill(`  ${ADA}  `);
      await button(a.page, "Join").click();

      await Promise.all([waitForStatus(a.page, "Connected · 2 people", 20_000), waitForStatus(b.page, "Connected · 2 people", 20_000)]);
      // Her video on the other side carries her name (trimmed), as its label and visibly on the tile.
      await b.page.locator(`video[aria-label="Remote video: ${ADA}"]`).waitFor({ state: "attached", timeout: 10_000 });
      await waitForNewFrames(b.page, `Remote video: ${ADA}`, 5);
      await b.page.locator(".remote .name-tag").getByText(ADA, { exact: true }).waitFor();
      await b.page.locator(".toasts").getByText(`${ADA} is here`, { exact: true }).waitFor();
      expect(await b.page.locator(".remote b").count()).toBe(0); // never markup
      // Bob gave no name: a neutral label.
      await a.page.locator('video[aria-label="Remote video: Guest 2"]').waitFor({ state: "attached" });

      // The People button opens the list: one item per person, ourselves first.
      const peopleButton = await moreButton(b.page, "People");
      expect(await peopleButton.getAttribute("aria-pressed")).toBe("false");
      await peopleButton.click();
      expect(await peopleButton.getAttribute("aria-pressed")).toBe("true");
      await waitFor(
        () => peopleTexts(b.page),
        (t) => t.length === 2 && t[0]!.startsWith("You") && t[1]!.startsWith(ADA),
      );
      // Her fake microphone beeps: she is seen speaking, until she mutes.
      await people(b.page).nth(1).getByText("Speaking", { exact: true }).waitFor({ timeout: 10_000 });
      await button(a.page, "Microphone").click();
      await people(b.page).nth(1).getByText("Muted", { exact: true }).waitFor({ timeout: 10_000 });
      await people(b.page).nth(1).getByText("Speaking", { exact: true }).waitFor({ state: "detached", timeout: 5_000 });
      expect(await people(b.page).nth(0).getByText("Muted").count()).toBe(0);

      // Bob names himself from the list, mid-call: Ada's side follows.
      await b.page.getByRole("textbox", { name: "Your name", exact: true }).fill("Bob");
      await a.page.locator('video[aria-label="Remote video: Bob"]').waitFor({ state: "attached", timeout: 10_000 });
      await waitFor(
        () => peopleTexts(b.page),
        (t) => t[0]!.startsWith("Bob (you)"),
      );
      await (await moreButton(a.page, "People")).click();
      await waitFor(
        () => peopleTexts(a.page),
        (t) => t.length === 2 && t[0]!.startsWith(`${ADA} (you)`) && t[0]!.includes("Muted") && t[1]!.startsWith("Bob"),
      );

      // Her name is remembered on this device: the next pre-join screen has it.
      const again = await a.context.newPage();
      await again.goto(link);
      expect(await again.getByRole("textbox", { name: "Your name", exact: true }).inputValue()).toBe(ADA);
      await again.close();
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 90_000);
});
