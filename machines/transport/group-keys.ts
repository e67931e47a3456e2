/**
 * The key exchange of an end-to-end encrypted group call (protocol/group-keys.ts), as a callback
 * actor the transport runs beside the media-server path. It fills the call's key ring, which the
 * e2ee worker (media) and the link's socket (relayed messages) seal and open with.
 *
 *   in a group     our public key to everyone; a public key new to us is answered with ours
 *   a newcomer     (a public key new to us, or changed: a page refreshed) is handed the current
 *                  epoch by the lowest participant id among the others
 *   a departure    the lowest id among those left makes a new epoch and wraps it for each
 *   an epoch       is opened with at once, sealed with after USE_AFTER_MS (so that everyone has
 *                  it first); the one before is forgotten KEEP_MS later
 *
 * Two pages that both think they are the lowest make the same generation: the lower author wins
 * everywhere, so all converge, unless that author has left since (two left at once: its epoch
 * reached some before it went), when the other wins: nobody keeps an epoch a leaver holds. Whatever does not check out (an unknown sender, a wrong box, an
 * older generation) is ignored.
 */
import { fromCallback } from "xstate";
import type { ControlMessage, E2eeControlMessage } from "../../protocol/index.ts";
import { epochByte, epochKeys, type KeyRing, newEpochSecret, newKeyPair, unwrapEpoch, wrapEpoch } from "../../protocol/group-keys.ts";

/** After making or receiving an epoch, how long we still seal with the previous one. */
export const USE_AFTER_MS = 1_000;
/** How long frames and messages of the previous epoch still open after a new one is in use. */
export const KEEP_MS = 10_000;

export interface GroupKeysInput {
  ring: KeyRing;
  useAfterMs?: number;
  keepMs?: number;
}

export type GroupKeysCommand =
  /** Our participant id (from `joined`). */
  | { type: "KEYS.SELF"; self: string }
  /** We are in a group (media through the media server): the exchange starts. */
  | { type: "KEYS.GROUP" }
  | { type: "KEYS.CONTROL"; from: string; msg: E2eeControlMessage }
  | { type: "KEYS.LEFT"; peer: string };

/** A key-exchange message for the group (no `peer`) or one member, to be relayed under the link's own key. */
export type GroupKeysEvent = { type: "KEYS.SEND"; msg: ControlMessage; peer?: string };

export const isE2eeControl = (msg: ControlMessage | null): msg is E2eeControlMessage => msg?.type === "e2ee-pub" || msg?.type === "e2ee-key";

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

export const groupKeysActor = fromCallback<GroupKeysCommand, GroupKeysInput, GroupKeysEvent>(({ input, sendBack, receive }) => {
  const { ring } = input;
  const useAfter = input.useAfterMs ?? USE_AFTER_MS;
  const keep = input.keepMs ?? KEEP_MS;
  // Made when first needed: a call of two (direct) never does.
  let made: ReturnType<typeof newKeyPair> | null = null;
  const keyPair = () => (made ??= newKeyPair());
  let self: string | null = null;
  let active = false;
  let stopped = false;
  /** The public keys of the others in the group. */
  const pubs = new Map<string, Uint8Array>();
  /** The current epoch: generation 0 is the link's own keys. */
  let epoch: { gen: number; author: string; secret: Uint8Array | null } = { gen: 0, author: "", secret: null };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };
  const send = (msg: ControlMessage, peer?: string) => {
    if (!stopped) sendBack(peer ? { type: "KEYS.SEND", msg, peer } : { type: "KEYS.SEND", msg });
  };
  /** The lowest participant id among us and the others we know, leaving out `but`. */
  const lowest = (but?: string) => [self ?? "", ...pubs.keys()].filter((id) => id !== but).sort()[0];

  async function sayOurKey(peer?: string) {
    send({ type: "e2ee-pub", key: (await keyPair()).publicKey }, peer);
  }

  async function grant(peer: string) {
    const theirs = pubs.get(peer);
    if (!theirs || !self || !epoch.secret) return;
    const { gen, author, secret } = epoch;
    const box = await wrapEpoch((await keyPair()).privateKey, theirs, ring.room, secret, { gen, author, from: self, to: peer });
    if (box) send({ type: "e2ee-key", gen, author, box }, peer);
  }

  function adopt(gen: number, author: string, secret: Uint8Array) {
    const before = ring.sendingEpoch;
    const byte = epochByte(gen);
    epoch = { gen, author, secret };
    ring.add(byte, epochKeys(secret, ring.room));
    later(useAfter, () => {
      if (epoch.gen !== gen || epoch.author !== author) return; // a newer one came meanwhile
      ring.use(byte);
      later(keep, () => ring.forget(before));
    });
  }

  /**
   * Whether an epoch replaces ours: a later generation, or the same one by a lower author, or any
   * other of at least our generation when ours was made by someone who has left (they hold it).
   */
  const authorLeft = () => epoch.author !== "" && epoch.author !== self && !pubs.has(epoch.author);
  const isNewer = (gen: number, author: string) =>
    gen > epoch.gen || (gen === epoch.gen && (author < epoch.author || (authorLeft() && author !== epoch.author)));

  async function onControl(from: string, msg: E2eeControlMessage) {
    if (from === self) return;
    if (msg.type === "e2ee-pub") {
      const known = pubs.get(from);
      if (known && sameBytes(known, msg.key)) return;
      pubs.set(from, msg.key);
      if (active) await sayOurKey(from);
      if (self !== null && lowest(from) === self) await grant(from);
      return;
    }
    const theirs = pubs.get(from);
    if (!theirs || !self || !isNewer(msg.gen, msg.author)) return;
    const secret = await unwrapEpoch((await keyPair()).privateKey, theirs, ring.room, msg.box, { gen: msg.gen, author: msg.author, from, to: self });
    if (!secret) return void console.warn(`e2ee: a key epoch from ${from} does not open; ignored`);
    if (isNewer(msg.gen, msg.author)) adopt(msg.gen, msg.author, secret);
  }

  async function onLeft(peer: string) {
    if (!pubs.delete(peer) || !active || !self || pubs.size === 0 || lowest() !== self) return;
    // Those left move to an epoch the one who left never had.
    adopt(epoch.gen + 1, self, newEpochSecret());
    for (const member of pubs.keys()) await grant(member);
  }

  // One event at a time (WebCrypto is async): what depends on an earlier event sees its result.
  let queue: Promise<void> = Promise.resolve();
  const then = (work: () => Promise<void> | void) => {
    queue = queue.then(work).catch((err) => console.error("e2ee: the key exchange failed on an event", err));
  };

  receive((event) => {
    if (event.type === "KEYS.SELF") self = event.self;
    else if (event.type === "KEYS.GROUP")
      then(async () => {
        if (active) return;
        active = true;
        await sayOurKey();
      });
    else if (event.type === "KEYS.CONTROL") then(() => onControl(event.from, event.msg));
    else if (event.type === "KEYS.LEFT") then(() => onLeft(event.peer));
  });

  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
  };
});
