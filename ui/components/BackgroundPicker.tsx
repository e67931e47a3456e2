/**
 * Background: none, blurred (light or strong), a built-in picture or the person's own. Shown on the
 * pre-join screen (the preview shows the result) and in Settings; a change goes to the local media
 * machine, which applies it in place (mid-call too) and remembers it. The own picture stays in this
 * browser (machines/media/own-background.ts).
 */
import { useSelector } from "@xstate/react";
import { useRef, useState } from "react";
import type { BackgroundChoice } from "../../protocol/background.ts";
import { loadOwnImage, saveOwnImage } from "../../machines/media/own-background.ts";
import { useMediaActor } from "../media-hooks.ts";

const LABELS: Record<BackgroundChoice, string> = {
  none: "None",
  "blur-light": "Blur (light)",
  "blur-strong": "Blur (strong)",
  "image-dusk": "Picture: dusk",
  "image-studio": "Picture: studio",
  "image-own": "Your own picture…",
};

/** Where the browser can run the effect: module workers with OffscreenCanvas and WebAssembly. */
const canProcess = () => typeof OffscreenCanvas === "function" && typeof WebAssembly === "object" && typeof Worker === "function";

export function BackgroundPicker({ idPrefix }: { idPrefix: string }) {
  const media = useMediaActor();
  const choice = useSelector(media, (s) => s?.context.settings.background);
  const file = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  if (!choice || !canProcess()) return null;
  const choose = (background: BackgroundChoice) => media?.send({ type: "MEDIA.SETTINGS", change: { background } });

  return (
    <>
      <label htmlFor={`${idPrefix}-bg`}>Background</label>
      <select
        id={`${idPrefix}-bg`}
        value={choice}
        onChange={(e) => {
          const next = e.target.value as BackgroundChoice;
          setProblem(null);
          if (next === "image-own" && !loadOwnImage()) file.current?.click();
          else choose(next);
        }}
      >
        {(Object.keys(LABELS) as BackgroundChoice[]).map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
      {choice === "image-own" && (
        <button type="button" className="bg-own" onClick={() => file.current?.click()}>
          Choose another picture
        </button>
      )}
      <input
        ref={file}
        type="file"
        accept="image/*"
        hidden
        aria-label="Your background picture"
        onChange={async (e) => {
          const picked = e.target.files?.[0];
          e.target.value = "";
          if (!picked) return;
          if (await saveOwnImage(picked)) choose("image-own");
          else setProblem("That picture could not be used (not an image, or too large to keep).");
        }}
      />
      {problem && (
        <p className="hint" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
