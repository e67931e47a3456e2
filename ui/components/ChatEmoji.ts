/**
 * Emoji for the chat, all served by the app (scripts/build-emoji.ts): emoji-mart's data for
 * :shortcode: completion and the picker, and the picker itself (its own file, loaded on first
 * open). The color emoji font is linked from index.html.
 */

interface EmojiEntry {
  id: string;
  name: string;
  keywords?: string[];
  skins: { native: string }[];
}
export interface EmojiData {
  emojis: Record<string, EmojiEntry>;
  aliases: Record<string, string>;
}
export interface Shortcode {
  /** The shortcode without colons, e.g. "smile". */
  code: string;
  native: string;
  name: string;
}

const BASE = "/emoji";

let data: Promise<EmojiData> | null = null;
/** Fetched once (and again after a failure). */
export function loadEmojiData(): Promise<EmojiData> {
  data ??= fetch(`${BASE}/native.json`)
    .then((r) => {
      if (!r.ok) throw new Error(`emoji data: HTTP ${r.status}`);
      return r.json() as Promise<EmojiData>;
    })
    .catch((err: unknown) => {
      data = null;
      throw err;
    });
  return data;
}

export interface PickerModule {
  Picker: new (options: Record<string, unknown>) => HTMLElement;
}
let picker: Promise<PickerModule> | null = null;

/**
 * emoji-mart puts its stylesheet in a <style> element, which the page's Content-Security-Policy
 * (no inline style) refuses. Its picker adopts the same text as a constructed stylesheet instead,
 * which the policy allows (emoji-mart calls injectStyles from the element's constructor).
 */
function withAdoptedStyles(mod: PickerModule): PickerModule {
  Object.defineProperty(mod.Picker.prototype, "injectStyles", {
    configurable: true,
    value(this: HTMLElement, styles: string) {
      if (!styles || !this.shadowRoot) return;
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(styles);
      this.shadowRoot.adoptedStyleSheets = [sheet];
    },
  });
  return mod;
}

export function loadPickerModule(): Promise<PickerModule> {
  // A runtime URL: the bundler leaves it alone, so the picker is fetched only when first opened.
  const url = `${BASE}/picker.js`;
  picker ??= (import(/* @vite-ignore */ url) as Promise<PickerModule>).then(withAdoptedStyles).catch((err: unknown) => {
    picker = null;
    throw err;
  });
  return picker;
}

const entry = (data: EmojiData, code: string): Shortcode | null => {
  const e = data.emojis[code];
  const native = e?.skins[0]?.native;
  return e && native ? { code, native, name: e.name } : null;
};

/** The emoji a complete shortcode (or an alias of one) names, if any. */
export function emojiFor(data: EmojiData, code: string): Shortcode | null {
  const id = code.toLowerCase();
  return entry(data, id) ?? (data.aliases[id] ? entry(data, data.aliases[id]!) : null);
}

/** Shortcodes for a prefix: those starting with it (shortest first), then those containing it. */
export function searchShortcodes(data: EmojiData, query: string, limit = 8): Shortcode[] {
  const q = query.toLowerCase();
  if (!q) return [];
  const starts: string[] = [];
  const contains: string[] = [];
  for (const id of Object.keys(data.emojis)) {
    if (id.startsWith(q)) starts.push(id);
    else if (id.includes(q)) contains.push(id);
  }
  for (const [alias, id] of Object.entries(data.aliases)) {
    if (alias.startsWith(q) && !starts.includes(id)) starts.push(alias);
  }
  const byLength = (a: string, b: string) => a.length - b.length || (a < b ? -1 : 1);
  const out: Shortcode[] = [];
  for (const code of [...starts.sort(byLength), ...contains.sort(byLength)]) {
    const found = emojiFor(data, code);
    if (found && !out.some((o) => o.native === found.native)) out.push({ ...found, code });
    if (out.length >= limit) break;
  }
  return out;
}

/** The `:query` being typed just before the caret (two characters at least), if any. */
export function shortcodeAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(?:^|[\s([{"'])(:([a-z0-9_+-]{2,}))$/i.exec(text.slice(0, caret));
  return m ? { start: caret - m[1]!.length, query: m[2]! } : null;
}

/** A complete `:code:` just typed before the caret, if any. */
export function closedShortcodeAt(text: string, caret: number): { start: number; code: string } | null {
  const m = /(?:^|[\s([{"'])(:([a-z0-9_+-]+):)$/i.exec(text.slice(0, caret));
  return m ? { start: caret - m[1]!.length, code: m[2]! } : null;
}
