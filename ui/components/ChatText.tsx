/**
 * A chat message as text: React escapes every character, so whatever a peer sends is shown,
 * never interpreted. Only http(s) addresses become links, opened in a new tab without access
 * to this page (noopener) and without telling the site where the visitor came from (noreferrer).
 */
import type { ReactNode } from "react";

export type TextPart = { text: string; href?: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that usually ends a sentence rather than an address. */
const TRAILING = /[.,!?;:'")\]}]+$/;

export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Splits text into plain runs and links. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let raw = match[0];
    // Keep a closing parenthesis that belongs to the address, as in Wikipedia links.
    const trailing = TRAILING.exec(raw)?.[0] ?? "";
    raw = raw.slice(0, raw.length - trailing.length);
    if (trailing.startsWith(")") && raw.includes("(") && !raw.includes(")")) raw += ")";
    const href = safeHref(raw);
    if (!href) continue;
    const start = match.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** Emoji shown as emoji (with skin tones, joined sequences, flags, keycaps; not a bare ©), for a color font. */
const EMOJI_RE =
  /(?:\p{Regional_Indicator}{2}|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F)\p{Emoji_Modifier}?(?:\u200D\p{Extended_Pictographic}\uFE0F?\p{Emoji_Modifier}?)*|[#*0-9]\uFE0F?\u20E3)/gu;

/** Plain text with its emoji in spans (a text font may have dull black-and-white ones). */
function withEmoji(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(EMOJI_RE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(
      <span key={`${key}.${m.index}`} className="emoji">
        {m[0]}
      </span>,
    );
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function ChatText({ text }: { text: string }) {
  const nodes: ReactNode[] = linkify(text).map((part, i) =>
    part.href ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one message never move
      <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
        {part.text}
      </a>
    ) : (
      withEmoji(part.text, String(i))
    ),
  );
  return <>{nodes}</>;
}
