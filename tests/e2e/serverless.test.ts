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
import type { Browser, Page } from "playwright-core";
import { button, isUncovered, launchBrowser, newPerson, recordPeerConnections, startApp, waitForNewFrames, waitForStatus, type AppServer } from "./harness.ts";

let app: AppServer;
let browser: Browser;
let serverStopped = false;
const SHOTS = process.env.SERVERLESS_SHOTS; // a directory to save screenshots in, when set

beforeAll(async () => {
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

const field = (page: Page, name: "Offer code" | "Answer code") => page.getByRole("textbox", { name, exact: true });

describe("serverless call", () => {
  test("codes carried by hand connect two pages whose server is gone; control and renegotiation go peer to peer", async () => {
    const a = await newPerson(browser, app.url);
    const b = await newPerson(browser, app.url);
    await a.context.addInitScript(recordPeerConnections);
    await b.context.addInitScript(recordPeerConnections);
    await Promise.all([a.page.goto(app.url), b.page.goto(app.url)]);
    await Promise.all([button(a.page, "Serverless").waitFor(), button(b.page, "Serverless").waitFor()]);
    await app.stop();
    serverStopped = true;

    // A makes the offer code.
    await button(a.page, "Serverless").click();
    await button(a.page, "Create an offer code").click();
    await waitForStatus(a.page, "Share this offer code, then paste the answer code", 20_000);
    const offer = await field(a.page, "Offer code").inputValue();
    expect(offer).toMatch(/^OL2o\.[A-Za-z0-9_-]+$/);
    console.log(`offer code: ${offer.length} characters`);
    await a.page.getByRole("img", { name: "QR code of the offer code" }).waitFor();
    await shot(a.page, "1-offer");

    // B pastes it: first cut short (refused with a message), then whole.
    await button(b.page, "Serverless").click();
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
    await Promise.all([waitForNewFrames(a.page, "Remote video", 10, 20_000), waitForNewFrames(b.page, "Remote video", 10, 20_000)]);
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
    await waitForNewFrames(b.page, "Remote video", 10, 20_000);
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
    await Promise.all([waitForNewFrames(a.page, "Remote video", 10, 20_000), waitForNewFrames(b.page, "Remote video", 10, 20_000)]);
    await waitForStatus(a.page, "Connected");
    await waitForStatus(b.page, "Connected");

    // Hanging up reaches the other side too.
    await button(a.page, "Leave").click();
    await waitForStatus(b.page, "The other person hung up", 10_000);
    await a.context.close();
    await b.context.close();
  }, 120_000);
});
