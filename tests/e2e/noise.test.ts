/**
 * Noise suppression in Debian Chromium: the fake microphone plays a wav made here (tone bursts,
 * a speech-like on/off pattern, over white noise). With the setting on (the default), the local
 * media machine sends the RNNoise track; WebAudio analysers on the raw microphone and on the sent
 * track compare the noise floor in the gaps and the level in the bursts.
 */
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { newPerson, openCallLink, recordPeerConnections, useAppAndBrowser, waitFor, waitForStatus } from "./harness.ts";

const RATE = 48_000;
/** 0.3 s bursts every 0.8 s: a 300 Hz tone with harmonics, over white noise at -30 dBFS. */
function writeFixtureWav(path: string, seconds = 8) {
  const n = RATE * seconds;
  const pcm = new Int16Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const noise = 0.045 * ((s / 2 ** 32) * 2 - 1);
    const t = i / RATE;
    const on = t % 0.8 < 0.3;
    const tone = on ? 0.25 * (Math.sin(2 * Math.PI * 300 * t) + 0.5 * Math.sin(2 * Math.PI * 600 * t) + 0.3 * Math.sin(2 * Math.PI * 900 * t)) : 0;
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round((noise + tone) * 32767)));
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + n * 2, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(n * 2, 40);
  return Bun.write(path, Buffer.concat([header, Buffer.from(pcm.buffer)]));
}

const wav = join(tmpdir(), `onelink-noise-${process.pid}.wav`);
await writeFixtureWav(wav);
// Removed as the test process ends (the browser reads it until then).
process.on("exit", () => rmSync(wav, { force: true }));
const ctx = useAppAndBrowser({}, [`--use-file-for-fake-audio-capture=${wav}`]);

type Ctx = { mic: MediaStreamTrack | null; denoised: MediaStreamTrack | null };
/** Whether the sent (suppressed) microphone track is live; null until the app's code has started (it runs after the page's load). */
const mediaContext = (page: Page) =>
  page.evaluate(() => {
    const media = (
      window as never as { __onelink?: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: Ctx } }> } } }
    ).__onelink?.getSnapshot().children.media;
    if (!media) return null;
    return media.getSnapshot().context.denoised?.readyState === "live";
  });

/** Per 10 ms, the level (dBFS) of the raw microphone and of the sent track, for `ms`. */
const levels = (page: Page, ms: number) =>
  page.evaluate(async (ms) => {
    const media = (
      window as never as { __onelink: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: Ctx } }> } } }
    ).__onelink.getSnapshot().children.media!;
    const c = media.getSnapshot().context;
    const ac = new AudioContext({ sampleRate: 48_000 });
    const probe = (t: MediaStreamTrack) => {
      const a = ac.createAnalyser();
      a.fftSize = 512;
      ac.createMediaStreamSource(new MediaStream([t])).connect(a);
      return a;
    };
    const raw = probe(c.mic as MediaStreamTrack);
    const sent = probe(c.denoised as MediaStreamTrack);
    const buf = new Float32Array(480);
    const level = (a: AnalyserNode) => {
      a.getFloatTimeDomainData(buf);
      let e = 0;
      for (const x of buf) e += x * x;
      return 10 * Math.log10(e / buf.length + 1e-12);
    };
    const out: { raw: number; sent: number }[] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
      out.push({ raw: level(raw), sent: level(sent) });
    }
    await ac.close();
    return out;
  }, ms);

