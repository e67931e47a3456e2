/**
 * Group messages through the real server, from socket actors holding a call's message key: what
 * the server relays is ciphertext; a page with the same link's key reads it, one with another
 * key drops it. (A room of three turns to the media server, whose address here points nowhere:
 * no media flows, so it is never contacted.)
 */
import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import { createActor, setup, type ActorRefFrom } from "xstate";
import { socketActor, type SocketCommand, type SocketEvent } from "../../machines/link/socket.ts";
import { deriveKeys, newSecret } from "../../protocol/e2ee.ts";
import { KeyRing } from "../../protocol/group-keys.ts";
import { decodeClient, type ServerMessage } from "../../protocol/index.ts";
import { openClient, startTestServer, until, wsUrl, type App, type TestClient } from "../helpers/ws-client.ts";

let app: App;
beforeAll(() => {
  app = startTestServer({}, { sfu: [{ url: "ws://127.0.0.1:9", secret: "unused" }] });
});
afterAll(() => app.stop());

/** A socket actor joined to `room` with a message key, under a parent that keeps what it reports. */
function member(room: string, messageKeys: KeyRing) {
  const heard: ServerMessage[] = [];
  const parent = setup({
    types: { events: {} as SocketEvent },
    actors: { socket: socketActor },
  }).createMachine({
    invoke: { id: "socket", src: "socket", input: { url: wsUrl(app), room, messageKeys } },
    on: { "SOCKET.MESSAGE": { actions: ({ event }) => void heard.push(event.msg) } },
  });
  const actor: ActorRefFrom<typeof parent> = createActor(parent).start();
  const send = (msg: SocketCommand["msg"]) => (actor.getSnapshot().children.socket as { send(e: SocketCommand): void }).send({ type: "SOCKET.SEND", msg });
  return { actor, heard, send };
}

const relays = (heard: ServerMessage[]) => heard.filter((m): m is Extract<ServerMessage, { type: "relay" }> => m.type === "relay");
const text = (data: Uint8Array) => new TextDecoder().decode(data);

test("a relayed chat frame reaches the server sealed; the call's pages read it, another key drops it", async () => {
  const room = `e2ee-${Math.random().toString(36).slice(2, 10)}`;
  const secret = newSecret();
  const a = member(room, new KeyRing(deriveKeys(secret, room), room));
  const b = member(room, new KeyRing(deriveKeys(secret, room), room));
  const stranger = member(room, new KeyRing(deriveKeys(newSecret(), room), room));
  await until(() => [a, b, stranger].every((m) => m.heard.some((x) => x.type === "joined")), 3000);
  // What the server relays, as any member without the key (and the server itself) sees it.
  const server: TestClient = await openClient(app);
  server.send({ type: "join", room });
  await server.next("joined");

  const plain = ["hello group, secret plans", "second message", "third"];
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    for (const p of plain) a.send({ type: "relay", channel: "chat", data: new TextEncoder().encode(p) });
    await until(() => relays(b.heard).length === 3 && relays(server.received).length === 3, 3000);
    await until(() => warnings.length === 3, 3000);
  } finally {
    console.warn = warn;
  }
  // Sealed on the wire: no plaintext, each frame longer by its IV, tag and key epoch.
  for (const [i, frame] of relays(server.received).entries()) {
    expect(Buffer.from(frame.data).includes(Buffer.from("secret"))).toBe(false);
    expect(text(frame.data)).not.toContain(plain[i]!);
    expect(frame.data.byteLength).toBe(plain[i]!.length + 29);
  }
  // The same link's key reads them, in the order they were sent.
  expect(relays(b.heard).map((m) => text(m.data))).toEqual(plain);
  // Another key: every one dropped, with a warning, none reported.
  expect(relays(stranger.heard)).toEqual([]);
  expect(warnings.every((w) => w.includes("does not decrypt"))).toBe(true);
  // Frames that are not group messages pass untouched, after what came before them.
  expect(b.heard.filter((m) => m.type === "peer-joined").length).toBeGreaterThanOrEqual(1);

  // Leaving right after a message: the message is sealed and sent before the socket closes.
  a.send({ type: "relay", channel: "control", data: new TextEncoder().encode("last words") });
  a.actor.stop();
  await until(() => relays(b.heard).length === 4, 3000);
  expect(text(relays(b.heard)[3]!.data)).toBe("last words");
  for (const m of [b, stranger]) m.actor.stop();
  server.close();
});

test("our card, sealed as we join, does not hold back the signal sent after it (the offer goes out at once)", async () => {
  const room = `card-${Math.random().toString(36).slice(2, 10)}`;
  const peer: TestClient = await openClient(app);
  peer.send({ type: "join", room });
  const peerId = (await peer.next("joined")).self;
  const b = member(room, new KeyRing(deriveKeys(newSecret(), room), room));
  await until(() => b.heard.some((x) => x.type === "joined"), 3000);
  const sent = spyOn(WebSocket.prototype, "send");
  try {
    b.send({ type: "card", data: new TextEncoder().encode("Ada") });
    b.send({ type: "signal", peer: peerId, session: "s1", data: { candidate: null } });
    await until(() => sent.mock.calls.length === 2, 3000);
    const order = sent.mock.calls.map(([frame]) => {
      const d = decodeClient(frame);
      return d.ok ? d.msg.type : "?";
    });
    expect(order).toEqual(["signal", "card"]);
    expect((await peer.next("signal")).data).toEqual({ candidate: null });
  } finally {
    sent.mockRestore();
    b.actor.stop();
    peer.close();
  }
});
