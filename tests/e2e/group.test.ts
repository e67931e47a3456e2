/**
 * Group calls through a real Janus, inside the network namespace the test command makes
 * (Janus's ICE skips loopback): three people on one link see each other through the SFU.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import {
  type AppServer,
  button,
  expectAttribute,
  launchBrowser,
  newPerson,
  openCallLink,
  recordPeerConnections,
  startApp,
  waitFor,
  waitForStatus,
} from "./harness.ts";

const ctx = {} as { app: AppServer; browser: Browser };

beforeAll(async () => {
  const url = process.env.SFU_URLS ?? "";
  if (!url) throw new Error("group tests need a Janus: SFU_URLS and SFU_SECRET");
  ctx.app = await startApp({ SFU_URLS: url, SFU_SECRET: process.env.SFU_SECRET ?? "" });
  ctx.browser = await launchBrowser();
});
afterAll(async () => {
  await ctx.browser?.close();
  await ctx.app?.stop();
});

/** Frames each remote video decodes over `ms`, in page order. */
function remoteFrameCounts(page: Page, ms = 1500): Promise<number[]> {
  return page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        const videos = [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')];
        const counts = videos.map(() => 0);
        let done = false;
        videos.forEach((v, i) => {
          const tick = () => {
            if (done) return;
            counts[i]!++;
            v.requestVideoFrameCallback(tick);
          };
          v.requestVideoFrameCallback(tick);
        });
        setTimeout(() => {
          done = true;
          resolve(counts);
        }, ms);
      }),
    ms,
  );
}

/** Waits until the page shows `n` remote videos, every one of them advancing. */
const seesMoving = (page: Page, n: number, timeout = 30_000) =>
  waitFor(
    () => remoteFrameCounts(page),
    (counts) => counts.length === n && counts.every((c) => c >= 3),
    timeout,
  );

/**
 * An init script that watches every remote video as it appears: when its stream is swapped for
 * another (the direct path for the media server's), the time from the last frame of the old one
 * to the first frame of the new one; and whether a picture ever went blank (its stream removed).
 */
function recordSwitches() {
  const w = window as unknown as { __switch: { gaps: number[]; blanked: number } };
  w.__switch = { gaps: [], blanked: 0 };
  const state = new Map<HTMLVideoElement, { src: unknown; lastFrame: number; swappedFrom: number | null }>();
  setInterval(() => {
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')) {
      let s = state.get(v);
      if (!s) {
        s = { src: v.srcObject, lastFrame: 0, swappedFrom: null };
        state.set(v, s);
        const watch = s;
        const tick = (now: number) => {
          if (watch.swappedFrom !== null && v.srcObject === watch.src) {
            w.__switch.gaps.push(now - watch.swappedFrom);
            watch.swappedFrom = null;
          }
          watch.lastFrame = now;
          v.requestVideoFrameCallback(tick);
        };
        v.requestVideoFrameCallback(tick);
      }
      if (v.srcObject !== s.src) {
        if (s.src && !v.srcObject) w.__switch.blanked++;
        if (s.src && v.srcObject && s.lastFrame > 0) s.swappedFrom = s.lastFrame;
        s.src = v.srcObject;
      }
    }
  }, 10);
}

/** The page's peer connections that are not closed, and the remote address each is connected to. */
const openConnections = (page: Page) =>
  page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== "closed");
    return Promise.all(
      pcs.map(async (pc) => {
        let remote = "";
        (await pc.getStats()).forEach((s) => {
          if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") remote = s.remoteCandidateId;
        });
        let address = "";
        (await pc.getStats()).forEach((s) => {
          if (s.id === remote) address = s.address;
        });
        return { state: pc.connectionState, address };
      }),
    );
  });

const log = (page: Page) => page.getByRole("log", { name: "Chat messages" });
async function openChat(page: Page) {
  const toggle = button(page, "Chat");
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  await expectAttribute(toggle, "aria-pressed", "true");
  await log(page).waitFor();
}
const chatTexts = (page: Page) => log(page).locator(".chat-text").allInnerTexts();

describe("group call through the media server", () => {
  test("three people on one link each see the two others' video", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    const c = await newPerson(ctx.browser, ctx.app.url);
    for (const p of [a, b, c]) {
      await p.context.addInitScript(recordPeerConnections);
      await p.context.addInitScript(recordSwitches);
    }
    await a.page.goto(ctx.app.url);
    await button(a.page, "New call").click();
    await waitForStatus(a.page, "Waiting for someone to join");
    const link = await a.page.getByRole("textbox", { name: "Call link" }).inputValue();
    await openCallLink(b.page, link);
    await waitForStatus(b.page, "Connected", 20_000);
    await seesMoving(b.page, 1);

    const direct = await openConnections(b.page);
    expect(direct).toEqual([{ state: "connected", address: expect.stringMatching(/^(127\.|10\.)/) }]);

    // The third person: everyone moves to the media server, the old path closing only after.
    await openCallLink(c.page, link);
    const counts = await Promise.all([a, b, c].map((p) => seesMoving(p.page, 2, 40_000)));
    console.log("frames per remote video in 1.5 s:", JSON.stringify(counts));
    const switches = await Promise.all(
      [a, b].map((p) => p.page.evaluate(() => (window as unknown as { __switch: { gaps: number[]; blanked: number } }).__switch)),
    );
    console.log(`A and B, from the last direct frame to the first through the media server: ${switches.map((s) => s.gaps.map(Math.round)).join(" ms, ")} ms`);
    // Make before break: each picture was swapped once, for one that was already decoding, and never went blank.
    for (const s of switches) {
      expect(s.blanked).toBe(0);
      expect(s.gaps.length).toBe(1);
      // The new picture was decoding before the swap: a frame or two late at most (a break and a fresh connection take seconds).
      expect(s.gaps[0]!).toBeLessThan(1500);
    }
    // Every page now has its two media-server connections (publish, receive), both to Janus; none direct.
    for (const p of [a, b, c]) {
      const pcs = await waitFor(
        () => openConnections(p.page),
        (list) => list.length === 2 && list.every((x) => x.state === "connected"),
      );
      const addresses = new Set(pcs.map((x) => x.address));
      expect(addresses.size).toBe(1);
    }
    for (const p of [a, b, c]) await waitForStatus(p.page, "Connected");

    // Chat reaches everyone through the server's relay; so do mute and camera states.
    await openChat(c.page);
    await c.page.getByRole("textbox", { name: "Message" }).fill("hello group");
    await c.page.getByRole("textbox", { name: "Message" }).press("Enter");
    for (const p of [a, b]) {
      await openChat(p.page);
      await waitFor(
        () => chatTexts(p.page),
        (t) => t.includes("hello group"),
      );
    }
    await button(c.page, "Microphone").click();
    for (const p of [a, b]) await p.page.getByText("Their microphone is muted").first().waitFor({ timeout: 10_000 });

    // C hangs up: A and B go on seeing each other.
    await button(c.page, "Hang up").click();
    for (const p of [a, b]) await seesMoving(p.page, 1, 20_000);
    await Promise.all([a, b, c].map((p) => p.context.close()));
  }, 120_000);
});
