/**
 * Joining before the camera and microphone have opened (Join pressed while they start, a refresh):
 * our media state says so until they open, and the others' tiles say "Their camera is starting…"
 * instead of showing a black picture (ui Stage RemoteTile).
 */
import { describe, expect, test } from "bun:test";
import { decodeControl, encodeControl, encodeRaw } from "../../protocol/index.ts";
import { mediaState } from "../../machines/call/inputs.ts";
import type { CallContext } from "../../machines/call/call.ts";
import { newEntry, onControl } from "../../machines/call/roster.ts";

const contextWith = (local: CallContext["local"]) => ({ name: "Ada", micOn: true, camOn: true, local }) as unknown as CallContext;

describe("a camera still starting", () => {
  test("our media state says so while the devices have not opened, and not once they have", () => {
    expect(mediaState(contextWith(null))).toEqual({ type: "media-state", audio: true, video: true, starting: true, name: "Ada" });
    const local = { stream: null, issue: null } as unknown as CallContext["local"];
    expect(mediaState(contextWith(local))).toEqual({ type: "media-state", audio: true, video: true, name: "Ada" });
  });

  test("travels on the wire; anything but true is ignored and the media state still counts", () => {
    const state = { type: "media-state" as const, audio: true, video: true };
    expect(decodeControl(encodeControl({ ...state, starting: true }))).toEqual({ ...state, starting: true });
    for (const junk of [false, "yes", 1, null, { on: true }, [true]]) expect(decodeControl(encodeRaw({ ...state, starting: junk }))).toEqual(state);
  });

  test("the other's roster entry follows it: starting, then started", () => {
    let peers = { aaa: newEntry("aaa") };
    peers = onControl(peers, "aaa", { type: "media-state", audio: true, video: true, starting: true }).peers as typeof peers;
    expect(peers.aaa).toMatchObject({ starting: true, video: true, heard: true });
    peers = onControl(peers, "aaa", { type: "media-state", audio: true, video: true }).peers as typeof peers;
    expect(peers.aaa.starting).toBe(false);
  });
});
