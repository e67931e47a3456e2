/**
 * The floor of "presented" frames in headless Chromium (bench/group/README.md, 1 Dec 2026 evening):
 * no app, no server, one bare page. A 15 fps stream of Chromium's fake camera (320x180, as
 * bench/group's) is shown in a bare <video>, first straight from the camera, then through a
 * loopback RTCPeerConnection pair in the same page (VP8 encoded and decoded, as a 1:1 call's
 * picture is). Over each window it counts, per <video>:
 *
 *   source     frames the camera track delivered (MediaStreamTrackProcessor on a clone)
 *   decoded    frames the receiving connection decoded (inbound-rtp framesDecoded)
 *   callbacks  requestVideoFrameCallback callbacks (what bench/group calls "presented")
 *   presented  the callbacks' own metadata.presentedFrames (frames handed to the compositor,
 *              counted even when a callback was skipped)
 *   rAF        requestAnimationFrame callbacks per second: the page's frame clock
 *
 * so that a rate short of 15 can be put where it is lost: the camera, the decoder, the compositor,
 * or only the callback's pacing. Each round runs in the bench's Chromium as launched for the tests
 * and, beside it, with `--disable-rtc-smoothness-algorithm` (Chromium's switch that turns off the
 * smoothing of WebRTC video frames' presentation), to tell whether that algorithm drops them.
 * Usage (a Chromium job: under the heavy-job lock):
 *   node_modules/.bin/bun bench/group/present.ts [--window 10] [--rounds 2]
 */
import { loadavg } from "node:os";
import { launchBrowser } from "../../tests/e2e/harness.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const WINDOW_MS = Number(flag("window", "10")) * 1000;
const ROUNDS = Number(flag("rounds", "2"));

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>present floor</title></head>
<body><video id="v" autoplay muted playsinline width="320" height="180"></video></body></html>`;

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }) });

interface Counts {
  source: number;
  decoded: number | null;
  callbacks: number;
  presented: number;
  raf: number;
  seconds: number;
}

/** Runs in the page: shows the stream (`loopback`: through a pair of connections) and counts over `ms`. */
function measureInPage({ ms, loopback }: { ms: number; loopback: boolean }): Promise<Counts> {
  return (async () => {
    const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 180, frameRate: 15 }, audio: false });
    const track = camera.getVideoTracks()[0]!;
    let shown: MediaStream = camera;
    let receiver: RTCPeerConnection | null = null;
    let sender: RTCPeerConnection | null = null;
    if (loopback) {
      sender = new RTCPeerConnection();
      receiver = new RTCPeerConnection();
      const a = sender;
      const b = receiver;
      a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
      b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
      const got = new Promise<MediaStream>((resolve) => {
        b.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]));
      });
      a.addTrack(track, camera);
      await a.setLocalDescription();
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription();
      await a.setRemoteDescription(b.localDescription!);
      shown = await got;
    }
    const video = document.getElementById("v") as HTMLVideoElement;
    video.srcObject = shown;
    await video.play().catch(() => {});
    // Let the stream settle (the first key frame, the bitrate ramp).
    await new Promise((r) => setTimeout(r, 3000));
    const decodedNow = async () => {
      if (!receiver) return null;
      let n = 0;
      (await receiver.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") n += s.framesDecoded ?? 0;
      });
      return n;
    };
    let done = false;
    let source = 0;
    const processor = new (
      window as unknown as { MediaStreamTrackProcessor: new (o: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } }
    ).MediaStreamTrackProcessor({ track: track.clone() });
    const reader = processor.readable.getReader();
    void (async () => {
      while (!done) {
        const { value, done: end } = await reader.read();
        if (end) break;
        value.close();
        source++;
      }
    })();
    let callbacks = 0;
    let firstPresented: number | null = null;
    let lastPresented = 0;
    const tick = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (done) return;
      callbacks++;
      firstPresented ??= meta.presentedFrames;
      lastPresented = meta.presentedFrames;
      video.requestVideoFrameCallback(tick);
    };
    video.requestVideoFrameCallback(tick);
    let raf = 0;
    const frame = () => {
      if (done) return;
      raf++;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const d0 = await decodedNow();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    done = true;
    const seconds = (performance.now() - t0) / 1000;
    const d1 = await decodedNow();
    await reader.cancel();
    for (const t of [...camera.getTracks(), ...shown.getTracks()]) t.stop();
    sender?.close();
    receiver?.close();
    return {
      source,
      decoded: d0 === null || d1 === null ? null : d1 - d0,
      callbacks,
      // The first callback's count includes frames before the window: measured from it on.
      presented: firstPresented === null ? 0 : lastPresented - firstPresented + 1,
      raf,
      seconds,
    };
  })();
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
console.log(`bench/group/present: ${new Date().toISOString()}, window ${WINDOW_MS / 1000} s, ${ROUNDS} rounds, load ${load()}`);
const VARIANTS: [string, string[]][] = [
  ["as the tests launch it", []],
  ["--disable-rtc-smoothness-algorithm", ["--disable-rtc-smoothness-algorithm"]],
];
const rate = (n: number | null, s: number) => (n === null ? "—" : (n / s).toFixed(1));
try {
  for (let round = 1; round <= ROUNDS; round++)
    for (const [name, args] of VARIANTS) {
      const browser = await launchBrowser(args);
      try {
        const page = await (await browser.newContext()).newPage();
        await page.goto(server.url.href);
        for (const loopback of [false, true]) {
          const c = await page.evaluate(measureInPage, { ms: WINDOW_MS, loopback });
          console.log(
            `round ${round}, Chromium ${name}, ${loopback ? "camera → VP8 loopback → <video>" : "camera → <video>"}: frames/s source ${rate(c.source, c.seconds)}, ` +
              `decoded ${rate(c.decoded, c.seconds)}, presented ${rate(c.presented, c.seconds)} (metadata.presentedFrames), ` +
              `rVFC callbacks ${rate(c.callbacks, c.seconds)}, rAF ${rate(c.raf, c.seconds)}; load ${load()}`,
          );
        }
      } finally {
        await browser.close();
      }
    }
} finally {
  server.stop(true);
}
