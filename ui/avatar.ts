/**
 * What a tile shows when there is no picture (camera off, or not here yet): a circle with the
 * person's initials on a calm colour of their own.
 */

/** "Ada Lovelace" → "AL", "grace" → "G", "Guest 3" → "G3"; null without a name (a person icon then). */
export function initials(name: string | null | undefined): string | null {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const guest = /^Guest (\d+)$/.exec(words.join(" "));
  if (guest) return `G${guest[1]}`;
  const first = (word: string) => Array.from(word)[0] ?? "";
  const letters = words.length > 1 ? first(words[0]!) + first(words.at(-1)!) : first(words[0]!);
  return letters.toLocaleUpperCase();
}

/** A hue (0-359) from a name or id, the same on every device, so each person keeps their colour. */
export function hueOf(key: string): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}
