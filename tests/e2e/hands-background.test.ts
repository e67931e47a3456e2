/**
 * Hand drawing with a background effect on, in Chromium whose camera shows a hand
 * (tests/helpers/hand-camera.ts): hand tracking reads the frames the background worker reads
 * anyway (SegmenterApi.feedHands), so the camera is opened once and one
 * MediaStreamTrackProcessor reads its frames; the hand is found where it is. Turning the effect
 * off and on mid-call, and the camera off and on, keeps the hand tracked, from its own copy of the
 * camera while no effect runs and from the pipeline's frames again once one does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { Browser, Page, Worker } from "playwright-core";
import { cursorOf, HAND_TIP, handCamera, SOFTWARE_WEBGL } from "../helpers/hand-camera.ts";
import { button, launchBrowser, moreButton, newPerson, startApp, waitFor, waitForStatus, type AppServer } from "./harness.ts";

let app: AppServer;
let browser: Browser;
let clip: string;

beforeAll(async () => {
  app = await startApp();
  const plain = await launchBrowser();
  try {
    clip = await handCamera(plain);
  } finally {
    await plain.close();
  }
  browser = await launchBrowser([...SOFTWARE_WEBGL, `--use-file-for-fake-video-capture=${clip}`]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (clip) rmSync(clip, { force: true });
});

/** An init script: counts the page's camera openings (getUserMedia asking for video) and the MediaStreamTrackProcessors made (each reads a track's frames). */
function countCameraReads() {
  type Ctor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => object;
  const w = window as unknown as { __cameraOpens: number; __frameReaders: number; MediaStreamTrackProcessor?: Ctor };
  w.__cameraOpens = 0;
  w.__frameReaders = 0;
  const media = navigator.mediaDevices;
  const open = media.getUserMedia.bind(media);
  media.getUserMedia = (constraints?: MediaStreamConstraints) => {
    if (constraints?.video) w.__cameraOpens++;
    return open(constraints);
  };
  const Native = w.MediaStreamTrackProcessor;
  if (Native)
    w.MediaStreamTrackProcessor = class extends Native {
      constructor(init: { track: MediaStreamTrack; maxBufferSize?: number }) {
        super(init);
        w.__frameReaders++;
      }
    };
}
const cameraReads = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __cameraOpens: number; __frameReaders: number };
    return { opens: w.__cameraOpens, readers: w.__frameReaders };
  });

/** Frames the background worker has handed to hand tracking (null: no pipeline running). */
const handFrames = (page: Page) =>
  page.evaluate(async () => {
    const all = await (window as never as { __onelinkCamera: { stats(): Promise<{ handFrames: number }[]> } }).__onelinkCamera.stats();
    return all.length ? all.reduce((n, s) => n + s.handFrames, 0) : null;
  });

/** Counts, inside the hand worker, the detections on frames from the page (detect) and from the pipeline (detectNext). */
async function countDetections(worker: Worker) {
  await worker.evaluate(() => {
    // Comlink's messages name the method called.
    const scope = self as unknown as { __calls: Record<string, number>; addEventListener(type: "message", f: (e: MessageEvent) => void): void };
    scope.__calls = { detect: 0, detectNext: 0 };
    scope.addEventListener("message", (e) => {
      const method = (e.data as { path?: string[] } | null)?.path?.[0];
      if (method === "detect" || method === "detectNext") scope.__calls[method]!++;
    });
  });
  return () => worker.evaluate(() => ({ ...(self as unknown as { __calls: { detect: number; detectNext: number } }).__calls }));
}

const FOUND = { active: { hands: { tracking: "handFound" } } };

/** The hand is found, the pointer on the raised fingertip. */
async function expectHandAtTip(page: Page) {
  const found = await waitFor(
    () => cursorOf(page),
    (s) => s.cursor !== null && JSON.stringify(s.value) === JSON.stringify(FOUND),
    90_000,
  );
  expect(found.cursor!.mode).toBe("hover");
  expect(found.cursor!.point.x).toBeCloseTo(HAND_TIP.x, 1);
  expect(found.cursor!.point.y).toBeCloseTo(HAND_TIP.y, 1);
}

/** Waits until `read` has grown by at least `by` from what it is now. */
async function grows(read: () => Promise<number | null>, by = 3, timeout = 60_000) {
  const from = (await read()) ?? 0;
  await waitFor(read, (n) => n !== null && n >= from + by, timeout);
}

const chooseBackground = async (page: Page, label: string) => {
  await (await moreButton(page, "Settings")).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("combobox", { name: "Background" }).selectOption({ label });
  await dialog.getByRole("button", { name: "Close" }).click();
};

describe("hand drawing with a background effect", () => {
  test("Blur and hands on: one camera opening, one frame reader, the hand found on the pipeline's frames; effect and camera off and on keep it tracked", async () => {
    const { context, page } = await newPerson(browser, app.url);
    await context.addInitScript(countCameraReads);
    try {
      await page.goto(`${app.url}/c/${crypto.randomUUID()}`);
      await page.getByRole("combobox", { name: "Background" }).selectOption({ label: "Blur (light)" });
      await button(page, "Join").click();
      await waitForStatus(page, "Waiting for someone to join", 20_000);
      await waitFor(
        () => handFrames(page),
        (n) => n !== null,
        60_000,
      );
      const started = page.waitForEvent("worker", { predicate: (w) => w.url().endsWith("/hand-tracker.js"), timeout: 20_000 });
      await (await moreButton(page, "Draw")).click();
      const detections = await countDetections(await started);
      await expectHandAtTip(page);
      await grows(() => handFrames(page));
      await grows(async () => (await detections()).detectNext);
      expect((await detections()).detect).toBe(0);
      expect(await cameraReads(page)).toEqual({ opens: 1, readers: 1 });
      await page.getByText("Pinch to draw").waitFor();

      // No effect: the hand tracker reads its own copy of the camera.
      await chooseBackground(page, "None");
      await waitFor(
        () => handFrames(page),
        (n) => n === null,
      );
      await grows(async () => (await detections()).detect);
      await expectHandAtTip(page);
      const withoutEffect = await cameraReads(page);
      expect(withoutEffect.opens).toBe(1);
      expect(withoutEffect.readers).toBeGreaterThanOrEqual(2);

      // The effect again: back on the pipeline's frames.
      await chooseBackground(page, "Blur (strong)");
      await waitFor(
        () => handFrames(page),
        (n) => n !== null,
        60_000,
      );
      await grows(() => handFrames(page));
      await grows(async () => (await detections()).detectNext);
      await expectHandAtTip(page);

      // Camera off: nothing is read, the hand is lost; on again, found again on the pipeline's frames.
      const camera = page.getByRole("button", { name: "Camera", exact: true });
      await camera.click();
      await waitFor(
        () => cursorOf(page),
        (s) => s.cursor === null,
      );
      await camera.click();
      await grows(() => handFrames(page));
      await expectHandAtTip(page);
      const after = await detections();
      await grows(async () => (await detections()).detectNext);
      expect((await detections()).detect).toBe(after.detect);
      // Still one camera opening, and one reader more: the second pipeline's (the camera's switch opens none).
      expect(await cameraReads(page)).toEqual({ opens: 1, readers: withoutEffect.readers + 1 });
    } finally {
      await context.close();
    }
  }, 300_000);
});
