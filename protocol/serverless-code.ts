/**
 * Connection codes for serverless calls: one side's connection offer (or answer) with every ICE
 * candidate it gathered, as a short text a person can copy, share or scan.
 *
 *   "OL2o." (offer) or "OL2a." (answer) + base64url(check ‖ deflate-raw(msgpack(body)))
 *
 * `check` is a 32-bit FNV-1a hash of the msgpack bytes: deflate-raw has no checksum of its own,
 * and a code cut short or changed by one character must not pass as a different valid SDP.
 *
 * The SDP is packed losslessly line by line: lines in SDP_DICTIONARY become indexes (a run of
 * them two numbers), a sha-256 fingerprint becomes its 32 bytes, every other line stays text.
 * Each code names the sender's session and when it was made; an answer names the offer's session,
 * so a stale, foreign or wrong-way code is refused with words a person can act on.
 */
import { packr } from "./packr.ts";
import type { IceCandidate, SessionDescription } from "./messages.ts";
import { DICTIONARY_SIZE, SDP_DICTIONARY } from "./sdp-dictionary.ts";
import { isSessionId, isSignalPayload, SDP_MAX } from "./validate.ts";

export type CodeKind = "offer" | "answer";
/** Codes are written in this version; older ones (whose dictionary is a prefix of ours) are read too. */
export const CODE_VERSION = 2;
export const CODE_PREFIX: Record<CodeKind, string> = { offer: `OL${CODE_VERSION}o.`, answer: `OL${CODE_VERSION}a.` };
/** Codes older (or, with a skewed clock, newer) than this are stale. */
export const CODE_MAX_AGE_S = 10 * 60;
const MAX_CODE_CHARS = 16_000;
const MAX_BODY_BYTES = 64 * 1024;

export interface ConnectionCode {
  kind: CodeKind;
  /** The sender's peer-connection session id. */
  session: string;
  /** An answer's offer session; null in an offer. */
  replyTo: string | null;
  /** Unix seconds. */
  created: number;
  description: SessionDescription;
  /** Candidates as gathered, all of them (the end of gathering is implied). */
  candidates: IceCandidate[];
}

export type CodeProblem = "empty" | "malformed" | "truncated" | "too-large" | "newer-version" | "wrong-direction" | "stale" | "other-offer";
export type DecodedCode = { ok: true; code: ConnectionCode } | { ok: false; problem: CodeProblem; text: string };

export interface DecodeExpectation {
  kind: CodeKind;
  /** For an answer: the session of the offer we are waiting on. */
  replyTo?: string;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

/** Unix seconds: codes carry their creation time in them. */
export const unixNow = () => Math.floor(Date.now() / 1000);

// ---- SDP packing ----

type SdpItem = number | [number, number] | string | Uint8Array;
const FINGERPRINT = /^a=fingerprint:sha-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$/;
/** Every place each dictionary line appears (a line can open runs in several orders). */
const placesOf = new Map<string, number[]>();
SDP_DICTIONARY.forEach((line, i) => placesOf.set(line, [...(placesOf.get(line) ?? []), i]));

export function packSdp(sdp: string): SdpItem[] {
  const lines = sdp.split(/\r?\n/).filter((l) => l !== "");
  const items: SdpItem[] = [];
  for (let at = 0; at < lines.length; ) {
    const line = lines[at]!;
    // The longest run of dictionary lines starting here (the first place on a tie).
    let best = -1;
    let bestCount = 0;
    for (const start of placesOf.get(line) ?? []) {
      let count = 1;
      while (at + count < lines.length && SDP_DICTIONARY[start + count] === lines[at + count]) count++;
      if (count > bestCount) [best, bestCount] = [start, count];
    }
    if (bestCount > 0) {
      items.push(bestCount === 1 ? best : [best, bestCount]);
      at += bestCount;
      continue;
    }
    at++;
    const fp = FINGERPRINT.exec(line);
    items.push(fp ? Uint8Array.from(fp[1]!.split(":"), (h) => parseInt(h, 16)) : line);
  }
  return items;
}

/** `known`: how many dictionary lines the code's version has (a newer page reads older codes). */
export function unpackSdp(items: unknown, known = SDP_DICTIONARY.length): string | null {
  const r = unpackSdpCapped(items, known);
  return r === "too-large" ? null : r;
}

/**
 * Unpacks at most SDP_MAX characters: a few bytes of runs can stand for megabytes of lines, so
 * the count is kept line by line and unpacking stops as soon as it passes the cap.
 */
function unpackSdpCapped(items: unknown, known: number): string | "too-large" | null {
  if (!Array.isArray(items)) return null;
  const lines: string[] = [];
  let chars = 0;
  const add = (line: string) => {
    chars += line.length + 2;
    lines.push(line);
    return chars <= SDP_MAX;
  };
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    let fits = true;
    if (typeof item === "string") fits = add(item);
    else if (typeof item === "number" && Number.isInteger(item) && item >= 0 && item < known) fits = add(SDP_DICTIONARY[item]!);
    else if (item instanceof Uint8Array && item.length === 32) {
      fits = add(`a=fingerprint:sha-256 ${Array.from(item, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(":")}`);
    } else if (Array.isArray(item) && item.length === 2 && Number.isInteger(item[0]) && Number.isInteger(item[1]) && item[1] > 1) {
      const [start, count] = item as [number, number];
      if (start < 0 || start + count > known) return null;
      for (let k = start; k < start + count && fits; k++) fits = add(SDP_DICTIONARY[k]!);
    } else return null;
    if (!fits) return "too-large";
  }
  return lines.length > 0 ? `${lines.join("\r\n")}\r\n` : null;
}

