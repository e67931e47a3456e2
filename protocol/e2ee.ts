/**
 * End-to-end encryption of group calls (media through Janus, messages relayed by the server).
 * The secret travels only in the link's fragment (/c/<room>#<secret>), which browsers never send
 * to a server. Two AES-GCM keys come from it by HKDF, salted with the room id: one for media
 * frames (in the e2ee worker), one for relayed messages (in the link's socket).
 *
 * A media frame keeps its first codec bytes clear, so that the media server can tell key frames
 * and simulcast layers apart and the packetizer can split it:
 *
 *   clear header | AES-GCM(rest, additional data: header) | IV (12) | key epoch (1)
 *
 * A relayed message is IV (12) | AES-GCM(message) | key epoch (1). Anything that does not decrypt
 * is dropped. Epoch 0 is the link's keys; the others come and go as people leave (group-keys.ts).
 * Plain WebCrypto, no imports: used by the page, the worker and the tests.
 */

/** Random bytes of a new call's secret (128 bits). */
export const SECRET_BYTES = 16;
export const IV_BYTES = 12;
/** AES-GCM's authentication tag, part of every ciphertext. */
export const TAG_BYTES = 16;
/** What encryption adds to a media frame. */
export const FRAME_OVERHEAD = TAG_BYTES + IV_BYTES + 1;

export type FrameKind = "audio" | "video";

export interface CallKeys {
  media: Promise<CryptoKey>;
  message: Promise<CryptoKey>;
}

const utf8 = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const raw = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** A new call's secret: 128 random bits, base64url (22 characters). */
export const newSecret = () => toBase64Url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));

/** The secret in a link's fragment (`#…`), or null when it holds none of at least 128 bits. */
export function secretFromFragment(hash: string): string | null {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  return /^[A-Za-z0-9_-]{22,128}$/.test(text) ? text : null;
}

/** The call's two keys (derived once; non-extractable). */
export const deriveKeys = (secret: string, room: string): CallKeys => keysFrom(fromBase64Url(secret), room);

/** A media key and a message key from secret bytes (the link's, or a key epoch's), salted with the room id. */
export function keysFrom(secret: Uint8Array, room: string): CallKeys {
  const base = crypto.subtle.importKey("raw", secret as BufferSource, "HKDF", false, ["deriveKey"]);
  const derive = async (info: string) =>
    crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: utf8.encode(room), info: utf8.encode(info) },
      await base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  return { media: derive("onelink e2ee media frames v1"), message: derive("onelink e2ee relayed messages v1") };
}

/**
 * Codec bytes left clear: VP8's payload header (10 bytes on a key frame, whose first bit is 0,
 * 3 on others); the Opus TOC byte.
 */
export function clearBytes(kind: FrameKind, frame: Uint8Array): number {
  if (frame.byteLength === 0) return 0;
  const wanted = kind === "audio" ? 1 : (frame[0]! & 1) === 0 ? 10 : 3;
  return Math.min(wanted, frame.byteLength);
}

const randomIv = () => crypto.getRandomValues(new Uint8Array(IV_BYTES));

/** An encoded frame, encrypted under the key of `epoch` (0–255). */
export async function sealFrame(key: CryptoKey, epoch: number, kind: FrameKind, data: ArrayBuffer): Promise<ArrayBuffer> {
  const frame = new Uint8Array(data);
  const clear = clearBytes(kind, frame);
  const header = frame.subarray(0, clear);
  const iv = randomIv();
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: header }, key, frame.subarray(clear)));
  const out = new Uint8Array(clear + sealed.byteLength + IV_BYTES + 1);
  out.set(header, 0);
  out.set(sealed, clear);
  out.set(iv, clear + sealed.byteLength);
  out[out.byteLength - 1] = epoch & 0xff;
  return out.buffer;
}

/** The frame `sealFrame` made, or null: an unknown epoch, a wrong key, anything altered or cut. */
export async function openFrame(keyOf: (epoch: number) => CryptoKey | undefined, kind: FrameKind, data: ArrayBuffer): Promise<ArrayBuffer | null> {
  const frame = new Uint8Array(data);
  const clear = clearBytes(kind, frame);
  if (frame.byteLength < clear + FRAME_OVERHEAD) return null;
  const key = keyOf(frame[frame.byteLength - 1]!);
  if (!key) return null;
  const ivAt = frame.byteLength - 1 - IV_BYTES;
  try {
    const plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: frame.subarray(ivAt, ivAt + IV_BYTES), additionalData: frame.subarray(0, clear) },
        key,
        frame.subarray(clear, ivAt),
      ),
    );
    const out = new Uint8Array(clear + plain.byteLength);
    out.set(frame.subarray(0, clear), 0);
    out.set(plain, clear);
    return out.buffer;
  } catch {
    return null;
  }
}

/** A relayed message, encrypted under the key of `epoch` (0–255): IV | ciphertext | key epoch (1). */
export async function sealMessage(key: CryptoKey, data: Uint8Array, epoch = 0): Promise<Uint8Array> {
  const iv = randomIv();
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: Uint8Array.of(epoch & 0xff) }, key, data as BufferSource));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength + 1);
  out.set(iv, 0);
  out.set(sealed, IV_BYTES);
  out[out.byteLength - 1] = epoch & 0xff;
  return out;
}

/** The key epoch a sealed message says it is under (the receiver picks its key by it), or null. */
export const messageEpoch = (data: Uint8Array): number | null => (data.byteLength >= IV_BYTES + TAG_BYTES + 1 ? data[data.byteLength - 1]! : null);

/** The message `sealMessage` made, or null (a wrong key or epoch, anything altered or cut). */
export async function openMessage(key: CryptoKey, data: Uint8Array): Promise<Uint8Array | null> {
  const epoch = messageEpoch(data);
  if (epoch === null) return null;
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: data.subarray(0, IV_BYTES) as BufferSource, additionalData: Uint8Array.of(epoch) },
        key,
        data.subarray(IV_BYTES, data.byteLength - 1) as BufferSource,
      ),
    );
  } catch {
    return null;
  }
}
