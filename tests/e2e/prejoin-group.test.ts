/**
 * The pre-join screen of a group call (a real Janus, inside the network namespace the test
 * command makes: `bash scripts/netns.sh node_modules/.bin/bun test tests/e2e/prejoin-group.test.ts`):
 * it counts the people already there, and a room at its capacity (ROOM_CAPACITY, 3 here) is said
 * to be full with Join disabled.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import type { RunningJanus } from "../../scripts/janus.ts";
import { startTestJanus } from "../helpers/janus.ts";
import { type AppServer, button, launchBrowser, newPerson, startApp, waitForStatus } from "./harness.ts";

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
  test("says how many people are in the call, and that it is full at its capacity", async () => {
    const people = await Promise.all([0, 1, 2, 3].map(() => newPerson(ctx.browser, ctx.app.url)));
    const [a, b, c, d] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0], (typeof people)[0]];
    try {
      await a.page.goto(ctx.app.url);
      await button(a.page, "New call").click();
      await waitForStatus(a.page, "Waiting for someone to join");
      const link = await a.page.getByRole("textbox", { name: "Call link" }).inputValue();
      await b.page.goto(link);
      await says(b.page, "1 person is in this call");
      await button(b.page, "Join").click();

      await c.page.goto(link);
      await says(c.page, "2 people are in this call");
      expect(await button(c.page, "Join").isDisabled()).toBe(false);
      await button(c.page, "Join").click();

      await d.page.goto(link);
      await says(d.page, "This call is full (3 people)");
      expect(await button(d.page, "Join").isDisabled()).toBe(true);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 90_000);
});
