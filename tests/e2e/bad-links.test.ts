/**
 * Bad links and unknown addresses: a call link that cannot be a room says so (not the start page
 * in silence), an unknown address gets the app's styled "Page not found" with a 404, and both
 * offer Home and New call. No CSP violation on either.
 */
import { describe, expect, test } from "bun:test";
import { button, cspViolations, newPerson, useAppAndBrowser, waitForStatus, watchCsp } from "./harness.ts";
import { axeViolations, noHorizontalScroll } from "./layout.ts";

const ctx = useAppAndBrowser();

describe("bad links", () => {
  test("a call link that cannot be a room says so, and Home leads to the start page", async () => {
    const { context, page } = await newPerson(ctx.browser, ctx.app.url);
    await watchCsp(context);
    await page.setViewportSize({ width: 390, height: 844 });
    const res = await page.goto(`${ctx.app.url}/c/a%20b`);
    expect(res?.status()).toBe(200);
    await page.getByRole("heading", { name: "This link is not a valid call link" }).waitFor();
    expect(await page.getByRole("button", { name: "Join" }).count()).toBe(0);
    await noHorizontalScroll(page);
    expect(await axeViolations(page)).toEqual([]);
    await button(page, "Home").click();
    await page.getByRole("textbox", { name: "Room ID" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await context.close();
  });

  test("an unknown address is a styled 404 page, and New call starts a call from it", async () => {
    const { context, page } = await newPerson(ctx.browser, ctx.app.url);
    await watchCsp(context);
    const res = await page.goto(`${ctx.app.url}/nope`);
    expect(res?.status()).toBe(404);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    // The app's stylesheet applies: the page is laid out as the start page is, not the browser's default.
    expect(await page.locator("main").evaluate((main) => getComputedStyle(main).maxWidth)).not.toBe("none");
    await button(page, "New call").click();
    await waitForStatus(page, "Waiting for someone to join");
    expect(new URL(page.url()).pathname).toMatch(/^\/c\/[0-9a-f-]{36}$/);
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
