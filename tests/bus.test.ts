/**
 * The local bus on its own: delivery to the member's socket on this node through presence, and the
 * relay's lookup-then-build order, with the real byte-level signal reader.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { decodeServer, encode, PROTOCOL_VERSION } from "../protocol/index.ts";
import { LocalBus } from "../signal-server/bus.ts";
import { Presence } from "../signal-server/presence.ts";
import { peerIs, readSignal, relayInPlace } from "../signal-server/relay-wire.ts";

type Sock = { name: string };
const sock = (name: string): Sock => ({ name });
const byId = (peer: string, id: string) => peer === id;

let presence: Presence<Sock>;
let sent: { to: string; frame: Uint8Array }[];
let bus: LocalBus<Sock>;
const A = "QUFBQUFBQUFBQUFB";
const B = "QkJCQkJCQkJCQkJC";
const a = sock("a");
const b = sock("b");

beforeEach(() => {
  presence = new Presence<Sock>();
  sent = [];
  bus = new LocalBus(presence, (s, frame) => sent.push({ to: s.name, frame }));
  presence.set("room", A, a);
  presence.set("room", B, b);
});

describe("local bus", () => {
  test("delivers to a present member, and says when a member has no socket", () => {
    const frame = new Uint8Array([1, 2, 3]);
    expect(bus.deliver("room", B, frame)).toBe(true);
    expect(sent).toEqual([{ to: "b", frame }]);
    expect(bus.deliver("room", "nobody", frame)).toBe(false);
    expect(bus.deliver("other-room", B, frame)).toBe(false);
    presence.delete("room", B, b);
    expect(bus.deliver("room", B, frame)).toBe(false);
    expect(sent).toHaveLength(1);
  });

  test("deliverAll sends the same frame to each member that has a socket", () => {
    const frame = new Uint8Array([9]);
    bus.deliverAll("room", [A, "gone", B], frame);
    expect(sent.map((s) => s.to)).toEqual(["a", "b"]);
    expect(sent.every((s) => s.frame === frame)).toBe(true);
  });

  test("relay finds the addressee before building the frame, and relays a signal in place", () => {
    const bytes = new Uint8Array(encode({ type: "signal", peer: B, session: "s-1", data: { candidate: null } }));
    const sig = readSignal(bytes)!;
    expect(sig).not.toBeNull();
    // relayInPlace overwrites the addressee's id with the sender's: the lookup must come first.
    expect(bus.relay("room", A, sig, peerIs, relayInPlace)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe("b");
    expect(sent[0]!.frame).toBe(bytes); // the same bytes, not a copy
    expect(decodeServer(sent[0]!.frame)).toEqual({
      ok: true,
      msg: { v: PROTOCOL_VERSION, type: "signal", peer: A, session: "s-1", data: { candidate: null } },
    });
  });

  test("relay to nobody builds nothing; a frame that cannot be built sends nothing", () => {
    let built = 0;
    const build = (_to: string, from: string) => (built++, new TextEncoder().encode(from));
    expect(bus.relay("room", A, "nobody", byId, build)).toBe(false);
    expect(bus.relay("other-room", A, B, byId, build)).toBe(false);
    expect(built).toBe(0);
    expect(bus.relay("room", A, B, byId, () => null)).toBeNull();
    expect(sent).toEqual([]);
    expect(bus.relay("room", A, B, byId, build)).toBe(true);
    expect(built).toBe(1);
    expect(sent.map((s) => [s.to, new TextDecoder().decode(s.frame)])).toEqual([["b", A]]);
  });
});
