/**
 * Build step: the person-segmentation model for background blur and replacement, from npm only.
 *
 * @mediapipe/selfie_segmentation ships selfie_segmentation_landscape.tflite (256x144 input, made
 * for 16:9 video calls; the square model is kept beside it for the bench). tasks-vision's
 * ImageSegenter refuses float models without input NormalizationOptions metadata, so each gets
 * the same metadata as the hand models (mean 0, std 255: pixels to [0,1], what the model was
 * trained on) and is written to models/selfie_segmenter{,_landscape}.tflite. The wasm is the
 * tasks-vision one build-models.ts already copies.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { withImageNormalization } from "./build-models.ts";

const PACKAGE_DIR = join(import.meta.dir, "..", "node_modules", "@mediapipe", "selfie_segmentation");
const MODELS = [
  { from: "selfie_segmentation_landscape.tflite", to: "selfie_segmenter_landscape.tflite" },
  { from: "selfie_segmentation.tflite", to: "selfie_segmenter.tflite" },
];

export async function build(publicDir: string): Promise<void> {
  const modelsDir = join(publicDir, "models");
  const inputs = MODELS.map((m) => join(PACKAGE_DIR, m.from));
  const outputs = MODELS.map((m) => join(modelsDir, m.to));
  const key = JSON.stringify({
    version: (JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string }).version,
    inputs: inputs.map((f) => [f, statSync(f).size, statSync(f).mtimeMs]),
    script: Bun.hash(readFileSync(import.meta.path)).toString(),
  });
  const stampFile = join(dirname(publicDir), "stamps", "build-segmenter.json");
  if (outputs.every((f) => existsSync(f)) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === key) return;
  mkdirSync(modelsDir, { recursive: true });
  mkdirSync(dirname(stampFile), { recursive: true });
  MODELS.forEach((m, i) => {
    const model = new Uint8Array(readFileSync(inputs[i]!));
    const magic = new TextDecoder().decode(model.subarray(4, 8));
    if (magic !== "TFL3") throw new Error(`build-segmenter: ${m.from} has no TFL3 identifier (got ${JSON.stringify(magic)})`);
    const out = outputs[i]!;
    writeFileSync(`${out}.tmp`, withImageNormalization(model, m.to.replace(/\.tflite$/, "")));
    renameSync(`${out}.tmp`, out);
  });
  writeFileSync(stampFile, key);
}
