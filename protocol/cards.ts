/**
 * A member's card: what the pre-join screen may show of them, their name. It is sealed with the
 * link's message key (epoch 0: a page holding only the link can open it) and kept by the server,
 * which cannot read it, one per seat (messages.ts CardMessage). Its plain text is a tag and the
 * name, so that nothing else sealed with that key (the group's key exchange) reads as a card.
 * Anything that does not open, or is not a card with a clean name, is nobody's name: a guest.
 */
import { messageEpoch, openMessage } from "./e2ee.ts";
import { cleanName } from "./peer-wire.ts";

const TAG = "onelink card 1\n";
const utf8 = new TextEncoder();

/** The plain text of the card for `name` (cleaned); empty when there is no name (the card is taken down). */
export function cardText(name: string): Uint8Array {
  const clean = cleanName(name);
  return clean ? utf8.encode(TAG + clean) : new Uint8Array(0);
}

/** The name on a card's plain text, or null (not a card, or not a clean name). */
export function nameOnCard(plain: Uint8Array): string | null {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    return null;
  }
  if (!text.startsWith(TAG)) return null;
  const name = text.slice(TAG.length);
  return cleanName(name) === name ? name : null;
}

/** The names on `cards` that open with `key` (the link's message key), in their order; the rest are left out. Never throws. */
export async function namesOnCards(key: CryptoKey, cards: readonly Uint8Array[]): Promise<string[]> {
  const names: string[] = [];
  for (const card of cards) {
    // Cards are sealed under the link's own keys, epoch 0: one naming another epoch is not one.
    if (messageEpoch(card) !== 0) continue;
    const plain = await openMessage(key, card).catch(() => null);
    const name = plain && nameOnCard(plain);
    if (name) names.push(name);
  }
  return names;
}
