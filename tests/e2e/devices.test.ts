import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chromium, type Browser } from "playwright-core";
import { button, CHROMIUM_ARGS, launchBrowser, newPerson, startApp, waitForNewFrames, waitForStatus, type AppServer, openCallLink } from "./harness.ts";

let app: AppServer;
let withDevices: Browser;

beforeAll(async () => {
  app = await startApp();
  withDevices = await launchBrowser();
});
afterAll(async () => {
  await withDevices?.close();
  await app?.stop();
});

/** A browser with no fake devices: as a machine with no camera or microphone plugged in. */
const launchWithout = (drop: string[]) =>
  chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS.filter((a) => !drop.includes(a)) });

async function callWith(browser: Browser, grant: boolean) {
  const a = await newPerson(withDevices, app.url);
  const context = await browser.newContext(grant ? { permissions: ["camera", "microphone"] } : {});
  const b = { context, page: await context.newPage() };
  const room = crypto.randomUUID();
  await openCallLink(a.page, `${app.url}/c/${room}`);
  await waitForStatus(a.page, "Waiting for someone to join");
  await openCallLink(b.page, `${app.url}/c/${room}`);
  await waitForStatus(b.page, "Connected", 20_000);
  return { a, b };
}

describe("missing or denied camera and microphone", () => {
  test("no devices at all: told so, and the call still works receive-only", async () => {
    const browser = await launchWithout(["--use-fake-device-for-media-stream"]);
    try {
      const { a, b } = await callWith(browser, true);
      await b.page
        .getByRole("alert")
        .filter({ hasText: /No camera and microphone found|cannot capture/ })
        .waitFor();
      await waitForNewFrames(b.page, "Remote video", 10);
      expect(await button(b.page, "Microphone").isDisabled()).toBe(true);
      expect(await button(b.page, "Camera").isDisabled()).toBe(true);
      await a.context.close();
      await b.context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);

  test("access denied: the pre-join preview says there is no camera, not a black box", async () => {
    const browser = await launchWithout(["--use-fake-ui-for-media-stream"]);
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${app.url}/c/${crypto.randomUUID()}`);
      await page.getByRole("alert").filter({ hasText: "blocked" }).waitFor();
      await page.locator(".lobby-preview").getByText("No camera", { exact: true }).waitFor({ timeout: 5_000 });
    } finally {
      await browser.close();
    }
  }, 60_000);

  test("access denied: told how to allow it, and the call still works receive-only", async () => {
    const browser = await launchWithout(["--use-fake-ui-for-media-stream"]);
    try {
      const { a, b } = await callWith(browser, false);
      await b.page.getByRole("alert").filter({ hasText: "blocked" }).waitFor();
      expect(await b.page.getByRole("alert").filter({ hasText: "blocked" }).innerText()).toContain("Allow access");
      await waitForNewFrames(b.page, "Remote video", 10);
      await a.context.close();
      await b.context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe("the Stately inspector", () => {
  test("is not served on a production link, even with ?inspect", async () => {
    const a = await newPerson(withDevices, app.url);
    const fetched: string[] = [];
    a.page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
    await a.page.goto(app.url);
    await button(a.page, "New call").waitFor();
    expect(fetched.some((p) => p.startsWith("/inspect/"))).toBe(false);
    // The hosted inspector would open in a popup; this server (no INSPECT=1) does not serve its
    // bundle, so ?inspect on a production link loads nothing, opens nothing, and the app works.
    const popups: string[] = [];
    a.context.on("page", (popup) => {
      popups.push(popup.url());
      void popup.close().catch(() => {});
    });
    const inspector = a.page.waitForResponse((r) => new URL(r.url()).pathname === "/inspect/inspect.js");
    await a.page.goto(`${app.url}/?inspect`);
    expect((await inspector).status()).toBe(404);
    await button(a.page, "New call").click();
    await waitForStatus(a.page, "Waiting for someone to join");
    expect(popups).toEqual([]);
    await a.context.close();
  }, 30_000);
});
