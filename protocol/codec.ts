/**
 * msgpack framing for the signaling wire. `decode*` never throws: bad bytes become a typed error.
 */
import { packr } from "./packr.ts";
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage, type WithoutVersion } from "./messages.ts";
import { validateClientMessage, validateServerMessage, type Validated } from "./validate.ts";

// Plain maps only: no records, no extensions, so a frame is just data on both sides.

export function encode(msg: WithoutVersion<ClientMessage> | WithoutVersion<ServerMessage>): Uint8Array {
  return packr.pack({ v: PROTOCOL_VERSION, ...msg });
}

/** Raw msgpack of any value, for tests and tools that need to build odd frames. */
export function encodeRaw(value: unknown): Uint8Array {
  return packr.pack(value);
}

function unpack(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; text: string } {
  try {
    return { ok: true, value: packr.unpack(bytes) };
  } catch (err) {
    return { ok: false, text: `Undecodable frame: ${err instanceof Error ? err.message.slice(0, 80) : "error"}` };
  }
}

function decodeWith<T>(data: unknown, validate: (x: unknown) => Validated<T>): Validated<T> {
  if (!(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)) {
    return { ok: false, code: "bad-frame", text: "Frames must be binary msgpack." };
  }
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  const unpacked = unpack(bytes);
  if (!unpacked.ok) return { ok: false, code: "bad-frame", text: unpacked.text };
  return validate(unpacked.value);
}

export const decodeClient = (data: unknown): Validated<ClientMessage> => decodeWith(data, validateClientMessage);
export const decodeServer = (data: unknown): Validated<ServerMessage> => decodeWith(data, validateServerMessage);
