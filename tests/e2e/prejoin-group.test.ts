/**
 * The pre-join screen of a group call (a real Janus, inside the network namespace the test
 * command makes: `bash scripts/netns.sh node_modules/.bin/bun test tests/e2e/prejoin-group.test.ts`):
 * it names the people already there (those with no name are guests), and a room at its capacity
 * (ROOM_CAPACITY, 3 here) is said to be full with Join disabled.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import type { RunningJanus } from "../../scripts/janus.ts";
import { startTestJanus } from "../helpers/janus.ts";
import { type AppServer, button, launchBrowser, newPerson, startApp, waitForStatus } from "./harness.ts";
import { newSecret } from "../../protocol/e2ee.ts";

const ctx = {} as { app: AppServer; browser: Browser; janus: RunningJanus };
beforeAll(async () => {
  ctx.janus = await startTestJanus();
  ctx.app = await startApp({ SFU_URLS: ctx.janus.url, SFU_SECRET: ctx.janus.secret, ROOM_CAPACITY: "3" });
  ctx.browser = await launchBrowser();
});
afterAll(async () => {
  await ctx.browser?.close();
  await ctx.app?.stop();
  await ctx.janus?.stop();
});

const says = (page: Page, text: string) => page.locator(".lobby-occupancy").getByText(text, { exact: true }).waitFor({ timeout: 20_000 });

describe("pre-join of a group call", () => {
  test("names the people in the call, counts those with no name as guests, and is full at its capacity", async () => {
    const people = await Promise.all([0, 1, 2, 3].map(() => newPerson(ctx.browser, ctx.app.url)));
    const [a, b, c, d] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0], (typeof people)[0]];
    const nameField = (page: Page) => page.getByRole("textbox", { name: "Your name", exact: true });
    const link = `${ctx.app.url}/c/group-names-${Date.now()}#${newSecret()}`;
    try {
      await a.page.goto(link);
      await says(a.page, "No one else is here yet");
      await nameField(a.page).fill("Ada");
      await button(a.page, "Join").click();
      await waitForStatus(a.page, "Waiting for someone to join");

      await b.page.goto(link);
      await says(b.page, "Ada is in this call");
      await nameField(b.page).fill("Bob");
      await button(b.page, "Join").click();

      await c.page.goto(link);
      await says(c.page, "Ada and Bob are in this call");
      expect(await button(c.page, "Join").isDisabled()).toBe(false);
      // C joins with no name.
      await nameField(c.page).fill("");
      await button(c.page, "Join").click();

      await d.page.goto(link);
      await says(d.page, "This call is full (3 people)");
      expect(await button(d.page, "Join").isDisabled()).toBe(true);
      // Bob leaves: Ada and the guest remain, and D may join.
      await button(b.page, "Leave").click();
      await says(d.page, "Ada and 1 guest are in this call");
      expect(await button(d.page, "Join").isDisabled()).toBe(false);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 90_000);
});
