/**
 * Key epochs of an end-to-end encrypted group call: when someone leaves, the others move to keys
 * the one who left never had, so what follows is closed to them even with the link in hand.
 *
 * Each page makes an ECDH (P-256) key pair for the call and says its public half to the group
 * (a control message, relayed under the link's own message key, so only holders of the link can
 * speak in the exchange). An epoch is 32 random bytes, numbered by a generation that only grows;
 * its author wraps it for each member with AES-GCM under a key both derive from ECDH (HKDF,
 * salted with the room id), binding generation, author, sender and addressee as additional data.
 * Media frames and relayed messages say their epoch in one byte (`epochByte`): 0 is the link's
 * keys, 1–255 the generations in turn. Plain WebCrypto: used by the page and the tests.
 */
import { type CallKeys, IV_BYTES, keysFrom, TAG_BYTES } from "./e2ee.ts";

export const EPOCH_SECRET_BYTES = 32;
/** An uncompressed P-256 point: 0x04 | x | y. */
export const PUBLIC_KEY_BYTES = 65;
/** A wrapped epoch secret: IV | ciphertext | tag. */
export const WRAPPED_BYTES = IV_BYTES + EPOCH_SECRET_BYTES + TAG_BYTES;

const utf8 = new TextEncoder();
const ECDH = { name: "ECDH", namedCurve: "P-256" } as const;

export interface KeyPair {
  privateKey: CryptoKey;
  /** Raw, PUBLIC_KEY_BYTES long: what the others are told. */
  publicKey: Uint8Array;
}

/** This page's key pair for the call (the private half cannot be exported). */
export async function newKeyPair(): Promise<KeyPair> {
  const pair = await crypto.subtle.generateKey(ECDH, false, ["deriveBits"]);
  return { privateKey: pair.privateKey, publicKey: new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)) };
}

/** The byte a frame or message names generation `gen` by: 0 for the link's keys, then 1–255 in turn. */
export const epochByte = (gen: number) => (gen <= 0 ? 0 : ((gen - 1) % 255) + 1);

/** Who an epoch secret is wrapped by and for: all of it is authenticated. */
export interface WrapLabel {
  gen: number;
  author: string;
  from: string;
  to: string;
}

const labelBytes = (l: WrapLabel) => utf8.encode(JSON.stringify([l.gen, l.author, l.from, l.to]));

/** The AES-GCM key two members share (each from their private half and the other's public one); null for a bad public key. */
async function sharedKey(own: CryptoKey, theirs: Uint8Array, room: string): Promise<CryptoKey | null> {
  if (theirs.byteLength !== PUBLIC_KEY_BYTES) return null;
  try {
    const pub = await crypto.subtle.importKey("raw", theirs as BufferSource, ECDH, false, []);
    const bits = await crypto.subtle.deriveBits({ name: "ECDH", public: pub }, own, 256);
    const base = await crypto.subtle.importKey("raw", bits, "HKDF", false, ["deriveKey"]);
    return await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: utf8.encode(room), info: utf8.encode("onelink epoch key wrap v1") },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  } catch {
    return null;
  }
}

/** An epoch secret for one member; null when their public key is not one. */
export async function wrapEpoch(own: CryptoKey, theirs: Uint8Array, room: string, secret: Uint8Array, label: WrapLabel): Promise<Uint8Array | null> {
  const key = await sharedKey(own, theirs, room);
  if (!key) return null;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: labelBytes(label) }, key, secret as BufferSource));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv, 0);
  out.set(sealed, IV_BYTES);
  return out;
}

/** The epoch secret `wrapEpoch` made for us, or null: another key, another label, anything altered. Never throws. */
export async function unwrapEpoch(own: CryptoKey, theirs: Uint8Array, room: string, box: Uint8Array, label: WrapLabel): Promise<Uint8Array | null> {
  if (box.byteLength !== WRAPPED_BYTES) return null;
  const key = await sharedKey(own, theirs, room);
  if (!key) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: box.subarray(0, IV_BYTES) as BufferSource, additionalData: labelBytes(label) },
      key,
      box.subarray(IV_BYTES) as BufferSource,
    );
    return plain.byteLength === EPOCH_SECRET_BYTES ? new Uint8Array(plain) : null;
  } catch {
    return null;
  }
}

export const newEpochSecret = () => crypto.getRandomValues(new Uint8Array(EPOCH_SECRET_BYTES));
export const epochKeys = (secret: Uint8Array, room: string): CallKeys => keysFrom(secret, room);

/** What changed in a ring: a key to open with, the one to seal with, one no longer kept. */
export type RingChange = { type: "add"; epoch: number; keys: CallKeys } | { type: "use"; epoch: number } | { type: "forget"; epoch: number };

/**
 * The keys of a call by epoch byte, shared by what seals and opens: the e2ee worker (media) and
 * the link's socket (relayed messages). Epoch 0, the link's keys, is always kept: a page that has
 * just come (or come back) speaks with it until it is handed the current epoch.
 */
export class KeyRing {
  private readonly epochs = new Map<number, CallKeys>();
  private current = 0;
  private readonly listeners = new Set<(change: RingChange) => void>();

  /** `room`: the call's room id, which salts every key derived in it. */
  constructor(
    base: CallKeys,
    readonly room: string,
  ) {
    this.epochs.set(0, base);
  }

  /** The keys of `epoch`, if kept. */
  keysOf(epoch: number): CallKeys | undefined {
    return this.epochs.get(epoch);
  }

  /** What we seal with now (`base`: the link's own keys, for the key exchange itself). */
  sealing(base = false): { epoch: number; keys: CallKeys } {
    const epoch = base ? 0 : this.current;
    return { epoch, keys: this.epochs.get(epoch)! };
  }

  get sendingEpoch() {
    return this.current;
  }

  add(epoch: number, keys: CallKeys) {
    if (epoch === 0) return;
    this.epochs.set(epoch, keys);
    this.emit({ type: "add", epoch, keys });
  }

  use(epoch: number) {
    if (!this.epochs.has(epoch) || this.current === epoch) return;
    this.current = epoch;
    this.emit({ type: "use", epoch });
  }

  forget(epoch: number) {
    if (epoch === 0 || epoch === this.current || !this.epochs.delete(epoch)) return;
    this.emit({ type: "forget", epoch });
  }

  /** Tells `listener` every key kept and the one in use, then every change; returns how to stop. */
  subscribe(listener: (change: RingChange) => void): () => void {
    for (const [epoch, keys] of this.epochs) listener({ type: "add", epoch, keys });
    listener({ type: "use", epoch: this.current });
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(change: RingChange) {
    for (const l of this.listeners) l(change);
  }
}
