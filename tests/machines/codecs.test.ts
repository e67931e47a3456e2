import { afterEach, describe, expect, test } from "bun:test";
import { memoryStorage } from "../helpers/memory-storage.ts";
import { CODECS_KEY, isProbeOrder, recallCodecs, rememberCodecs } from "../../machines/media/codecs.ts";

const g = globalThis as { localStorage?: Storage };
afterEach(() => void delete g.localStorage);

describe("the codec order kept between visits", () => {
  test("only orders the probe could give are accepted", () => {
    for (const ok of [
      ["video/H264", "video/VP8"],
      ["video/VP9", "video/H264", "video/VP8"],
      ["video/AV1", "video/VP9", "video/H264", "video/VP8"],
    ])
      expect(isProbeOrder(ok)).toBe(true);
    for (const bad of [
      [],
      ["video/VP8", "video/H264"],
      ["video/H264"],
      ["video/VP9", "video/VP9", "video/H264", "video/VP8"],
      ["video/evil", "video/H264", "video/VP8"],
      "video/H264",
      null,
    ])
      expect(isProbeOrder(bad)).toBe(false);
  });

  test("the same browser gets back what it probed; another browser or version gets nothing", () => {
    g.localStorage = memoryStorage();
    expect(recallCodecs("Chrome/140")).toBeNull();
    rememberCodecs(["video/VP9", "video/H264", "video/VP8"], "Chrome/140");
    expect(recallCodecs("Chrome/140")).toEqual(["video/VP9", "video/H264", "video/VP8"]);
    expect(recallCodecs("Chrome/141")).toBeNull();
  });

  test("a value that is not a probed order is dropped, not used", () => {
    g.localStorage = memoryStorage();
    g.localStorage.setItem(CODECS_KEY, JSON.stringify({ ua: "Chrome/140", order: ["video/VP8"] }));
    expect(recallCodecs("Chrome/140")).toBeNull();
    expect(g.localStorage.getItem(CODECS_KEY)).toBeNull();
    g.localStorage.setItem(CODECS_KEY, "{not json");
    expect(recallCodecs("Chrome/140")).toBeNull();
  });
});
