/**
 * End-to-end encryption of group calls, without a browser: the secret in the link, the keys it
 * gives, media frames and relayed messages sealed and opened (and refused when anything is off).
 */
import { describe, expect, test } from "bun:test";
import {
  clearBytes,
  deriveKeys,
  FRAME_OVERHEAD,
  IV_BYTES,
  messageEpoch,
  newSecret,
  openFrame,
  openMessage,
  sealFrame,
  sealMessage,
  secretFromFragment,
} from "../protocol/e2ee.ts";

const ROOM = "3f1c2a9e-0b7d-4c55-9a61-1d2e3f405162";

/** A VP8 key frame starts with a 0 bit (and the start code at bytes 3–5); a delta frame with a 1. */
function vp8Frame(key: boolean, length = 300): ArrayBuffer {
  const f = new Uint8Array(length);
  for (let i = 0; i < length; i++) f[i] = (i * 37 + 11) & 0xff;
  f[0] = key ? 0x10 : 0x31;
  if (key) f.set([0x9d, 0x01, 0x2a], 3);
  return f.buffer;
}
const bytes = (b: ArrayBuffer | null) => (b ? [...new Uint8Array(b)] : null);
const one = (key: CryptoKey) => (epoch: number) => (epoch === 0 ? key : undefined);

describe("the secret in the link", () => {
  test("a new secret is 128 random bits in base64url, and reads back from a fragment", () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newSecret()).not.toBe(a);
    expect(secretFromFragment(`#${a}`)).toBe(a);
    expect(secretFromFragment(a)).toBe(a);
  });

  test("a fragment too short or not base64url holds no secret", () => {
    for (const hash of ["", "#", "#abc", "#too-short-for-128bits", `#${"a".repeat(21)}`, "#aaaaaaaaaaaaaaaaaaaaaa!", "#aaaaaaaaaaaa aaaaaaaaaa"])
      expect(secretFromFragment(hash)).toBeNull();
  });
});

describe("media frames", () => {
  test("the clear header: 10 bytes of a VP8 key frame, 3 of a delta frame, 1 of audio", () => {
    expect(clearBytes("video", new Uint8Array(vp8Frame(true)))).toBe(10);
    expect(clearBytes("video", new Uint8Array(vp8Frame(false)))).toBe(3);
    expect(clearBytes("audio", new Uint8Array([0xfc, 1, 2]))).toBe(1);
    expect(clearBytes("video", new Uint8Array([0x10, 1]))).toBe(2);
    expect(clearBytes("audio", new Uint8Array(0))).toBe(0);
  });

  test("a sealed frame keeps its header clear, hides the rest, and opens to the same bytes", async () => {
    const keys = deriveKeys(newSecret(), ROOM);
    const key = await keys.media;
    for (const [kind, frame, clear] of [
      ["video", vp8Frame(true), 10],
      ["video", vp8Frame(false), 3],
      ["audio", new Uint8Array([0xfc, 5, 6, 7, 8, 9, 10, 11, 12, 13]).buffer, 1],
    ] as const) {
      const sealed = new Uint8Array(await sealFrame(key, 0, kind, frame));
      const plain = new Uint8Array(frame);
      expect(sealed.byteLength).toBe(plain.byteLength + FRAME_OVERHEAD);
      expect([...sealed.subarray(0, clear)]).toEqual([...plain.subarray(0, clear)]);
      expect([...sealed.subarray(clear, plain.byteLength)]).not.toEqual([...plain.subarray(clear)]);
      expect(sealed[sealed.byteLength - 1]).toBe(0);
      expect(bytes(await openFrame(one(key), kind, sealed.buffer))).toEqual([...plain]);
    }
  });

  test("the same frame sealed twice differs (a fresh IV each time)", async () => {
    const key = await deriveKeys(newSecret(), ROOM).media;
    const a = new Uint8Array(await sealFrame(key, 0, "video", vp8Frame(false)));
    const b = new Uint8Array(await sealFrame(key, 0, "video", vp8Frame(false)));
    expect([...a.subarray(a.byteLength - 1 - IV_BYTES)]).not.toEqual([...b.subarray(b.byteLength - 1 - IV_BYTES)]);
  });

  test("a frame does not open with a wrong key, another room's key, an unknown epoch, or once altered", async () => {
    const secret = newSecret();
    const key = await deriveKeys(secret, ROOM).media;
    const sealed = await sealFrame(key, 0, "video", vp8Frame(true));
    expect(await openFrame(one(await deriveKeys(newSecret(), ROOM).media), "video", sealed)).toBeNull();
    expect(await openFrame(one(await deriveKeys(secret, "another-room").media), "video", sealed)).toBeNull();
    // The message key of the same call is another key.
    expect(await openFrame(one(await deriveKeys(secret, ROOM).message), "video", sealed)).toBeNull();
    expect(await openFrame((e) => (e === 1 ? key : undefined), "video", sealed)).toBeNull();
    // The header is authenticated: a flipped clear byte is refused too.
    for (const at of [5, 20, sealed.byteLength - 5]) {
      const altered = new Uint8Array(sealed.slice(0));
      altered[at]! ^= 0x40;
      expect(await openFrame(one(key), "video", altered.buffer)).toBeNull();
    }
    expect(await openFrame(one(key), "video", sealed.slice(0, 30))).toBeNull();
    // A plain frame (someone without the key) is never taken for a sealed one.
    expect(await openFrame(one(key), "video", vp8Frame(true))).toBeNull();
    // The same secret in the same room gives the same key: another page of the call opens it.
    expect(bytes(await openFrame(one(await deriveKeys(secret, ROOM).media), "video", sealed))).toEqual(bytes(vp8Frame(true)));
  });
});

describe("relayed messages", () => {
  test("a sealed message holds no plaintext and opens only with the call's message key", async () => {
    const secret = newSecret();
    const keys = deriveKeys(secret, ROOM);
    const text = new TextEncoder().encode("hello group, this is a secret");
    const sealed = await sealMessage(await keys.message, text);
    expect(Buffer.from(sealed).includes(Buffer.from("secret"))).toBe(false);
    expect([...((await openMessage(await deriveKeys(secret, ROOM).message, sealed)) ?? [])]).toEqual([...text]);
    expect(await openMessage(await keys.media, sealed)).toBeNull();
    expect(await openMessage(await deriveKeys(newSecret(), ROOM).message, sealed)).toBeNull();
    const altered = sealed.slice();
    altered[IV_BYTES + 2]! ^= 1;
    expect(await openMessage(await keys.message, altered)).toBeNull();
    expect(await openMessage(await keys.message, text)).toBeNull();
    expect(await openMessage(await keys.message, new Uint8Array(3))).toBeNull();
  });

  test("a sealed message names its key epoch in its last byte, which is authenticated too", async () => {
    const key = await deriveKeys(newSecret(), ROOM).message;
    const text = new TextEncoder().encode("epoch three");
    const sealed = await sealMessage(key, text, 3);
    expect(messageEpoch(sealed)).toBe(3);
    expect(messageEpoch(await sealMessage(key, text))).toBe(0);
    expect([...((await openMessage(key, sealed)) ?? [])]).toEqual([...text]);
    const renamed = sealed.slice();
    renamed[renamed.byteLength - 1] = 4;
    expect(await openMessage(key, renamed)).toBeNull();
    expect(messageEpoch(new Uint8Array(IV_BYTES))).toBeNull();
  });
});
