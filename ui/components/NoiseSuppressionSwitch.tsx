/** Settings, Audio: RNNoise noise suppression on the microphone (machines/media/denoise.ts). */
export function NoiseSuppressionSwitch({ on, onChange }: { on: boolean; onChange: (on: boolean) => void }) {
  return (
    <label className="noise-suppression">
      <input type="checkbox" role="switch" aria-checked={on} checked={on} onChange={(e) => onChange(e.target.checked)} /> Noise suppression
    </label>
  );
}
