/**
 * The head start (machines/head-start.ts) is an async script: usually it runs before the app's code
 * and the app adopts what it asked for; on a busy machine it may run after. Then it must do nothing:
 * begun late, it would ask for the camera and open a socket a second time, the camera's light held
 * on until nobody-adopted-it time, even after the app has released its own (a full room, hang up).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { adoptMedia, adoptSocket, firstConstraints, startHeadStart } from "../../machines/head-start.ts";
import { DEFAULT_SETTINGS } from "../../machines/media/settings.ts";

const URL_ = "ws://127.0.0.1:1/ws";
const GLOBAL = "__onelinkHeadStart";

let asked: MediaStreamConstraints[] = [];
let opened: FakeSocket[] = [];
const saved = { navigator: Object.getOwnPropertyDescriptor(globalThis, "navigator"), WebSocket: globalThis.WebSocket };

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  readyState = 0;
  binaryType = "blob";
  closed = false;
  constructor(readonly url: string) {
    opened.push(this);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
}

beforeEach(() => {
  asked = [];
  opened = [];
  delete (globalThis as Record<string, unknown>)[GLOBAL];
  const stream = { getTracks: () => [] };
  Object.defineProperty(globalThis, "navigator", {
    configurable: true,
    value: { mediaDevices: { getUserMedia: (c: MediaStreamConstraints) => (asked.push(c), Promise.resolve(stream)) } },
  });
  globalThis.WebSocket = FakeSocket as unknown as typeof WebSocket;
});
afterEach(() => {
  delete (globalThis as Record<string, unknown>)[GLOBAL];
  if (saved.navigator) Object.defineProperty(globalThis, "navigator", saved.navigator);
  globalThis.WebSocket = saved.WebSocket;
});

describe("the head start", () => {
  test("run first, the app adopts its camera request and its socket", async () => {
    startHeadStart(URL_);
    expect(asked.length).toBe(1);
    expect(opened.length).toBe(1);
    const got = adoptMedia(firstConstraints(DEFAULT_SETTINGS));
    expect(got).not.toBeNull();
    expect(adoptSocket(URL_)).toBe(opened[0] as unknown as WebSocket);
    // Taken once: the app does not get them twice.
    expect(adoptMedia(firstConstraints(DEFAULT_SETTINGS))).toBeNull();
    expect(adoptSocket(URL_)).toBeNull();
    expect(asked.length).toBe(1);
    expect(opened[0]!.closed).toBe(false);
  });

  test("run after the app has asked for the camera, it asks for nothing and opens nothing", () => {
    expect(adoptMedia(firstConstraints(DEFAULT_SETTINGS))).toBeNull();
    startHeadStart(URL_);
    expect(asked).toEqual([]);
    expect(opened).toEqual([]);
  });

  test("run after the app has opened its socket, it asks for nothing and opens nothing", () => {
    expect(adoptSocket(URL_)).toBeNull();
    startHeadStart(URL_);
    expect(asked).toEqual([]);
    expect(opened).toEqual([]);
  });
});
