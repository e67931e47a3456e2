/**
 * Perfect negotiation with two real RTCPeerConnections (the app's own peer connection actor) in
 * Chromium: when both sides renegotiate at the same instant, the polite side rolls back its offer
 * and answers, and both end stable and connected with new ICE credentials.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, recordPeerConnections, waitFor } from "./harness.ts";

type Look = { connection: string; signaling: string; remoteUfrag: string | null }[];

let browser: Browser;
let server: ReturnType<typeof Bun.serve>;
let page: Page;

beforeAll(async () => {
  const built = await Bun.build({ entrypoints: [join(import.meta.dir, "negotiation", "page.ts")], target: "browser", format: "esm" });
  if (!built.success || !built.outputs[0]) throw new AggregateError(built.logs, "negotiation page bundle failed");
  const script = await built.outputs[0].text();
  const html = `<!doctype html><meta charset="utf-8"><title>negotiation</title><script type="module" src="/page.js"></script>`;
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === "/page.js"
        ? new Response(script, { headers: { "content-type": "text/javascript" } })
        : new Response(html, { headers: { "content-type": "text/html" } }),
  });
  browser = await launchBrowser();
  const context = await browser.newContext({ permissions: ["camera", "microphone"] });
  await context.addInitScript(recordPeerConnections);
  page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  page.on("console", (m) => process.env.DEBUG_NEGOTIATION && console.log(`[page] ${m.text()}`));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.waitForFunction(() => "negotiation" in window);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  server?.stop(true);
});

const look = () => page.evaluate(() => (window as never as { negotiation: { look(): Look } }).negotiation.look());
const settled = (l: Look) => l.length === 2 && l.every((s) => s.connection === "connected" && s.signaling === "stable");

describe("perfect negotiation in Chromium", () => {
  test("offers that cross (both sides restart ICE at once) end stable, connected, with new credentials", async () => {
    await page.evaluate(() => (window as never as { negotiation: { start(d: number): Promise<void> } }).negotiation.start(40));
    const before = await waitFor(look, settled, 15_000);
    expect(before.every((s) => s.remoteUfrag !== null)).toBe(true);
    for (let round = 1; round <= 3; round++) {
      // Both make an offer; the signals are delayed, so the offers cross.
      const crossing = await page.evaluate(() => (window as never as { negotiation: { restartBoth(): Promise<string[]> } }).negotiation.restartBoth());
      expect(crossing).toEqual(["have-local-offer", "have-local-offer"]);
      const after = await waitFor(look, (l) => settled(l) && l.every((s, i) => s.remoteUfrag !== before[i]!.remoteUfrag), 15_000);
      expect(settled(after)).toBe(true);
      before.splice(0, 2, ...after);
    }
    // The connection still carries messages both ways.
    await page.evaluate(() => {
      const n = (window as never as { negotiation: { sendControl(f: string): void } }).negotiation;
      n.sendControl("a");
      n.sendControl("b");
    });
    const got = await waitFor(
      () => page.evaluate(() => ["a", "b"].map((s) => (window as never as { negotiation: { controls(s: string): string[] } }).negotiation.controls(s).length)),
      (counts) => counts.every((c) => c >= 1),
      5_000,
    );
    expect(got).toEqual([1, 1]);
    // And it has settled: no more offers go back and forth.
    const count = () =>
      page.evaluate(() => (window as never as { negotiation: { log(): string[] } }).negotiation.log().filter((l) => !l.endsWith("candidate")).length);
    const offers = await count();
    await Bun.sleep(1_500);
    if (process.env.DEBUG_NEGOTIATION)
      console.log(
        await page.evaluate(() =>
          (window as never as { negotiation: { log(): string[] } }).negotiation
            .log()
            .filter((l) => !l.endsWith("candidate"))
            .join("\n"),
        ),
      );
    expect(await count()).toBe(offers);
  }, 60_000);
});
