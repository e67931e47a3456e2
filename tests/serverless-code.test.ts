/**
 * Connection codes for serverless calls: round trip, size with a real Chromium SDP, and clear
 * refusals of bad codes. The fixture (tests/fixtures/chromium-sdp.json) was captured once from
 * Debian's Chromium: an offer and its answer with camera, microphone and the negotiated
 * control/chat/draw channels (bundled), each with the candidates gathered until the end.
 * tests/fixtures/onelink-sdp.json holds descriptions OneLink itself made (its codec order).
 */
import { describe, expect, test } from "bun:test";
import { deflateRawSync } from "node:zlib";
import * as QRCode from "qrcode";
import { decodeControl, encodeControl, encodeRaw } from "../protocol/index.ts";
import {
  CODE_MAX_AGE_S,
  CODE_PREFIX,
  decodeCode,
  encodeCode,
  packSdp,
  sealCode,
  unixNow,
  unpackSdp,
  type CodeKind,
  type ConnectionCode,
} from "../protocol/serverless-code.ts";
import { SDP_DICTIONARY } from "../protocol/sdp-dictionary.ts";
import { SDP_MAX } from "../protocol/validate.ts";
import fixture from "./fixtures/chromium-sdp.json";
import onelink from "./fixtures/onelink-sdp.json";

const NOW = 1_750_000_000;

function codeOf(kind: CodeKind, over: Partial<ConnectionCode> = {}): ConnectionCode {
  const side = fixture[kind];
  return {
    kind,
    session: kind === "offer" ? "a1b2c3d4e5f6" : "0f9e8d7c6b5a",
    replyTo: kind === "offer" ? null : "a1b2c3d4e5f6",
    created: NOW,
    description: side.description as ConnectionCode["description"],
    candidates: side.candidates,
    ...over,
  };
}

/** What a candidate means to the receiver: everything but the parts the code leaves out. */
const meaning = (c: string) => c.replace(/ generation 0/, "").replace(/ ufrag \S+/, "");

describe("connection codes", () => {
  for (const kind of ["offer", "answer"] as const) {
    test(`an ${kind} round-trips: the exact SDP, every candidate`, async () => {
      const original = codeOf(kind);
      const text = await encodeCode(original);
      expect(text.startsWith(CODE_PREFIX[kind])).toBe(true);
      expect(text).toMatch(/^OL2[oa]\.[A-Za-z0-9_-]+$/);
      const back = await decodeCode(text, { kind, replyTo: "a1b2c3d4e5f6", now: NOW + 5 });
      if (!back.ok) throw new Error(back.text);
      expect(back.code.description).toEqual(original.description);
      expect(back.code.session).toBe(original.session);
      expect(back.code.replyTo).toBe(original.replyTo);
      expect(back.code.created).toBe(NOW);
      expect(back.code.candidates.map((c) => [c.sdpMid, c.sdpMLineIndex, c.candidate])).toEqual(
        original.candidates.map((c) => [c.sdpMid, c.sdpMLineIndex, meaning(c.candidate)]),
      );
    });
  }

  test("typical size: a real Chromium offer and answer make codes of under 1,000 characters that fit a QR code", async () => {
    for (const kind of ["offer", "answer"] as const) {
      const text = await encodeCode(codeOf(kind));
      const sdp = fixture[kind].description.sdp;
      const plain = JSON.stringify(fixture[kind]).length;
      const qr = QRCode.create(text, { errorCorrectionLevel: "L" });
      console.log(
        `${kind} code: ${text.length} characters (SDP ${sdp.length} + ${fixture[kind].candidates.length} candidates, ${plain} as JSON), QR version ${qr.version}`,
      );
      expect(text.length).toBeLessThan(1_000);
      expect(text.length).toBeLessThan(plain / 5);
    }
  });

  test("OneLink's own descriptions pack tightly: the m=video line and the whole codec list are dictionary runs", async () => {
    for (const kind of ["offer", "answer"] as const) {
      const sdp = onelink[kind];
      const items = packSdp(sdp);
      expect(unpackSdp(items)).toBe(sdp);
      const texts = items.filter((i): i is string => typeof i === "string");
      expect(texts.filter((t) => /^(m=|a=rtpmap|a=fmtp|a=rtcp-fb)/.test(t))).toEqual([]);
      // From the first codec to ulpfec: one run.
      const lines = sdp.split("\r\n");
      const first = lines.findIndex((l) => l.startsWith("a=rtpmap:102 "));
      const last = lines.indexOf("a=rtpmap:120 ulpfec/90000");
      expect(items.some((i) => Array.isArray(i) && i[1] === last - first + 1)).toBe(true);
      const text = await encodeCode({ ...codeOf(kind), description: { type: kind, sdp } });
      console.log(`OneLink ${kind} code (no candidates): ${text.length} characters for ${sdp.length} characters of SDP`);
      expect(text.length).toBeLessThan(sdp.length / 7);
    }
  });

  test("SDP packing is lossless for lines it has never seen (another browser, odd order)", () => {
    const sdp = [
      "v=0",
      "o=mozilla...THIS_IS_SDPARTA-99.0 123 0 IN IP4 0.0.0.0",
      "s=-",
      "t=0 0",
      "a=fingerprint:sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9",
      "a=fingerprint:sha-256 lower:case:is:kept:as:text",
      "m=audio 9 UDP/TLS/RTP/SAVPF 109 0",
      "a=mid:0",
      "a=rtcp-mux",
      "a=rtcp-rsize",
      "a=rtpmap:109 opus/48000/2",
      "",
    ].join("\r\n");
    const items = packSdp(sdp);
    expect(items.some((i) => i instanceof Uint8Array)).toBe(true);
    expect(items.some((i) => Array.isArray(i))).toBe(true); // the two dictionary lines in a row
    expect(unpackSdp(items)).toBe(sdp);
  });

  test("whitespace and line breaks picked up on the way are ignored", async () => {
    const text = await encodeCode(codeOf("offer"));
    const mangled = `  ${text.slice(0, 100)}\n${text.slice(100, 300)} \r\n\t${text.slice(300)}\n`;
    expect((await decodeCode(mangled, { kind: "offer", now: NOW })).ok).toBe(true);
  });
});