// ---- bytes ----

class TooLarge extends Error {}
/** Compressed bytes go in this many at a time, so even a decompressor that inflates all it is given overshoots the cap by at most ~1,000 times this. */
const SLICE_BYTES = 256;

/**
 * Runs bytes through a (de)compressor with a hard cap on what comes out: the input is fed in
 * small slices as the output is read, and everything stops (TooLarge) as soon as it passes
 * `limit`, so a few hundred bytes that inflate to gigabytes cost about `limit` and no more.
 */
async function through(bytes: Uint8Array, transform: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  // Our own bytes are compressed in one piece (slices would cost a few characters of code).
  const slice = transform instanceof CompressionStream ? bytes.length : SLICE_BYTES;
  let fed = 0;
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      pull(controller) {
        if (fed >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(fed, fed + slice));
        fed += slice;
      },
    },
    { highWaterMark: 0 },
  );
  const reader = input.pipeThrough(transform).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge(`more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// ---- codes ----

export async function encodeCode(code: ConnectionCode): Promise<string> {
  // The prefix, the default generation and the ufrag (the description's own) carry nothing.
  const compact = (c: string) =>
    c
      .replace(/^candidate:/, "")
      .replace(/ generation 0(?= |$)/, "")
      .replace(/ ufrag \S+/, "");
  const candidates = code.candidates.map((c) => [c.sdpMid ?? null, c.sdpMLineIndex ?? null, compact(c.candidate)]);
  return sealCode(code.kind, [code.kind === "offer" ? 0 : 1, code.session, code.created, code.replyTo, packSdp(code.description.sdp), candidates]);
}

/** Any body as a code of that kind (encodeCode's last step; tests use it to make odd codes). */
export async function sealCode(kind: CodeKind, body: unknown): Promise<string> {
  const raw = packr.pack(body);
  const packed = await through(raw, new CompressionStream("deflate-raw"), MAX_BODY_BYTES);
  const out = new Uint8Array(4 + packed.length);
  new DataView(out.buffer).setUint32(0, fnv1a(raw));
  out.set(packed, 4);
  return CODE_PREFIX[kind] + toBase64Url(out);
}

const fail = (problem: CodeProblem, text: string): DecodedCode => ({ ok: false, problem, text });
const KIND_WORD: Record<CodeKind, string> = { offer: "an offer code", answer: "an answer code" };

function wrongWay(expected: CodeKind): DecodedCode {
  return expected === "offer"
    ? fail("wrong-direction", "This is an answer code. Paste it on the device that made the offer code; here, paste the offer code.")
    : fail("wrong-direction", "This is an offer code. Paste it on the other device; here, paste the answer code it gives back.");
}

function parseCandidates(x: unknown): IceCandidate[] | null {
  if (!Array.isArray(x) || x.length > 64) return null;
  const out: IceCandidate[] = [];
  for (const c of x) {
    if (!Array.isArray(c) || c.length !== 3 || typeof c[2] !== "string") return null;
    const candidate: IceCandidate = { candidate: `candidate:${c[2]}`, sdpMid: c[0], sdpMLineIndex: c[1] };
    if (!isSignalPayload({ candidate })) return null;
    out.push(candidate);
  }
  return out;
}

/** Reads a pasted code. Never throws: every problem comes back with words for the user. */
export async function decodeCode(pasted: string, expect: DecodeExpectation): Promise<DecodedCode> {
  const text = pasted.replace(/\s+/g, "");
  if (text === "") return fail("empty", `Paste ${KIND_WORD[expect.kind]} first.`);
  const head = /^OL(\d+)([oa])\./.exec(text);
  if (!head) return fail("malformed", `This is not a OneLink code. Copy the whole code, from "OL" to the end, and paste it again.`);
  const known = DICTIONARY_SIZE[Number(head[1])];
  if (known === undefined) {
    return fail("newer-version", "This code was made by a different version of OneLink. Reload both pages and make a new code.");
  }
  const kind: CodeKind = head[2] === "o" ? "offer" : "answer";
  if (kind !== expect.kind) return wrongWay(expect.kind);
  if (text.length > MAX_CODE_CHARS) return fail("malformed", "This code is far too long to be a OneLink code.");
  const tooLarge = fail("too-large", "This code unpacks to far more than a connection ever needs: it is too large to be a OneLink code. Ask for a new code.");
  const incomplete = fail("truncated", "This code is incomplete or damaged: part of it was lost or changed on the way. Copy the whole code again.");
  if ((text.length - head[0].length) % 4 === 1) return incomplete; // never a whole number of bytes
  const bytes = fromBase64Url(text.slice(head[0].length));
  if (!bytes) return fail("malformed", "This code has characters a OneLink code never has. Copy it again, exactly.");
  if (bytes.length < 5) return incomplete;
  let raw: Uint8Array;
  try {
    raw = await through(bytes.subarray(4), new DecompressionStream("deflate-raw"), MAX_BODY_BYTES);
  } catch (err) {
    return err instanceof TooLarge ? tooLarge : incomplete;
  }
  if (fnv1a(raw) !== new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)) return incomplete;
  let body: unknown;
  try {
    body = packr.unpack(raw);
  } catch {
    return fail("malformed", "This code is damaged. Copy it again.");
  }
  if (!Array.isArray(body) || body.length !== 6 || body[0] !== (kind === "offer" ? 0 : 1)) return fail("malformed", "This code is damaged. Copy it again.");
  const [, session, created, replyTo] = body as [number, unknown, unknown, unknown];
  const sdp = unpackSdpCapped(body[4], known);
  if (sdp === "too-large") return tooLarge;
  const candidates = parseCandidates(body[5]);
  const description = { type: kind, sdp: sdp ?? "" } satisfies SessionDescription;
  const validReply = kind === "offer" ? replyTo === null : isSessionId(replyTo);
  if (!isSessionId(session) || !Number.isInteger(created) || !validReply || !sdp || !candidates || !isSignalPayload({ description })) {
    return fail("malformed", "This code is damaged. Copy it again.");
  }
  const age = (expect.now ?? unixNow()) - (created as number);
  if (Math.abs(age) > CODE_MAX_AGE_S) {
    return fail("stale", `This ${kind} code is more than ${CODE_MAX_AGE_S / 60} minutes old. Start over to make a new one.`);
  }
  if (kind === "answer" && expect.replyTo !== undefined && replyTo !== expect.replyTo) {
    return fail(
      "other-offer",
      "This answer code answers a different offer code (an older one, or one from another tab). Send your current offer code and paste the answer to that.",
    );
  }
  return { ok: true, code: { kind, session, replyTo: replyTo as string | null, created: created as number, description, candidates } };
}
