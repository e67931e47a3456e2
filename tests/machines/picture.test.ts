import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pictureOf, SELF_VIEW_FPS, syncPicture } from "../../machines/media/picture.ts";

/** Just enough of a MediaStreamTrack for picture.ts: clone, constraints, enabled, stop. */
class FakeTrack {
  enabled = true;
  readyState: "live" | "ended" = "live";
  constraints: MediaTrackConstraints = {};
  clones: FakeTrack[] = [];
  constructor(public kind: "audio" | "video") {}
  clone() {
    const c = new FakeTrack(this.kind);
    c.enabled = this.enabled;
    this.clones.push(c);
    return c;
  }
  applyConstraints(c: MediaTrackConstraints) {
    this.constraints = c;
    return Promise.resolve();
  }
  stop() {
    this.readyState = "ended";
  }
}
class FakeStream {
  tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = []) {
    this.tracks = [...tracks];
  }
  getTracks = () => [...this.tracks];
  getVideoTracks = () => this.tracks.filter((t) => t.kind === "video");
  addTrack = (t: FakeTrack) => void this.tracks.push(t);
  removeTrack = (t: FakeTrack) => void (this.tracks = this.tracks.filter((x) => x !== t));
}

const browser = globalThis as { MediaStream?: unknown };
const had = browser.MediaStream;
beforeAll(() => {
  browser.MediaStream = FakeStream;
});
afterAll(() => {
  browser.MediaStream = had;
});

const setUp = () => {
  const camera = new FakeTrack("video");
  const mic = new FakeTrack("audio");
  const stream = new FakeStream([mic, camera]);
  const picture = pictureOf(stream as unknown as MediaStream) as unknown as FakeStream;
  return { camera, mic, stream, picture, sync: () => syncPicture(stream as unknown as MediaStream) };
};

describe("the self views' picture", () => {
  test("is a clone of the camera alone, held to the self view's frame rate; the camera itself is left as it is", () => {
    const { camera, stream, picture } = setUp();
    expect(picture.getTracks()).toEqual([camera.clones[0]!]);
    expect(camera.clones[0]!.constraints).toEqual({ frameRate: { max: SELF_VIEW_FPS } });
    expect(camera.constraints).toEqual({});
    // The same stream each time: a <video> keeps it bound.
    expect(pictureOf(stream as unknown as MediaStream) as unknown).toBe(picture);
  });

  test("follows the camera being switched off and on", () => {
    const { camera, picture, sync } = setUp();
    camera.enabled = false;
    sync();
    expect(picture.getTracks().map((t) => t.enabled)).toEqual([false]);
    camera.enabled = true;
    sync();
    expect(picture.getTracks().map((t) => t.enabled)).toEqual([true]);
  });

  test("a camera replaced in the stream: its clone is stopped, the new camera's shown, off if it is", () => {
    const { camera, stream, picture, sync } = setUp();
    const old = camera.clones[0]!;
    const next = new FakeTrack("video");
    next.enabled = false;
    stream.removeTrack(camera);
    camera.stop();
    stream.addTrack(next);
    sync();
    expect(old.readyState).toBe("ended");
    expect(picture.getTracks()).toEqual([next.clones[0]!]);
    expect(next.clones[0]!.enabled).toBe(false);
  });

  test("the stream stopped (hang-up, leaving): every clone is stopped, so none keeps the camera open", () => {
    const { camera, stream, picture, sync } = setUp();
    for (const t of stream.getTracks()) t.stop();
    sync();
    expect(camera.clones.map((c) => c.readyState)).toEqual(["ended"]);
    expect(picture.getTracks()).toEqual([]);
  });
});
