import { afterEach, describe, expect, test } from "bun:test";
import { memoryStorage } from "../helpers/memory-storage.ts";
import { Sounds } from "../../machines/features/sound.ts";

/** The page's sounds' mute, as the chat uses it. */
const bound = (sounds: Sounds) => ({ muted: () => sounds.muted(), setMuted: (on: boolean) => sounds.setMuted(on) });

const g = globalThis as { localStorage?: Storage };
afterEach(() => {
  delete g.localStorage;
});

describe("notification sounds' mute", () => {
  test("without storage the choice lasts for the page", () => {
    const { muted: soundsMuted, setMuted: setSoundsMuted } = bound(new Sounds());
    expect(soundsMuted()).toBe(false);
    setSoundsMuted(true);
    expect(soundsMuted()).toBe(true);
    setSoundsMuted(false);
    expect(soundsMuted()).toBe(false);
  });

  test("with storage it is kept for the device, and a choice made in another tab counts", () => {
    const { muted: soundsMuted, setMuted: setSoundsMuted } = bound(new Sounds());
    g.localStorage = memoryStorage();
    setSoundsMuted(true);
    expect(g.localStorage.getItem("onelink.chat.muted")).toBe("1");
    expect(soundsMuted()).toBe(true);
    g.localStorage.setItem("onelink.chat.muted", "0"); // another tab unmuted
    expect(soundsMuted()).toBe(false);
  });
});
