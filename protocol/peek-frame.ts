/**
 * The `peek` frame alone, written without the msgpack codec: the page's first script
 * (machines/head-start.ts) sends it the moment its socket opens, before the app's code has run,
 * and must stay a few KB (the codec is ~37 KB). The bytes are what `encode({ type: "peek", room })`
 * gives (a map of v, type, room in that order; tests/protocol.test.ts checks them against the codec),
 * so the wire still has one definition: PeekMessage and PROTOCOL_VERSION in messages.ts.
 */
import { PROTOCOL_VERSION } from "./messages.ts";

/** msgpack of a string up to 255 UTF-8 bytes (fixstr, or str8), as the codec writes it. */
function str(bytes: number[], text: string): boolean {
  const utf8 = new TextEncoder().encode(text);
  if (utf8.length < 32) bytes.push(0xa0 | utf8.length);
  else if (utf8.length < 256) bytes.push(0xd9, utf8.length);
  else return false;
  bytes.push(...utf8);
  return true;
}

/** The encoded `peek` for `room`; null for a room id too long to be one (the server would refuse it anyway). */
export function encodePeek(room: string): Uint8Array | null {
  // A map of three entries (map16, as the codec writes an object); the version a positive fixint (below 128).
  if (PROTOCOL_VERSION > 0x7f) return null;
  const bytes = [0xde, 0x00, 0x03];
  str(bytes, "v");
  bytes.push(PROTOCOL_VERSION);
  str(bytes, "type");
  str(bytes, "peek");
  str(bytes, "room");
  return str(bytes, room) ? new Uint8Array(bytes) : null;
}
