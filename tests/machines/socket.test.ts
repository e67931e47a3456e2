/**
 * The socket actor against the real server: a socket warmed up ahead of time (while the camera
 * starts and the pre-join screen shows) is the one that joins; one nobody adopts is closed.
 * Some wait out the 2 s grace period and more: each has 15 s, not bun's 5 s (a busy machine).
 */
import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import { createActor, setup, type ActorRefFrom } from "xstate";
import { encode, type ServerMessage } from "../../protocol/index.ts";
import { socketActor, WarmSockets, type SocketEvent } from "../../machines/link/socket.ts";
import { startHeadStart } from "../../machines/head-start.ts";
import { openClient, sleep, startTestServer, until, wsUrl, type App } from "../helpers/ws-client.ts";

let app: App;
beforeAll(() => {
  app = startTestServer();
});
afterAll(() => app.stop());

/** A parent for one socket actor that keeps what it reports. */
function socketIn(room: string, warm?: WarmSockets) {
  const heard: ServerMessage[] = [];
  const parent = setup({
    types: { events: {} as SocketEvent },
    actors: { socket: socketActor },
  }).createMachine({
    invoke: { src: "socket", input: { url: wsUrl(app), room, warm } },
    on: { "SOCKET.MESSAGE": { actions: ({ event }) => void heard.push(event.msg) } },
  });
  const actor: ActorRefFrom<typeof parent> = createActor(parent).start();
  return { actor, heard };
}

test("a warm socket is adopted: joining opens no second connection", async () => {
  const warm = new WarmSockets(); // a call's own
  const release = warm.hold(wsUrl(app));
  await until(() => app.stats().sockets === 1, 3000);
  const { actor, heard } = socketIn("warm-room", warm);
  release();
  await until(() => heard.some((m) => m.type === "joined"), 3000);
  expect(app.stats()).toMatchObject({ sockets: 1, connected: 1 });
  // Past the grace period the adopted socket stays: it is the call's now.
  await sleep(2300);
  expect(app.stats()).toMatchObject({ sockets: 1, connected: 1 });
  actor.stop();
  await until(() => app.stats().sockets === 0, 3000);
}, 15_000);

test("a warm socket adopted while still connecting joins once it opens", async () => {
  const warm = new WarmSockets();
  const release = warm.hold(wsUrl(app));
  const { actor, heard } = socketIn("early-room", warm); // adopted at once, before the handshake ends
  release();
  await until(() => heard.some((m) => m.type === "joined"), 3000);
  expect(app.stats()).toMatchObject({ sockets: 1, connected: 1 });
  actor.stop();
  await until(() => app.stats().sockets === 0, 3000);
}, 15_000);

test("a warm socket nobody adopts is closed shortly after it is let go", async () => {
  const warm = new WarmSockets();
  const release = warm.hold(wsUrl(app));
  const again = warm.hold(wsUrl(app)); // a second holder (the pre-join screen after the camera start) shares it
  await until(() => app.stats().sockets === 1, 3000);
  release();
  await sleep(2300);
  expect(app.stats().sockets).toBe(1); // still held
  again();
  await until(() => app.stats().sockets === 0, 4000);
}, 15_000);

test("the pre-join screen's watch, taking over from the one started with the camera, hears the answer given and asks no second time at once", async () => {
  const warm = new WarmSockets();
  const url = wsUrl(app);
  const sent = spyOn(WebSocket.prototype, "send");
  try {
    const first: number[] = [];
    const stopFirst = warm.watchRoom(url, "watched-room", (o) => first.push(o.people));
    await until(() => first.length === 1, 3000);
    stopFirst();
    const second: number[] = [];
    const stopSecond = warm.watchRoom(url, "watched-room", (o) => second.push(o.people));
    await until(() => second.length === 1, 1000);
    expect(sent.mock.calls).toHaveLength(1); // one peek for both
    stopSecond();
    // Another room is asked about at once.
    const other: number[] = [];
    const stopOther = warm.watchRoom(url, "other-room", (o) => other.push(o.people));
    await until(() => other.length === 1, 3000);
    expect(sent.mock.calls).toHaveLength(2);
    stopOther();
  } finally {
    sent.mockRestore();
  }
}, 15_000);

