import { describe, expect, test } from "bun:test";
import { newSecret } from "../../protocol/e2ee.ts";
import { button, expectAttribute, newPerson, openCallLink, startApp, useAppAndBrowser, waitForNewFrames, waitForStatus } from "./harness.ts";

const ctx = useAppAndBrowser();

describe("installable app", () => {
  test("links a manifest with icons and registers a service worker that caches the shell only", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    await a.page.goto(ctx.app.url);
    const manifestHref = await a.page.locator('link[rel="manifest"]').getAttribute("href");
    const manifest = (await (await fetch(new URL(manifestHref!, ctx.app.url))).json()) as { icons: { src: string; sizes: string }[]; start_url: string };
    expect(manifest.start_url).toBe("/");
    for (const icon of manifest.icons) expect((await fetch(new URL(icon.src, ctx.app.url))).status).toBe(200);
    expect(manifest.icons.map((i) => i.sizes)).toContain("512x512");
    const scope = await a.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${ctx.app.url}/`);
    // Start a call so the page talks to /ws, then check nothing but the shell was cached.
    await a.page.reload();
    await button(a.page, "New call").click();
    await waitForStatus(a.page, "Waiting for someone to join");
    const cached = await a.page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(cached).toContain("/");
    expect(cached.filter((u) => !/^\/($|chunk-|manifest|icon)/.test(u))).toEqual([]);
    await a.context.close();
  }, 30_000);

  test("opens without its server, from what the service worker kept: the start page and a call link's pre-join screen", async () => {
    const app = await startApp();
    const a = await newPerson(ctx.browser, app.url);
    try {
      await a.page.goto(app.url);
      await a.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      // Controlled from the next load on.
      await a.page.reload();
      await a.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 });
      await app.stop();
      await a.page.goto(`${app.url}/`);
      await button(a.page, "New call").waitFor({ timeout: 10_000 });
      await a.page.goto(`${app.url}/c/${crypto.randomUUID()}#${newSecret()}`);
      await a.page.getByRole("heading", { name: "Ready to join?" }).waitFor({ timeout: 10_000 });
    } finally {
      await a.context.close();
      await app.stop();
    }
  }, 40_000);

  test("a returning visitor's app code is compiled from V8's code cache, written by a hidden frame once the worker holds it", async () => {
    // ui/code-warm.ts: without it the first start from the worker's copy compiles the whole first chunk on the way to Join.
    const a = await newPerson(ctx.browser, ctx.app.url);
    try {
      await a.context.addInitScript(() => {
        const frames: string[] = [];
        Object.assign(window, { __frames: frames });
        new MutationObserver((records) => {
          for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLIFrameElement) frames.push(n.srcdoc);
        }).observe(document, { childList: true, subtree: true });
      });
      await a.page.goto(ctx.app.url);
      await a.page.waitForFunction(() => localStorage.getItem("onelink.codeWarmed") !== null, null, { timeout: 20_000 });
      const entry = await a.page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="modulepreload"]')!.href);
      expect(await a.page.evaluate(() => localStorage.getItem("onelink.codeWarmed"))).toBe(entry);
      // The frame only loaded the code: it drew nothing, made no call actor, and is gone again. It stays
      // FRAME_KEPT_MS (3 s) after its load, which is when the entry's URL is kept.
      const frame = a.page.frames().find((f) => f !== a.page.mainFrame());
      expect(frame).toBeDefined();
      expect(await frame!.evaluate(() => ["__onelink" in window, document.body?.childElementCount ?? -1, document.scripts.length])).toEqual([false, 0, 1]);
      await a.page.waitForFunction(() => document.querySelector("iframe") === null, null, { timeout: 10_000 });
      expect(await a.page.evaluate(() => (window as unknown as { __frames: string[] }).__frames.length)).toBe(1);
      await button(a.page, "New call").waitFor();

      // Once per build: the start page again makes no frame.
      await a.page.reload();
      await a.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 });
      await a.page.evaluate(() => new Promise((resolve) => requestIdleCallback(() => setTimeout(resolve, 1_500), { timeout: 5_000 })));
      expect(await a.page.evaluate(() => (window as unknown as { __frames: string[] }).__frames.length)).toBe(0);

      // The visit after: a call link's first chunk is read from the code cache, not compiled anew.
      await ctx.browser.startTracing(a.page, { categories: ["devtools.timeline", "v8"] });
      await a.page.goto(`${ctx.app.url}/c/${crypto.randomUUID()}#${newSecret()}`);
      await a.page.getByRole("heading", { name: "Ready to join?" }).waitFor({ timeout: 10_000 });
      const trace = JSON.parse((await ctx.browser.stopTracing()).toString()) as {
        traceEvents: { name: string; args?: { data?: { url?: string; consumedCacheSize?: number } } }[];
      };
      const compiles = trace.traceEvents.filter((e) => e.name === "v8.compileModule" && e.args?.data?.url === entry);
      expect(compiles.length).toBeGreaterThan(0);
      expect(compiles.some((e) => (e.args!.data!.consumedCacheSize ?? 0) > 100_000)).toBe(true);
    } finally {
      await a.context.close();
    }
  }, 60_000);

  test("a call link opened on a first visit installs the service worker only after the call's first picture", async () => {
    // The install fetches every file of the build: before the picture it was on the way to Join (bench/join, wt-join8).
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    const registrations = () => {
      const at: number[] = [];
      Object.assign(window, { __swRegisteredAt: at });
      const register = ServiceWorkerContainer.prototype.register;
      ServiceWorkerContainer.prototype.register = function (...args: Parameters<typeof register>) {
        at.push(performance.now());
        return register.apply(this, args);
      };
    };
    await a.context.addInitScript(registrations);
    await b.context.addInitScript(registrations);
    const registeredAt = (page: typeof a.page) => page.evaluate(() => (window as unknown as { __swRegisteredAt: number[] }).__swRegisteredAt);
    try {
      const link = `${ctx.app.url}/c/${crypto.randomUUID()}#${newSecret()}`;
      await openCallLink(a.page, link);
      await waitForStatus(a.page, "Waiting for someone to join");
      // Alone in the room, nothing asked the worker in yet (it will be after a while, or after a picture).
      expect(await registeredAt(a.page)).toEqual([]);
      expect(await a.page.evaluate(async () => (await navigator.serviceWorker.getRegistration()) === undefined)).toBe(true);
      await openCallLink(b.page, link);
      await waitForNewFrames(b.page);
      // Registered once, after B's first remote frame, and it then controls the page (it claims it once active).
      await b.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
      const [firstFrame] = await b.page.evaluate(() => performance.getEntriesByName("ol:first-frame").map((e) => e.startTime));
      const at = await registeredAt(b.page);
      expect(at.length).toBe(1);
      expect(firstFrame).toBeNumber();
      expect(at[0]!).toBeGreaterThan(firstFrame!);
      await a.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 45_000);
});

describe("keyboard shortcuts", () => {
  test("M and V toggle microphone and camera, but not while typing in a field", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    await a.page.goto(ctx.app.url);
    // Typing in the Room ID field on the landing page must not fire anything.
    await a.page.getByRole("textbox", { name: "Room ID" }).fill("");
    await a.page.getByRole("textbox", { name: "Room ID" }).pressSequentially("mv-room");
    await a.page.keyboard.press("Enter");
    await waitForStatus(a.page, "Waiting for someone to join");
    expect(await a.page.title()).toContain("Waiting for someone to join");
    const mic = button(a.page, "Microphone");
    const cam = button(a.page, "Camera");
    await expectAttribute(mic, "aria-pressed", "true");
    await a.page.keyboard.press("m");
    await expectAttribute(mic, "aria-pressed", "false");
    await a.page.keyboard.press("v");
    await expectAttribute(cam, "aria-pressed", "false");
    await a.page.getByRole("textbox", { name: "Call link" }).focus();
    await a.page.keyboard.press("m");
    await expectAttribute(mic, "aria-pressed", "false");
    await a.context.close();
  }, 30_000);
});
