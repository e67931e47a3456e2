/**
 * Build step: everything the chat's emoji features load, served by the app itself (no CDN):
 *   - emoji/native.json: emoji-mart's data (native set, newest Unicode version in @emoji-mart/data);
 *   - emoji/picker.js: emoji-mart bundled as one ES module, imported only when the picker first opens;
 *   - emoji/font.css + emoji/font/*.woff2: Noto Color Emoji (OFL) as COLRv1 (what Chromium draws;
 *     @fontsource's copy is OpenType-SVG, which Chromium shows blank), split by unicode-range so
 *     a browser fetches only the parts it shows, and only when it has no emoji font of its own:
 *     `local()` first, and `tech(color-COLRv1)` lets browsers without COLRv1 skip it. Headless
 *     Debian Chromium has no emoji font at all.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

const NODE_MODULES = join(import.meta.dir, "..", "node_modules");
const DATA_FILE = join(NODE_MODULES, "@emoji-mart", "data", "sets", "15", "native.json");
const PICKER_ENTRY = join(NODE_MODULES, "emoji-mart", "dist", "module.js");
const FONT_DIR = join(NODE_MODULES, "@infolektuell", "noto-color-emoji");

const isUpToDate = (out: string, inputs: string[]) => existsSync(out) && inputs.every((i) => statSync(i).mtimeMs <= statSync(out).mtimeMs);

export async function build(publicDir: string): Promise<void> {
  const out = join(publicDir, "emoji");
  mkdirSync(out, { recursive: true });

  const data = join(out, "native.json");
  if (!isUpToDate(data, [DATA_FILE])) copyFileSync(DATA_FILE, data);

  const picker = join(out, "picker.js");
  if (!isUpToDate(picker, [PICKER_ENTRY, import.meta.path])) {
    const result = await Bun.build({ entrypoints: [PICKER_ENTRY], outdir: out, naming: "picker.js", target: "browser", format: "esm", minify: true });
    if (!result.success) throw new AggregateError(result.logs, "emoji picker bundle failed");
  }

  await buildFont(out);
}

async function buildFont(out: string) {
  const css = join(FONT_DIR, "index.css");
  if (!existsSync(css)) {
    console.warn("build-emoji: @infolektuell/noto-color-emoji is not installed; emoji show in the system font");
    return;
  }
  const fontCss = join(out, "font.css");
  if (isUpToDate(fontCss, [css, import.meta.path])) return;
  const fontOut = join(out, "font");
  mkdirSync(fontOut, { recursive: true });
  const source = await Bun.file(css).text();
  const files: string[] = [];
  const rewritten = source.replace(/src:\s*([^;]+);/g, (_all, list: string) => {
    const served = list.replace(/url\(\s*["']?\.\/files\/([\w.-]+\.woff2)["']?\s*\)/g, (_url, file: string) => {
      files.push(file);
      return `url(/emoji/font/${file})`;
    });
    return `src: local("Noto Color Emoji"), local("NotoColorEmoji"), ${served};`;
  });
  if (files.length === 0) throw new Error(`build-emoji: no font files found in ${css}`);
  for (const file of new Set(files)) copyFileSync(join(FONT_DIR, "files", file), join(fontOut, file));
  copyFileSync(join(FONT_DIR, "LICENSE"), join(fontOut, "LICENSE.txt"));
  await Bun.write(fontCss, `/* Noto Color Emoji, SIL Open Font License 1.1 (font/LICENSE.txt), from @infolektuell/noto-color-emoji */\n${rewritten}`);
}
