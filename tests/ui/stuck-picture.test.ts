import { describe, expect, test } from "bun:test";
import { stuckPictureWatch, type WatchedVideo } from "../../ui/stuck-picture.ts";

/** A stand-in <video>: its frame count moves only when the test says so; it records each binding. */
function standIn() {
  const stream = { id: "theirs" } as unknown as MediaStream;
  let frames = 0;
  let source: MediaProvider | null = stream;
  const bindings: (MediaProvider | null)[] = [];
  const video: WatchedVideo & { paused: boolean } = {
    paused: false,
    get srcObject() {
      return source;
    },
    set srcObject(s) {
      source = s;
      bindings.push(s);
    },
    getVideoPlaybackQuality: () => ({ totalVideoFrames: frames }),
    play: () => Promise.resolve(),
  };
  return { video, stream, bindings, frame: () => frames++ };
}

describe("a picture frozen on the page while its frames are decoded", () => {
  test("moving frames: nothing is done", () => {
    const { video, bindings, frame } = standIn();
    let stuck = 0;
    const check = stuckPictureWatch(video, () => stuck++);
    for (let i = 0; i < 10; i++) {
      frame();
      expect(check()).toBeNull();
    }
    expect(bindings).toEqual([]);
    expect(stuck).toBe(0);
  });

  test("still for two looks: the same stream is bound again; for three: onStuck, once", () => {
    const { video, stream, bindings } = standIn();
    let stuck = 0;
    const check = stuckPictureWatch(video, () => stuck++);
    expect(check()).toBeNull();
    expect(check()).toBe("rebound");
    expect(bindings).toEqual([null, stream]);
    expect(video.srcObject).toBe(stream);
    expect(check()).toBe("stuck");
    expect(stuck).toBe(1);
    for (let i = 0; i < 5; i++) expect(check()).toBeNull();
    expect(stuck).toBe(1);
    expect(bindings).toHaveLength(2);
  });

  test("frames that come back start the watch afresh", () => {
    const { video, frame } = standIn();
    let stuck = 0;
    const check = stuckPictureWatch(video, () => stuck++);
    check();
    expect(check()).toBe("rebound");
    frame();
    expect(check()).toBeNull();
    expect(check()).toBeNull();
    expect(check()).toBe("rebound");
    expect(check()).toBe("stuck");
    expect(stuck).toBe(1);
  });

  test("a paused element is not frozen: nothing is done", () => {
    const { video, bindings } = standIn();
    video.paused = true;
    let stuck = 0;
    const check = stuckPictureWatch(video, () => stuck++);
    for (let i = 0; i < 5; i++) expect(check()).toBeNull();
    expect(bindings).toEqual([]);
    expect(stuck).toBe(0);
  });
});