describe("bad codes are refused with words, never a crash", () => {
  const problemOf = async (text: string, kind: CodeKind, replyTo?: string, now = NOW) => {
    const r = await decodeCode(text, { kind, replyTo, now });
    if (r.ok) throw new Error("accepted");
    expect(r.text.length).toBeGreaterThan(10);
    return r.problem;
  };

  test("empty and malformed", async () => {
    expect(await problemOf("   ", "offer")).toBe("empty");
    expect(await problemOf("hello there", "offer")).toBe("malformed");
    expect(await problemOf("https://example.com/c/room", "answer")).toBe("malformed");
    expect(await problemOf("OL2o.not base64!!", "offer")).toBe("malformed");
    expect(await problemOf("OL2o.", "offer")).toBe("truncated");
    // Intact codes whose body is not what a code holds.
    const offerBody = (over: Record<number, unknown>) => Object.assign([0, "a1b2c3d4e5f6", NOW, null, packSdp(fixture.offer.description.sdp), []], over);
    expect((await decodeCode(await sealCode("offer", offerBody({})), { kind: "offer", now: NOW })).ok).toBe(true);
    for (const body of [
      {},
      "text",
      [],
      offerBody({ 1: "" }),
      offerBody({ 2: "yesterday" }),
      offerBody({ 3: "x" }),
      offerBody({ 4: [9999] }),
      offerBody({ 4: [] }),
      offerBody({ 5: [["0", 0, 42]] }),
    ]) {
      expect(await problemOf(await sealCode("offer", body), "offer")).toBe("malformed");
    }
  });

  test("a short code that unpacks huge (a bomb) is refused as too large, and unpacking stops at the cap", async () => {
    // Each [0, 244] is 4 bytes of msgpack that stand for the whole dictionary (~7 KB of SDP):
    // 16,000 of them deflate to a few hundred characters and would make ~116 MB of SDP text.
    const runs = Array.from({ length: 16_000 }, () => [0, SDP_DICTIONARY.length]);
    const bomb = await sealCode("offer", [0, "a1b2c3d4e5f6", NOW, null, runs, []]);
    expect(bomb.length).toBeLessThan(1_000);
    const r = await decodeCode(bomb, { kind: "offer", now: NOW });
    if (r.ok) throw new Error("accepted");
    expect(r.problem).toBe("too-large");
    expect(r.text).toMatch(/too (large|big)/i);
    // Unpacking reads only the items that fit in one SDP, not all 16,000.
    let reads = 0;
    const counted = new Proxy(runs, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    expect(unpackSdp(counted)).toBeNull();
    expect(reads).toBeLessThanOrEqual(Math.ceil(SDP_MAX / 7_000) + 1);
    // Plain deflate bombs (12 MB of zeros in ~12 KB) are refused the same way.
    const zeros = deflateRawSync(new Uint8Array(12_000_000), { level: 9 });
    const raw = new Uint8Array(4 + zeros.length);
    raw.set(zeros, 4);
    const zipBomb = CODE_PREFIX.offer + Buffer.from(raw).toString("base64url");
    const z = await decodeCode(zipBomb, { kind: "offer", now: NOW });
    if (z.ok) throw new Error("accepted");
    expect(z.problem).toBe("too-large");
  });

  test("truncated: cut anywhere, or a character changed", async () => {
    const text = await encodeCode(codeOf("offer"));
    for (const cut of [8, 60, Math.floor(text.length / 2), text.length - 3]) {
      expect(await problemOf(text.slice(0, cut), "offer")).toMatch(/truncated|malformed/);
    }
    const flipped = text.slice(0, 200) + (text[200] === "A" ? "B" : "A") + text.slice(201);
    expect(await problemOf(flipped, "offer")).toMatch(/truncated|malformed/);
  });

  test("stale: more than 10 minutes old (or from a clock far ahead)", async () => {
    const old = await encodeCode(codeOf("offer", { created: NOW - CODE_MAX_AGE_S - 1 }));
    expect(await problemOf(old, "offer")).toBe("stale");
    const ahead = await encodeCode(codeOf("offer", { created: NOW + CODE_MAX_AGE_S + 60 }));
    expect(await problemOf(ahead, "offer")).toBe("stale");
    const fresh = await encodeCode(codeOf("offer", { created: unixNow() }));
    expect((await decodeCode(fresh, { kind: "offer" })).ok).toBe(true);
  });

  test("stale: an answer to another offer than the one we are waiting on", async () => {
    const answer = await encodeCode(codeOf("answer", { replyTo: "an0ldsession" }));
    expect(await problemOf(answer, "answer", "a1b2c3d4e5f6")).toBe("other-offer");
  });

  test("wrong direction: an answer where the offer goes, and the other way round", async () => {
    const offer = await encodeCode(codeOf("offer"));
    const answer = await encodeCode(codeOf("answer"));
    expect(await problemOf(answer, "offer")).toBe("wrong-direction");
    expect(await problemOf(offer, "answer", "a1b2c3d4e5f6")).toBe("wrong-direction");
    // A prefix edited by hand does not fool the body check.
    expect(await problemOf(CODE_PREFIX.answer + offer.slice(CODE_PREFIX.offer.length), "answer", "a1b2c3d4e5f6")).toBe("malformed");
  });

  test("a code from another version of the format", async () => {
    const offer = await encodeCode(codeOf("offer"));
    expect(await problemOf(offer.replace(/^OL2/, "OL3"), "offer")).toBe("newer-version");
    expect(await problemOf(offer.replace(/^OL2/, "OL0"), "offer")).toBe("newer-version");
  });

  test("version 1 codes (an open page of the previous release) still read; lines version 1 did not know do not", async () => {
    // The default Chromium order packs with version 1's lines only, so relabelled it is a version 1 code.
    const v1 = (await encodeCode(codeOf("offer"))).replace(/^OL2/, "OL1");
    const back = await decodeCode(v1, { kind: "offer", now: NOW });
    if (!back.ok) throw new Error(back.text);
    expect(back.code.description.sdp).toBe(fixture.offer.description.sdp);
    // OneLink's H264-first order uses lines added in version 2.
    const ours = await encodeCode(codeOf("offer", { description: { type: "offer", sdp: onelink.offer } }));
    expect(await problemOf(ours.replace(/^OL2/, "OL1"), "offer")).toBe("malformed");
  });
});

describe("signals over the control channel (renegotiation with no server)", () => {
  test("descriptions and candidates round-trip; anything else shaped like a signal is dropped", () => {
    const description = { type: "offer" as const, sdp: fixture.offer.description.sdp };
    for (const data of [{ description }, { candidate: fixture.offer.candidates[0]! }, { candidate: null }]) {
      expect(decodeControl(encodeControl({ type: "signal", data }))).toEqual({ type: "signal", data });
    }
    for (const junk of [
      { type: "signal" },
      { type: "signal", data: {} },
      { type: "signal", data: { description: { type: "bogus", sdp: "" } } },
      { type: "signal", data: { candidate: 5 } },
    ]) {
      expect(decodeControl(encodeRaw(junk))).toBeNull();
    }
  });
});
