/**
 * Short notification sounds made with WebAudio: no file to fetch. One implementation for every
 * chime in the app (a chat message, someone arriving or leaving); callers pick the notes. The
 * person's "Mute notifications" choice (chat panel) silences them all, and is kept on the device.
 */
import { answerFirst, awaitingPicture } from "../answer-first.ts";
import { anyText, readStored, writeStored } from "../storage.ts";

/** [frequency in Hz, start in seconds]: two notes going up (something arrived)... */
export const CHIME_UP = [
  [880, 0],
  [1320, 0.09],
] as const;
/** ...or going down (someone left). */
export const CHIME_DOWN = [
  [988, 0],
  [659, 0.11],
] as const;

export type Notes = ReadonlyArray<readonly [number, number]>;

const MUTED_KEY = "onelink.chat.muted";

/**
 * The page's notification sounds: one AudioContext (made at the first chime) and the mute choice
 * while storage is off. The call owns one and hands it to chat and notifications by input.
 */
export class Sounds {
  private audio: AudioContext | null = null;
  private mutedHere = false;

  /** Whether the person muted notification sounds (a choice made in another tab counts too). */
  muted(): boolean {
    const kept = readStored("local", MUTED_KEY, anyText);
    return kept === null ? this.mutedHere : kept === "1";
  }

  /** Keeps the choice for every call on this device; when storage is off it lasts for this page. */
  setMuted(muted: boolean) {
    this.mutedHere = muted;
    // Not kept (storage off or full): it still applies to this page.
    writeStored("local", MUTED_KEY, muted ? "1" : "0");
  }

  /**
   * Plays the notes softly (sine, a 20 ms rise and a fade), after an answer being made and, on the
   * joiner's side, once the other's first picture shows (answer-first.ts): making the AudioContext
   * and its nodes is main-thread work. Silently does nothing without WebAudio.
   */
  play(notes: Notes = CHIME_UP) {
    answerFirst.after(() => awaitingPicture.after(() => this.playNow(notes)));
  }

  private playNow(notes: Notes) {
    try {
      if (typeof AudioContext === "undefined" || this.muted()) return;
      this.audio ??= new AudioContext();
      const audio = this.audio;
      void audio.resume();
      const t = audio.currentTime;
      const end = Math.max(...notes.map(([, start]) => start)) + 0.27;
      const gain = audio.createGain();
      gain.connect(audio.destination);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.12, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + end - 0.01);
      for (const [freq, start] of notes) {
        const osc = audio.createOscillator();
        osc.type = "sine";
        osc.frequency.setValueAtTime(freq, t + start);
        osc.connect(gain);
        osc.start(t + start);
        osc.stop(t + end);
      }
    } catch {
      // No sound is fine: what it announces is also shown.
    }
  }
}
