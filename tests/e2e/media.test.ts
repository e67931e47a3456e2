/**
 * Media end to end, in Chromium with fake cameras and the fake screen picker, headless.
 * `--use-fake-device-for-media-stream=device-count=3` lists fake_device_0 (I420), fake_device_1
 * (Y16, a depth-like format WebRTC does not encode: frames never reach the peer) and
 * fake_device_2 (MJPEG): switching uses 0 and 2, two real distinct capture devices.
 * `--use-fake-ui-for-media-stream` makes getDisplayMedia return a fake screen with a fake tab
 * audio track without a click. Unplugging is simulated by ending the track as the browser does.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import {
  button,
  launchBrowser,
  moreButton,
  newPerson,
  useAppAndBrowser,
  waitFor,
  waitForNewFrames,
  waitForStatus,
  openCallLink,
  expectAttribute,
} from "./harness.ts";

// A later switch wins over the harness's plain --use-fake-device-for-media-stream.
const ctx = useAppAndBrowser({}, ["--use-fake-device-for-media-stream=device-count=3"]);

async function call() {
  const a = await newPerson(ctx.browser, ctx.app.url);
  const b = await newPerson(ctx.browser, ctx.app.url);
  const room = crypto.randomUUID();
  await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
  await waitForStatus(a.page, "Waiting for someone to join", 20_000);
  await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
  await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
  await Promise.all([waitForNewFrames(a.page, "Remote video", 5, 30_000), waitForNewFrames(b.page, "Remote video", 5, 30_000)]);
  return { a, b, close: () => Promise.all([a.context.close(), b.context.close()]) };
}

/** The camera the local media machine uses on this page: its track, device, whether it is live, and its size as the device gives it now; null without one, or before the app's code has started. */
const cameraOf = (page: Page) =>
  page.evaluate(() => {
    const media = (
      window as never as { __onelink?: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: { camera: MediaStreamTrack | null } } }> } } }
    ).__onelink?.getSnapshot().children.media;
    const camera = media?.getSnapshot().context.camera;
    const s = camera?.getSettings();
    return camera && s
      ? { id: camera.id, deviceId: s.deviceId!, label: camera.label, state: camera.readyState, width: s.width ?? 0, height: s.height ?? 0 }
      : null;
  });

/** What the other side receives: the decoded frame size and the audio tracks of the remote stream. */
const remoteShape = (page: Page) =>
  page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('video[aria-label^="Remote video"]')!;
    const stream = v.srcObject as MediaStream | null;
    return { width: v.videoWidth, height: v.videoHeight, liveAudio: stream?.getAudioTracks().filter((t) => !t.muted).length ?? 0 };
  });

/** What our own view plays: its tracks' kinds and ids (picture only: machines/media/picture.ts). */
const selfViewTracks = (page: Page) =>
  page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('video[aria-label="Your video"]')!;
    return (v.srcObject as MediaStream).getTracks().map((t) => ({ kind: t.kind, id: t.id, state: t.readyState }));
  });
const cameraTrackId = async (page: Page) => (await cameraOf(page))?.id;

async function chooseCamera(page: Page, label: string) {
  await (await moreButton(page, "Settings")).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("combobox", { name: "Camera" }).selectOption({ label });
  await waitFor(
    () => cameraOf(page),
    (c) => c?.label === label && c.state === "live",
  );
  await dialog.getByRole("button", { name: "Close" }).click();
}

