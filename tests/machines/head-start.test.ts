/**
 * The head start (machines/head-start.ts) is an async script: usually it runs before the app's code
 * and the app adopts what it asked for; on a busy machine it may run after. Then it must do nothing:
 * begun late, it would ask for the camera and open a socket a second time, the camera's light held
 * on until nobody-adopted-it time, even after the app has released its own (a full room, hang up).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { adoptMedia, adoptSocket, firstConstraints, startHeadStart } from "../../machines/head-start.ts";
import { DEFAULT_SETTINGS } from "../../machines/media/settings.ts";
import { encode } from "../../protocol/index.ts";

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
  sent: Uint8Array[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    opened.push(this);
  }
  send(data: Uint8Array) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  /** The server's side: the handshake ends, then frames arrive (each dropped if nobody listens). */
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  hear(data: unknown) {
    this.onmessage?.({ data });
  }
}

/** A tab's sessionStorage holding a seat token for `room` (a refresh taking its seat back). */
function keptSeat(room: string) {
  const kept = new Map([[`onelink.seat.${room}`, "seat-token"]]);
  Object.defineProperty(globalThis, "sessionStorage", { configurable: true, value: { getItem: (k: string) => kept.get(k) ?? null } });
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
  // The camera request is taken, so the head start's release timer (UNCLAIMED_MS) finds nothing
  // to stop long after this test (no MediaStream here to check it against).
  adoptMedia(firstConstraints(DEFAULT_SETTINGS));
  delete (globalThis as Record<string, unknown>)[GLOBAL];
  delete (globalThis as Record<string, unknown>).sessionStorage;
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
    expect(adoptSocket(URL_)).toEqual({ ws: opened[0] as unknown as WebSocket, frames: [], peeked: null });
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

describe("the head start's peek", () => {
  test("goes out the moment its socket opens, the frames heard before the app takes the socket are handed over in order", () => {
    startHeadStart(URL_, "peek-room");
    const ws = opened[0]!;
    expect(ws.sent).toEqual([]); // nothing before the socket is open
    ws.open();
    expect(ws.sent).toEqual([encode({ type: "peek", room: "peek-room" })]);
    const first = new Uint8Array([1]);
    const second = new Uint8Array([2]);
    ws.hear(first);
    ws.hear(second);
    const adopted = adoptSocket(URL_);
    expect(adopted?.ws).toBe(ws as unknown as WebSocket);
    expect(adopted?.frames).toEqual([first, second]);
    expect(adopted?.peeked?.room).toBe("peek-room");
    // The socket's handlers are the app's now: the head start holds nothing more.
    expect(ws.onmessage).toBeNull();
    expect(ws.onopen).toBeNull();
    expect(ws.sent).toHaveLength(1);
  });

  test("not sent on a socket the app took before it opened: the app asks itself", () => {
    startHeadStart(URL_, "early-room");
    const ws = opened[0]!;
    const adopted = adoptSocket(URL_);
    expect(adopted).toEqual({ ws: ws as unknown as WebSocket, frames: [], peeked: null });
    ws.open();
    expect(ws.sent).toEqual([]);
  });

  test("not sent for a refresh that keeps its seat (it rejoins, no pre-join screen)", () => {
    keptSeat("my-room");
    startHeadStart(URL_, "my-room");
    opened[0]!.open();
    expect(opened[0]!.sent).toEqual([]);
    expect(adoptSocket(URL_)?.peeked).toBeNull();
  });

  test("not sent for a room id no server would take", () => {
    startHeadStart(URL_, "x".repeat(300));
    opened[0]!.open();
    expect(opened[0]!.sent).toEqual([]);
  });
});
