/**
 * Camera pipeline bench (not a test): the pre-join preview's frames per second with each
 * background choice, at 640x360 and 1280x720, from a generated fixture camera
 * (tests/helpers/fixture-video.ts, 30 fps), and the main thread's long tasks (> 50 ms) meanwhile.
 * The preview shows the processed track, so its frame rate is the pipeline's. Run
 * `npm run build` first.
 *
 *   node_modules/.bin/bun bench/camera/bench.ts [seconds]
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, newPerson, startApp, waitFor } from "../../tests/e2e/harness.ts";
import { writeFixtureY4m } from "../../tests/helpers/fixture-video.ts";

const seconds = Number(process.argv[2] ?? 10);
const SIZES = [
  [640, 360],
  [1280, 720],
] as const;
const CHOICES = ["None", "Blur (light)", "Blur (strong)", "Picture: dusk"];

const app = await startApp();
try {
  for (const [w, h] of SIZES) {
    const fixture = join(tmpdir(), `onelink-bench-${w}x${h}-${process.pid}.y4m`);
    writeFixtureY4m(fixture, w, h, 10);
    const browser = await launchBrowser([`--use-file-for-fake-video-capture=${fixture}`]);
    try {
      const { page } = await newPerson(browser, app.url);
      await page.goto(`${app.url}/c/${crypto.randomUUID()}`);
      for (const choice of CHOICES) {
        await page.getByRole("combobox", { name: "Background" }).selectOption({ label: choice });
        await waitFor(
          () =>
            page.evaluate(() => {
              const media = (
                window as never as {
                  __onelink: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: { processed: MediaStreamTrack | null } } }> } };
                }
              ).__onelink.getSnapshot().children.media!;
              return media.getSnapshot().context.processed !== null;
            }),
          (on) => on === (choice !== "None"),
          30_000,
        );
        await Bun.sleep(2000); // warm-up
        const got = await page.evaluate(
          (ms) =>
            new Promise<{ fps: number; longTasks: number; longestMs: number }>((resolve) => {
              const video = document.querySelector<HTMLVideoElement>('video[aria-label="Your video"]')!;
              let frames = 0;
              const tasks: number[] = [];
              const observer = new PerformanceObserver((list) => {
                for (const e of list.getEntries()) tasks.push(e.duration);
              });
              observer.observe({ type: "longtask" });
              const started = performance.now();
              const onFrame = () => {
                frames++;
                if (performance.now() - started < ms) video.requestVideoFrameCallback(onFrame);
                else {
                  observer.disconnect();
                  resolve({ fps: (frames * 1000) / (performance.now() - started), longTasks: tasks.length, longestMs: Math.max(0, ...tasks) });
                }
              };
              video.requestVideoFrameCallback(onFrame);
            }),
          seconds * 1000,
        );
        console.log(
          `${w}x${h}  ${choice.padEnd(14)} ${got.fps.toFixed(1).padStart(5)} fps  ${(1000 / got.fps).toFixed(1).padStart(6)} ms/frame  long tasks ${got.longTasks} (longest ${got.longestMs.toFixed(0)} ms)`,
        );
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await app.stop();
}
