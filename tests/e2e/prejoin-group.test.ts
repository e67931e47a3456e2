/**
 * The pre-join screen of a group call (a real Janus, inside the network namespace the test
 * command makes: `bash scripts/netns.sh node_modules/.bin/bun test tests/e2e/prejoin-group.test.ts`):
 * it names the people already there (those with no name are guests), and a room at its capacity
 * (ROOM_CAPACITY, 3 here) is said to be full with Join disabled; the third's publishing connection
 * is prepared there, sending nothing before Join, and publishes after it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import type { RunningJanus } from "../../scripts/janus.ts";
import { startTestJanus } from "../helpers/janus.ts";
import {
  type AppServer,
  button,
  expectAttribute,
  frames,
  launchBrowser,
  newPerson,
  recordPeerConnections,
  recordSocketFrames,
  slowDevices,
  startApp,
  waitForMoving,
  waitForNewFrames,
  waitForStatus,
} from "./harness.ts";
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
      // Enabled (also while its camera and microphone start: Join goes in at once and they follow).
      await expectAttribute(button(c.page, "Join"), "disabled", null);
      // C joins with no name.
      await nameField(c.page).fill("");
      await button(c.page, "Join").click();

      await d.page.goto(link);
      await says(d.page, "This call is full (3 people)");
      expect(await button(d.page, "Join").isDisabled()).toBe(true);
      // Bob leaves: Ada and the guest remain, and D may join.
      await button(b.page, "Leave").click();
      await says(d.page, "Ada and 1 guest are in this call");
      await expectAttribute(button(d.page, "Join"), "disabled", null);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 90_000);

  test("two people in the call: the third's publishing connection and offer are prepared on the pre-join screen, nothing leaves before Join, and that connection publishes after it", async () => {
    const people = await Promise.all([0, 1, 2].map(() => newPerson(ctx.browser, ctx.app.url)));
    const [a, b, c] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    const link = `${ctx.app.url}/c/group-prepared-${Date.now()}#${newSecret()}`;
    type Pcs = { __pcs: RTCPeerConnection[] };
    try {
      await c.context.addInitScript(recordPeerConnections);
      await c.context.addInitScript(recordSocketFrames);
      for (const p of [a, b]) {
        await p.page.goto(link);
        await button(p.page, "Join").click();
      }
      await Promise.all([waitForStatus(a.page, "Connected · 2 people", 20_000), waitForStatus(b.page, "Connected · 2 people", 20_000)]);

      await c.page.goto(link);
      await c.page.waitForFunction(() => performance.getEntriesByName("ol:sfu-offer-prepared").length > 0, null, { timeout: 15_000 });
      // Its connections but the direct one it guessed before the peek answered (one person there),
      // closed once the peek said two: the only one it closes.
      expect(await c.page.evaluate(() => (window as unknown as Pcs).__pcs.filter((pc) => pc.signalingState === "closed").length)).toBeLessThanOrEqual(1);
      const prepared = await c.page.evaluate(() =>
        (window as unknown as Pcs).__pcs
          .filter((pc) => pc.signalingState !== "closed")
          .map((pc) => ({
            local: pc.localDescription?.type ?? null,
            remote: pc.remoteDescription?.type ?? null,
            lines: pc.getTransceivers().map((t) => `${t.sender.track?.kind ?? "none"} ${t.direction} ${t.sender.getParameters().encodings.length}`),
          })),
      );
      // The publishing connection (audio, video in three simulcast layers) with its offer set, and the receiving one, empty.
      expect(prepared).toEqual([
        { local: "offer", remote: null, lines: ["audio sendonly 1", "video sendonly 3"] },
        { local: null, remote: null, lines: [] },
      ]);
      await Bun.sleep(1_500);
      // Nothing went out but peeks: no join, no offer, no candidate.
      expect(new Set((await frames(c.page, "out")).map((m) => m.type))).toEqual(new Set(["peek"]));
      await waitForStatus(a.page, "Connected · 2 people");

      await button(c.page, "Join").click();
      await Promise.all([a, b, c].map((p) => waitForStatus(p.page, "Connected · 3 people", 30_000)));
      await waitForNewFrames(c.page, "Remote video", 5, 30_000);
      // The prepared connection published (the media server answered it, and it is up); A shows C's tile beside B's.
      await c.page.waitForFunction(
        () => (window as unknown as Pcs).__pcs.filter((pc) => pc.signalingState !== "closed")[0]?.connectionState === "connected",
        null,
        { timeout: 30_000 },
      );
      await a.page.locator('video[aria-label^="Remote video"]').nth(1).waitFor({ timeout: 30_000 });
      // Its offer was the first the page sent to the media server, and no other connection was made.
      const out = (await frames(c.page, "out")).filter((m) => m.type === "sfu" && "description" in m.data);
      const sdp = await c.page.evaluate(() => (window as unknown as Pcs).__pcs.filter((pc) => pc.signalingState !== "closed")[0]!.localDescription?.sdp);
      expect(out[0]).toMatchObject({ pc: "pub", data: { description: { type: "offer", sdp } } });
      expect(
        await c.page.evaluate(() =>
          (window as unknown as Pcs).__pcs
            .filter((pc) => pc.signalingState !== "closed")
            .map((pc) => `${pc.localDescription?.type}/${pc.remoteDescription?.type}`),
        ),
      ).toEqual(["offer/answer", "answer/offer"]);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 90_000);

  test("the third pressing Join while a slow camera still starts: in the group at once, both others' pictures before it opens; once it opens, everyone sees everyone", async () => {
    const people = await Promise.all([0, 1, 2].map(() => newPerson(ctx.browser, ctx.app.url)));
    const [a, b, c] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    const link = `${ctx.app.url}/c/group-early-${Date.now()}#${newSecret()}`;
    type Opened = { __devicesOpen?: number };
    try {
      await c.context.addInitScript(slowDevices, 10_000);
      for (const p of [a, b]) {
        await p.page.goto(link);
        await button(p.page, "Join").click();
      }
      await Promise.all([waitForStatus(a.page, "Connected · 2 people", 20_000), waitForStatus(b.page, "Connected · 2 people", 20_000)]);

      await c.page.goto(link);
      await says(c.page, "2 people are in this call");
      await button(c.page, "Join").click();
      // Both others' pictures, through the media server, while C's camera and microphone still start.
      await waitForMoving(c.page, 2, 30_000);
      expect(await c.page.evaluate(() => (window as unknown as Opened).__devicesOpen)).toBeUndefined();
      // A's tile of C says C's camera is starting (C's initials, not an empty picture).
      const cStarting = a.page.getByText("Their camera is starting…", { exact: true });
      await cStarting.waitFor({ timeout: 20_000 });
      // Once they open, C publishes them on the path made at the join: everyone is connected, and A and B each see two moving pictures.
      await c.page.waitForFunction(() => (window as unknown as Opened).__devicesOpen !== undefined, null, { timeout: 20_000 });
      await Promise.all([a, b, c].map((p) => waitForStatus(p.page, "Connected · 3 people", 30_000)));
      await Promise.all([waitForMoving(a.page, 2, 30_000), waitForMoving(b.page, 2, 30_000)]);
      await cStarting.waitFor({ state: "detached", timeout: 10_000 });
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 120_000);
});