/** The head start as the page's first script leaves it (machines/head-start.ts), for a test to look at. */
const HEAD = "__onelinkHeadStart";
const headSocket = () => (globalThis as Record<string, unknown>)[HEAD] as { socket: { ws: WebSocket; frames: unknown[] } | null } | undefined;

test("the head start's peek, answered before the app runs, is the pre-join screen's: it hears the answers in order and asks no second time", async () => {
  delete (globalThis as Record<string, unknown>)[HEAD];
  const url = wsUrl(app);
  const sent = spyOn(WebSocket.prototype, "send");
  const a = await openClient(app);
  try {
    startHeadStart(url, "head-room");
    await until(() => headSocket()?.socket?.frames.length === 1, 3000, "the head start's peek answered");
    expect(sent.mock.calls).toHaveLength(1); // the head start's peek, as its socket opened
    // Someone joins, and the server answers again before the app's code runs: both are held, in order.
    a.send({ type: "join", room: "head-room" });
    await a.next("joined");
    headSocket()!.socket!.ws.send(encode({ type: "peek", room: "head-room" }));
    await until(() => headSocket()?.socket?.frames.length === 2, 3000, "the second answer");
    const sentBefore = sent.mock.calls.length;
    const headWs = headSocket()!.socket!.ws;
    const warm = new WarmSockets();
    const heard: number[] = [];
    const stop = warm.watchRoom(url, "head-room", (o) => heard.push(o.people));
    await until(() => heard.length === 1, 1000, "the answer handed over");
    expect(heard).toEqual([1]); // the latest answer, not the first: none lost, none reordered
    expect(sent.mock.calls).toHaveLength(sentBefore); // the app asked nothing itself
    stop();
    // The socket B joins on is the head start's: no second one opened.
    const joinOn = warm.take(url);
    expect(joinOn).toBe(headWs);
    joinOn?.close();
  } finally {
    sent.mockRestore();
    a.close();
    delete (globalThis as Record<string, unknown>)[HEAD];
  }
}, 15_000);

test("with no head start the pre-join screen peeks itself", async () => {
  delete (globalThis as Record<string, unknown>)[HEAD];
  const sent = spyOn(WebSocket.prototype, "send");
  try {
    const warm = new WarmSockets();
    const heard: number[] = [];
    const stop = warm.watchRoom(wsUrl(app), "no-head-room", (o) => heard.push(o.people));
    await until(() => heard.length === 1, 3000, "the app's own peek answered");
    expect(heard).toEqual([0]);
    expect(sent.mock.calls).toHaveLength(1);
    stop();
  } finally {
    sent.mockRestore();
  }
}, 15_000);

test("a refresh rejoining at once (no pre-join screen held a warm socket): its join goes on the head start's socket, no second one opened", async () => {
  delete (globalThis as Record<string, unknown>)[HEAD];
  const before = app.stats().sockets;
  try {
    startHeadStart(wsUrl(app)); // no room: nothing peeked, as for a refresh that keeps its seat
    const headWs = headSocket()!.socket!.ws;
    await until(() => app.stats().sockets === before + 1, 3000, "the head start's socket open");
    const { actor, heard } = socketIn("refresh-room", new WarmSockets()); // a call's own, never held
    await until(() => heard.some((m) => m.type === "joined"), 3000, "joined");
    expect(app.stats().sockets).toBe(before + 1);
    expect(headSocket()!.socket).toBeNull(); // taken by the app
    expect(headWs.readyState).toBe(WebSocket.OPEN);
    actor.stop();
    await until(() => app.stats().sockets === before, 3000);
  } finally {
    delete (globalThis as Record<string, unknown>)[HEAD];
  }
}, 15_000);
