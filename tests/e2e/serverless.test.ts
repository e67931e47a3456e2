/**
 * A serverless call end to end: both pages load, the server that served them is stopped, and the
 * two people connect by carrying the offer and answer codes between the pages' text fields.
 * Then the call keeps working with no server: a control message (camera off), a screen share
 * with tab audio (an added sender: a real renegotiation) and an ICE restart go over the data
 * channel. The test only starts the ICE restart (pc.restartIce() on a connection it recorded
 * through an init script), as the app does on network trouble; offering, answering and
 * applying it is the app's own code.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContextOptions, Locator, Page } from "playwright-core";
import { ARTIFACTS, boxClashes, noHorizontalScroll } from "./layout.ts";
import { button, isUncovered, launchBrowser, newPerson, recordPeerConnections, startApp, waitForNewFrames, waitForStatus, type AppServer } from "./harness.ts";

let app: AppServer;
let browser: Browser;
let serverStopped = false;
const SHOTS = process.env.SERVERLESS_SHOTS; // a directory to save screenshots in, when set

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  if (!serverStopped) await app?.stop();
});

type Ufrags = { local: string | null; remote: string | null; state: RTCSignalingState };
const ufragsOf = (page: Page) =>
  page.evaluate((): Ufrags => {
    const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)!;
    const ufrag = (d: RTCSessionDescription | null) => /a=ice-ufrag:(\S+)/.exec(d?.sdp ?? "")?.[1] ?? null;
    return { local: ufrag(pc.localDescription), remote: ufrag(pc.remoteDescription), state: pc.signalingState };
  });

async function shot(page: Page, name: string) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/serverless-${name}.png` });
}

/** The other's picture flows on this page (a failure says whose page it was). */
const seesFrames = (who: string, page: Page) =>
  waitForNewFrames(page, "Remote video", 10, 20_000).catch((err: Error) => {
    throw new Error(`${who}'s page: ${err.message}`);
  });

const field = (page: Page, name: "Offer code" | "Answer code") => page.getByRole("textbox", { name, exact: true });
/** The start page's way in: it opens the two choices. */
const START = "Call without a server…";

/** A person at a given screen size (the pages are loaded while the server is still up). */
async function personAt(options: BrowserContextOptions) {
  const context = await browser.newContext({ ...options, permissions: ["camera", "microphone"] });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  return { context, page };
}

/** Whether the element lies wholly inside the viewport (after scrolling it into view). */
const wholeInViewport = (locator: Locator) =>
  locator.evaluate((el) => {
    el.scrollIntoView({ block: "nearest" });
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
  });