describe("noise suppression", () => {
  test("on by default: the sent microphone has a clearly lower noise floor and the bursts still come through", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    await a.page.goto(`${ctx.app.url}/c/${crypto.randomUUID()}`);
    await waitFor(
      () => mediaContext(a.page),
      (on) => on === true,
      30_000,
    );
    // On the pre-join screen nobody hears us: the suppression sleeps and its track is silent, while
    // the screen's level meter reads the microphone itself and moves with the bursts.
    const asleep = await levels(a.page, 1_600);
    expect(Math.max(...asleep.map((s) => s.raw))).toBeGreaterThan(-40);
    expect(Math.max(...asleep.map((s) => s.sent))).toBeLessThan(-90);
    await waitFor(
      () => a.page.getByRole("meter", { name: "Microphone level" }).evaluate((m) => (m as HTMLMeterElement).value),
      (v) => v > 0.02,
      10_000,
    );
    // What a connection coming up tells it (the call's `inCall`): it wakes.
    await a.page.evaluate(() => {
      const media = (window as never as { __onelink: { getSnapshot(): { children: Record<string, { send(e: unknown): void }> } } }).__onelink.getSnapshot()
        .children.media!;
      media.send({ type: "MEDIA.HEARD", on: true });
    });
    const samples = await levels(a.page, 4000);
    // The raw level tells gaps from bursts (the pattern's timing in the page is unknown).
    const sorted = samples.map((s) => s.raw).sort((x, y) => x - y);
    const cut = ((sorted[Math.floor(sorted.length * 0.2)] as number) + (sorted[Math.floor(sorted.length * 0.9)] as number)) / 2;
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
    const gaps = samples.filter((s) => s.raw < cut);
    const bursts = samples.filter((s) => s.raw >= cut);
    const r = {
      gapRaw: median(gaps.map((s) => s.raw)),
      gapSent: median(gaps.map((s) => s.sent)),
      burstRaw: median(bursts.map((s) => s.raw)),
      burstSent: median(bursts.map((s) => s.sent)),
    };
    console.log(
      `noise floor raw ${r.gapRaw.toFixed(1)} dB, sent ${r.gapSent.toFixed(1)} dB; bursts raw ${r.burstRaw.toFixed(1)} dB, sent ${r.burstSent.toFixed(1)} dB`,
    );
    expect(gaps.length).toBeGreaterThan(20);
    expect(bursts.length).toBeGreaterThan(20);
    expect(r.gapSent).toBeLessThan(r.gapRaw - 6);
    expect(r.burstSent).toBeGreaterThan(r.gapSent + 10);
    await a.context.close();
  }, 120_000);

  test("the receiver hears a clearly lower noise floor with suppression on than off, bursts kept", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    await b.context.addInitScript(recordPeerConnections);
    const room = `${ctx.app.url}/c/${crypto.randomUUID()}`;
    await openCallLink(a.page, room);
    await waitForStatus(a.page, "Waiting for someone to join", 20_000);
    // Alone, nobody hears A: its suppression sleeps (its AudioContext suspended) and the sent track is
    // silent while the microphone beeps. B's connection wakes it: what B hears below has A's bursts in it.
    await waitFor(
      () => mediaContext(a.page),
      (on) => on === true,
      30_000,
    );
    const alone = await levels(a.page, 1_600);
    const loudest = (xs: number[]) => Math.max(...xs);
    console.log(`alone: raw up to ${loudest(alone.map((s) => s.raw)).toFixed(1)} dB, sent up to ${loudest(alone.map((s) => s.sent)).toFixed(1)} dB`);
    expect(loudest(alone.map((s) => s.raw))).toBeGreaterThan(-40);
    expect(loudest(alone.map((s) => s.sent))).toBeLessThan(-90);
    await openCallLink(b.page, room);
    await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
    // The joiner's denoised microphone is swapped in once A's picture shows (answer-first.ts): it does end up sent.
    const joinerSendsDenoised = () =>
      b.page.evaluate(() => {
        const w = window as never as {
          __pcs: RTCPeerConnection[];
          __onelink: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: Ctx } }> } };
        };
        const denoised = w.__onelink.getSnapshot().children.media!.getSnapshot().context.denoised;
        const sent = w.__pcs.flatMap((pc) => (pc.connectionState === "connected" ? pc.getSenders() : [])).find((s) => s.track?.kind === "audio")?.track;
        return denoised?.readyState === "live" && sent?.id === denoised.id;
      });
    await waitFor(joinerSendsDenoised, (yes) => yes, 10_000);
    const setDenoise = (on: boolean) =>
      a.page.evaluate((on) => {
        const media = (window as never as { __onelink: { getSnapshot(): { children: Record<string, { send(e: unknown): void }> } } }).__onelink.getSnapshot()
          .children.media!;
        media.send({ type: "MEDIA.SETTINGS", change: { denoise: on } });
      }, on);
    /** Levels at B of A's audio: gaps and bursts told apart by the level itself. */
    const heard = async () => {
      const samples = await b.page.evaluate(async () => {
        const video = [...document.querySelectorAll("video")].find((v) => v.getAttribute("aria-label")?.startsWith("Remote video")) as HTMLVideoElement;
        const track = (video.srcObject as MediaStream).getAudioTracks()[0] as MediaStreamTrack;
        const ac = new AudioContext({ sampleRate: 48_000 });
        const an = ac.createAnalyser();
        an.fftSize = 512;
        ac.createMediaStreamSource(new MediaStream([track])).connect(an);
        const buf = new Float32Array(480);
        const out: number[] = [];
        const end = performance.now() + 4000;
        while (performance.now() < end) {
          await new Promise((r) => setTimeout(r, 10));
          an.getFloatTimeDomainData(buf);
          let e = 0;
          for (const x of buf) e += x * x;
          out.push(10 * Math.log10(e / buf.length + 1e-12));
        }
        await ac.close();
        return out;
      });
      const sorted = samples.slice().sort((x, y) => x - y);
      return { floor: sorted[Math.floor(sorted.length * 0.2)] as number, loud: sorted[Math.floor(sorted.length * 0.9)] as number };
    };
    await setDenoise(false);
    await waitFor(
      () => mediaContext(a.page),
      (on) => on === false,
      20_000,
    );
    await Bun.sleep(1000);
    const off = await heard();
    await setDenoise(true);
    await waitFor(
      () => mediaContext(a.page),
      (on) => on === true,
      20_000,
    );
    await Bun.sleep(1000);
    const on = await heard();
    console.log(
      `receiver: noise floor off ${off.floor.toFixed(1)} dB, on ${on.floor.toFixed(1)} dB; bursts off ${off.loud.toFixed(1)} dB, on ${on.loud.toFixed(1)} dB`,
    );
    expect(on.floor).toBeLessThan(off.floor - 6);
    expect(on.loud).toBeGreaterThan(on.floor + 10);
    expect(on.loud).toBeGreaterThan(off.loud - 6);
    await Promise.all([a.context.close(), b.context.close()]);
  }, 180_000);
});