describe("media", () => {
  test("the camera opens at 720p while nobody is there and goes to the chosen 1080p in place once the call is up, the other side's picture flowing throughout", async () => {
    const room = crypto.randomUUID();
    // B in a browser of its own, as on another machine: two pages of one browser share its fake
    // camera, which then cannot change its capture size for either.
    const elsewhere = await launchBrowser();
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(elsewhere, ctx.app.url);
    await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
    await waitForStatus(a.page, "Waiting for someone to join", 20_000);
    const waiting = (await waitFor(
      () => cameraOf(a.page),
      (c) => c !== null && c.height > 0,
    ))!;
    expect(waiting).toMatchObject({ width: 1280, height: 720 });
    await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
    await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
    for (const p of [a, b]) {
      const full = await waitFor(
        () => cameraOf(p.page),
        (c) => c?.height === 1080,
        20_000,
      );
      expect(full!.width).toBe(1920);
    }
    // The same track, reshaped: nothing was renegotiated or replaced.
    expect((await cameraOf(a.page))!.id).toBe(waiting.id);
    await Promise.all([waitForNewFrames(a.page, "Remote video", 20, 20_000), waitForNewFrames(b.page, "Remote video", 20, 20_000)]);
    for (const p of [a, b]) expect(await p.page.getByRole("status").first().innerText()).toStartWith("Connected");
    await Promise.all([a.context.close(), b.context.close()]);
    await elsewhere.close();
  }, 90_000);

  test("switching camera in Settings mid-call keeps the call up, frames flowing, and is remembered", async () => {
    const { a, b, close } = await call();
    const before = (await cameraOf(a.page))!;
    // Our own view plays the camera without the microphone's sound.
    expect(await selfViewTracks(a.page)).toEqual([{ kind: "video", id: (await cameraTrackId(a.page))!, state: "live" }]);
    await (await moreButton(a.page, "Settings")).click();
    const dialog = a.page.getByRole("dialog", { name: "Settings" });
    const select = dialog.getByRole("combobox", { name: "Camera" });
    await select.waitFor();
    const options = await select.locator("option").evaluateAll((os) => os.map((o) => ({ id: (o as HTMLOptionElement).value, label: o.textContent })));
    expect(options.map((o) => o.label)).toEqual(["fake_device_0", "fake_device_1", "fake_device_2"]);
    expect(before.label).toBe("fake_device_0");
    const other = options.find((o) => o.label === "fake_device_2")!.id;
    await select.selectOption(other);
    const after = await waitFor(
      () => cameraOf(a.page),
      (c) => c?.deviceId === other,
    );
    expect(after!.state).toBe("live");
    await dialog.getByRole("button", { name: "Close" }).click();
    // Our own view follows the new camera (the stream's tracks change in place: picture.ts keeps up).
    expect(await selfViewTracks(a.page)).toEqual([{ kind: "video", id: (await cameraTrackId(a.page))!, state: "live" }]);
    // The old camera is released, the new one is on the same sender: no renegotiation, the call stays up.
    await waitForNewFrames(a.page, "Your video", 5, 20_000);
    await waitForNewFrames(b.page, "Remote video", 20, 20_000);
    expect(await b.page.getByRole("status").first().innerText()).toStartWith("Connected");
    // Chosen once, used again after a reload (localStorage).
    await a.page.reload();
    await waitForStatus(a.page, "Connected", 30_000);
    // A refresh rejoins without waiting for its camera (bench/join README join18): "Connected" may come first.
    const reloaded = await waitFor(
      () => cameraOf(a.page),
      (c) => c !== null,
    );
    expect(reloaded!.deviceId).toBe(other);
    await waitForNewFrames(b.page, "Remote video", 10, 30_000);
    await close();
  }, 120_000);

  test("once the call has been up a moment, the dialogs' code is already fetched: opening Settings fetches nothing", async () => {
    const { a, close } = await call();
    const chunks = () =>
      a.page.evaluate(() => performance.getEntriesByType("resource").filter((e) => /\/chunk-[\w-]+\.js$/.test(new URL(e.name).pathname)).length);
    // The page fetches them 2 s into the call; 5 s after its first remote frame they are there.
    await waitFor(
      () => a.page.evaluate(() => performance.now() - (performance.getEntriesByName("ol:first-frame")[0]?.startTime ?? Number.POSITIVE_INFINITY)),
      (since) => since > 5000,
      15_000,
    );
    const before = await chunks();
    await (await moreButton(a.page, "Settings")).click();
    await a.page.getByRole("dialog", { name: "Settings" }).getByRole("combobox", { name: "Camera" }).waitFor();
    expect(await chunks()).toBe(before);
    await close();
  });

  test("the camera in use ends (unplugged): the call falls back to another one and says so", async () => {
    const { a, b, close } = await call();
    await chooseCamera(a.page, "fake_device_2");
    // Headless Chromium cannot unplug a fake camera: end its track the way the browser does.
    await a.page.evaluate(() => {
      const media = (
        window as never as { __onelink: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: { camera: MediaStreamTrack } } }> } } }
      ).__onelink.getSnapshot().children.media!;
      media.getSnapshot().context.camera.dispatchEvent(new Event("ended"));
    });
    await a.page.getByRole("alert").filter({ hasText: "Your camera “fake_device_2” stopped; switched to “fake_device_0”." }).waitFor({ timeout: 20_000 });
    expect((await cameraOf(a.page))!.label).toBe("fake_device_0");
    await waitForNewFrames(b.page, "Remote video", 20, 20_000);
    expect(await b.page.getByRole("status").first().innerText()).toStartWith("Connected");
    await a.page.getByRole("button", { name: "Dismiss" }).click();
    await a.page.getByRole("alert").filter({ hasText: "Your camera" }).waitFor({ state: "detached" });
    await close();
  }, 120_000);

  test("screen share replaces the camera for the peer (with tab audio) and the camera returns when it stops", async () => {
    const { a, b, close } = await call();
    // A small camera picture (Settings, applied in place) tells it apart from the shared screen at the other end.
    await (await moreButton(a.page, "Settings")).click();
    const dialog = a.page.getByRole("dialog", { name: "Settings" });
    await dialog.getByRole("combobox", { name: "Resolution" }).selectOption("640x360");
    await dialog.getByRole("button", { name: "Close" }).click();
    const small = (s: { width: number }) => s.width > 0 && s.width <= 640;
    await waitFor(() => remoteShape(b.page), small);
    const share = button(a.page, "Share screen");
    await expectAttribute(share, "aria-pressed", "false");
    await share.click();
    await waitFor(
      () => share.getAttribute("aria-pressed"),
      (v) => v === "true",
    );
    await b.page.getByText("They are sharing their screen").waitFor({ timeout: 20_000 });
    const screen = await waitFor(
      () => remoteShape(b.page),
      (s) => s.width > 640,
    );
    console.log(`peer sees the camera at 640x360 or less, then the screen at ${screen.width}x${screen.height}`);
    await waitFor(
      () => remoteShape(b.page),
      (s) => s.liveAudio >= 2,
    ); // microphone and tab audio
    await waitForNewFrames(b.page, "Remote video", 10, 20_000);

    await share.click();
    await waitFor(
      () => share.getAttribute("aria-pressed"),
      (v) => v === "false",
    );
    await b.page.getByText("They are sharing their screen").waitFor({ state: "detached", timeout: 20_000 });
    await waitFor(
      () => remoteShape(b.page),
      (s) => small(s) && s.liveAudio === 1,
    );

    // Stopped from the browser's own "Stop sharing" bar: the screen track ends.
    await share.click();
    await b.page.getByText("They are sharing their screen").waitFor({ timeout: 20_000 });
    await waitFor(
      () => remoteShape(b.page),
      (s) => s.width > 640,
    );
    await a.page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('video[aria-label="Your video"]')!;
      const track = (v.srcObject as MediaStream).getVideoTracks()[0]!;
      track.stop();
      track.dispatchEvent(new Event("ended"));
    });
    await waitFor(
      () => share.getAttribute("aria-pressed"),
      (v) => v === "false",
    );
    await b.page.getByText("They are sharing their screen").waitFor({ state: "detached", timeout: 20_000 });
    await waitFor(() => remoteShape(b.page), small);
    await waitForNewFrames(b.page, "Remote video", 10, 20_000);
    await close();
  }, 150_000);

  test("Stats shows both directions from getStats every second; the quality indicator is always there", async () => {
    const { a, close } = await call();
    await a.page.getByRole("img", { name: /Connection quality: (good|fair|poor)/ }).waitFor({ timeout: 20_000 });
    const stats = await moreButton(a.page, "Stats");
    await stats.click();
    await expectAttribute(stats, "aria-pressed", "true");
    const panel = a.page.getByRole("region", { name: "Call statistics" });
    const row = (name: string) => panel.getByRole("row", { name: new RegExp(`^${name}`) }).innerText();
    await waitFor(
      () => row("Frame rate"),
      (t) => /\d+ fps\s+\d+ fps/.test(t),
    );
    await waitFor(
      () => row("Video bitrate"),
      (t) => /(kbps|Mbps)\s+\S+ (kbps|Mbps)/.test(t),
    );
    expect(await row("Resolution")).toMatch(/\d+×\d+\s+\d+×\d+/);
    expect(await row("Codec")).toMatch(/VP8|VP9|H264|AV1/);
    expect(await row("Candidate")).toMatch(/host|srflx|prflx|relay/);
    expect(await panel.locator("caption").innerText()).toMatch(/Round trip \d+ ms/);
    const first = await row("Video bitrate");
    await waitFor(
      () => row("Video bitrate"),
      (t) => t !== first,
      10_000,
    ); // refreshed
    await a.page.screenshot({ path: "/tmp/onelink-stats.png" });
    await (await moreButton(a.page, "Stats")).click();
    await panel.waitFor({ state: "detached" });
    await (await moreButton(a.page, "Settings")).click();
    await a.page.getByRole("dialog", { name: "Settings" }).waitFor();
    await a.page.screenshot({ path: "/tmp/onelink-settings.png" });
    await close();
  }, 120_000);
});