describe("a call without a server, refreshed", () => {
  test("the code panel is beside the self view on a laptop, its QR whole on a phone; after a refresh the other side is told to make a new code", async () => {
    const a = await personAt({ viewport: { width: 1280, height: 800 } });
    const b = await personAt({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    try {
      await Promise.all([a.page.goto(app.url), b.page.goto(app.url)]);
      await button(a.page, START).click();
      await button(a.page, "Create an offer code").click();
      await waitForStatus(a.page, "Share this offer code, then paste the answer code", 20_000);
      const offerQr = a.page.getByRole("img", { name: "QR code of the offer code" });
      await offerQr.waitFor();
      expect(await boxClashes(a.page, ".serverless-panel, .local")).toEqual([]);
      expect(await isUncovered(offerQr)).toBe(true);
      expect(await wholeInViewport(offerQr)).toBe(true);
      await a.page.screenshot({ path: `${ARTIFACTS}/serverless-1280-offer.png` });

      await button(b.page, START).click();
      await button(b.page, "I have an offer code").click();
      await field(b.page, "Offer code").fill(await field(a.page, "Offer code").inputValue());
      await button(b.page, "Create answer code").click();
      await waitForStatus(b.page, "Share this answer code", 20_000);
      const answerQr = b.page.getByRole("img", { name: "QR code of the answer code" });
      expect(await wholeInViewport(answerQr)).toBe(true);
      expect(await isUncovered(answerQr)).toBe(true);
      await noHorizontalScroll(b.page);
      await b.page.screenshot({ path: `${ARTIFACTS}/serverless-390-answer.png` });

      await field(a.page, "Answer code").fill(await field(b.page, "Answer code").inputValue());
      await button(a.page, "Connect").click();
      await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);

      // A refresh ends a call without a server: the other side is told so, and how to call again.
      await b.page.reload();
      await a.page.getByText("A call without a server cannot resume by itself", { exact: false }).waitFor({ timeout: 20_000 });
      expect(await a.page.getByText("resumes by itself").count()).toBe(0);
      await a.page.screenshot({ path: `${ARTIFACTS}/serverless-1280-they-left.png` });
      await button(a.page, "Make a new code").click();
      await waitForStatus(a.page, "Share this offer code, then paste the answer code", 20_000);
      await a.page.getByRole("img", { name: "QR code of the offer code" }).waitFor();
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 120_000);
});

describe("a call without a server, the site gone before the codes' format was kept", () => {
  test("the offer code cannot be made: the person is told why, not to reload; Try again makes it once the site is back", async () => {
    // No service worker: the page asks the site for each chunk, and the one with the codes' format is refused while `down`.
    const a = await personAt({ serviceWorkers: "block" });
    let down = true;
    let refused = 0;
    // Which chunk exports the format (others only call it by name), read by the test itself: a response
    // fetched through the route (route.fetch) can be disposed under the handler when the page drops the request.
    const holdsFormat = new Map<string, Promise<boolean>>();
    await a.page.route(/\/chunk-[\w-]+\.js$/, async (route) => {
      const url = route.request().url();
      if (!holdsFormat.has(url))
        holdsFormat.set(
          url,
          fetch(url).then(async (r) => /\bas encodeCode\b/.test(await r.text())),
        );
      const refuse = down && (await holdsFormat.get(url));
      if (refuse) refused++;
      // A request the page has given up on can no longer be answered: nothing is lost.
      await (refuse ? route.fulfill({ status: 503, body: "" }) : route.continue()).catch(() => {});
    });
    try {
      await a.page.goto(app.url);
      await button(a.page, START).click();
      await button(a.page, "Create an offer code").click();
      const why = "This page could not load the part of OneLink that makes codes: the site cannot be reached. Try again once you are online.";
      await waitForStatus(a.page, why, 20_000);
      await a.page.getByRole("alert").filter({ hasText: why }).waitFor();
      expect(refused).toBeGreaterThan(0);
      expect(await field(a.page, "Offer code").inputValue()).toBe("");
      expect(await field(a.page, "Offer code").getAttribute("placeholder")).not.toContain("Preparing");
      expect(await a.page.getByText("Reload the page", { exact: false }).count()).toBe(0);

      down = false;
      await button(a.page, "Try again").click();
      await waitForStatus(a.page, "Share this offer code, then paste the answer code", 20_000);
      expect(await field(a.page, "Offer code").inputValue()).toMatch(/^OL2o\.[A-Za-z0-9_-]+$/);
      expect(await a.page.getByRole("alert").filter({ hasText: why }).count()).toBe(0);
      expect(await button(a.page, "Try again").count()).toBe(0);
    } finally {
      // A chunk still being fetched when the page closes would fail its handler after this test, in the next one's name.
      await a.page.unrouteAll({ behavior: "ignoreErrors" });
      await a.context.close();
    }
  }, 120_000);
});

describe("serverless call", () => {
  test("codes carried by hand connect two pages whose server is gone; control and renegotiation go peer to peer", async () => {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, app.url);
    await a.context.addInitScript(recordPeerConnections);
    await b.context.addInitScript(recordPeerConnections);
    await Promise.all([a.page.goto(app.url), b.page.goto(app.url)]);
    await Promise.all([button(a.page, START).waitFor(), button(b.page, START).waitFor()]);
    const bothSeeFrames = () => Promise.all([seesFrames("A", a.page), seesFrames("B", b.page)]);
    // The app works without its site once the service worker is in (it keeps every chunk, the
    // code reader's too): before that, a chunk first wanted after the site went is not to be had.
    await Promise.all([a, b].map((p) => p.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))));
    await app.stop();
    serverStopped = true;

    // A makes the offer code.
    await button(a.page, START).click();
    await button(a.page, "Create an offer code").click();
    await waitForStatus(a.page, "Share this offer code, then paste the answer code", 20_000);
    const offer = await field(a.page, "Offer code").inputValue();
    expect(offer).toMatch(/^OL2o\.[A-Za-z0-9_-]+$/);
    console.log(`offer code: ${offer.length} characters`);
    await a.page.getByRole("img", { name: "QR code of the offer code" }).waitFor();
    await shot(a.page, "1-offer");

    // B pastes it: first cut short (refused with a message), then whole.
    await button(b.page, START).click();
    await button(b.page, "I have an offer code").click();
    await waitForStatus(b.page, "Paste the offer code", 20_000);
    await field(b.page, "Offer code").fill(offer.slice(0, 300));
    await button(b.page, "Create answer code").click();
    await b.page.getByRole("alert").filter({ hasText: "incomplete" }).waitFor({ timeout: 5_000 });
    await field(b.page, "Offer code").fill(offer);
    await button(b.page, "Create answer code").click();
    await waitForStatus(b.page, "Share this answer code", 20_000);
    const answer = await field(b.page, "Answer code").inputValue();
    expect(await isUncovered(b.page.getByRole("img", { name: "QR code of the answer code" }))).toBe(true); // not under the self view
    expect(answer).toMatch(/^OL2a\.[A-Za-z0-9_-]+$/);
    console.log(`answer code: ${answer.length} characters`);
    await shot(b.page, "2-answer");

    // A pastes the wrong code first (their own offer), then the answer.
    await field(a.page, "Answer code").fill(offer);
    await button(a.page, "Connect").click();
    await a.page.getByRole("alert").filter({ hasText: "This is an offer code" }).waitFor({ timeout: 5_000 });
    await field(a.page, "Answer code").fill(answer);
    await button(a.page, "Connect").click();

    await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
    await bothSeeFrames();
    expect(await a.page.getByRole("region", { name: "Connection codes" }).count()).toBe(0);
    await shot(a.page, "3-connected");

    // A control message over the data channel.
    await button(a.page, "Camera").click();
    await b.page.getByText("Their camera is off").waitFor({ timeout: 10_000 });
    await button(a.page, "Camera").click();
    await b.page.getByText("Their camera is off").waitFor({ state: "detached", timeout: 10_000 });

    // A screen share reaches the peer with no server: the screen replaces the camera and tab audio
    // adds a sender, a real renegotiation that can only travel over the data channel.
    await button(a.page, "Share screen").click();
    await b.page.getByText("They are sharing their screen").waitFor({ timeout: 20_000 });
    await b.page.waitForFunction(
      () =>
        ((document.querySelector('video[aria-label^="Remote video"]') as HTMLVideoElement).srcObject as MediaStream).getAudioTracks().filter((t) => !t.muted)
          .length >= 2,
      undefined,
      { timeout: 20_000 },
    );
    await seesFrames("B", b.page);
    await button(a.page, "Share screen").click();
    await b.page.getByText("They are sharing their screen").waitFor({ state: "detached", timeout: 20_000 });

    // An ICE restart (what the app does on network trouble) is offered and answered the same way.
    // Stopping the share removes the tab-audio sender (a negotiation round or two): wait until
    // the connection has been stable for a second.
    await a.page.waitForFunction(
      () =>
        new Promise<boolean>((resolve) => {
          const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)!;
          let calm = 0;
          const tick = () => {
            calm = pc.signalingState === "stable" ? calm + 1 : 0;
            if (calm >= 10) resolve(true);
            else setTimeout(tick, 100);
          };
          tick();
        }),
      undefined,
      { timeout: 15_000 },
    );
    const before = await ufragsOf(a.page);
    expect(before.state).toBe("stable");
    await a.page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)!.restartIce());
    await a.page.waitForFunction(
      (old) => {
        const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)!;
        const ufrag = (d: RTCSessionDescription | null) => /a=ice-ufrag:(\S+)/.exec(d?.sdp ?? "")?.[1];
        return pc.signalingState === "stable" && ufrag(pc.localDescription) !== old.local && ufrag(pc.remoteDescription) !== old.remote;
      },
      before,
      { timeout: 15_000 },
    );
    const afterA = await ufragsOf(a.page);
    const afterB = await ufragsOf(b.page);
    expect(afterB).toEqual({ local: afterA.remote, remote: afterA.local, state: "stable" });
    await bothSeeFrames();
    await waitForStatus(a.page, "Connected");
    await waitForStatus(b.page, "Connected");

    // Hanging up reaches the other side too.
    await button(a.page, "Leave").click();
    await waitForStatus(b.page, "The other person hung up", 10_000);
    await a.context.close();
    await b.context.close();
  }, 120_000);
});
