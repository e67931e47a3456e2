import { describe, expect, test } from "bun:test";
import { createActor, createMachine, fromCallback, SimulatedClock } from "xstate";
import { decodeServer, encode, type ServerMessage, type WithoutVersion } from "../../protocol/index.ts";
import { signalingMachine, type SignalingReport } from "../../machines/link/signaling.ts";
import type { SocketCommand, SocketEvent, SocketInput } from "../../machines/link/socket.ts";

/** A fake socket that records how it was opened and lets the test speak for the server. */
function fakeSockets() {
  const opened: SocketInput[] = [];
  const sent: SocketCommand[] = [];
  let sendBack: ((e: SocketEvent) => void) | null = null;
  const logic = fromCallback<SocketCommand, SocketInput, SocketEvent>(({ input, sendBack: back, receive }) => {
    opened.push(input);
    sendBack = back;
    receive((cmd) => sent.push(cmd));
  });
  // Round-trip through the real codec so the fake speaks the real wire.
  const server = (msg: WithoutVersion<ServerMessage>) => {
    const decoded = decodeServer(encode(msg));
    if (!decoded.ok) throw new Error(decoded.text);
    sendBack?.({ type: "SOCKET.MESSAGE", msg: decoded.msg });
  };
  const close = (code: number) => sendBack?.({ type: "SOCKET.CLOSED", code, reason: "" });
  return { logic, opened, sent, server, close };
}

/** A parent (the call) that invokes the link, and a transport beside it: both record what the link reports to them. */
function harness(policy = { baseMs: 100, maxMs: 1_000, jitter: 0 }) {
  const sockets = fakeSockets();
  const reports: SignalingReport[] = [];
  const transport = fromCallback<SignalingReport>(({ receive }) => receive((e) => reports.push(e)));
  const parent = createMachine({
    invoke: [
      { id: "transport", systemId: "transport", src: transport },
      {
        id: "link",
        src: signalingMachine.provide({ actors: { socket: sockets.logic } }),
        input: { url: "ws://test/ws", room: "room-1", policy },
      },
    ],
    on: { "*": { actions: ({ event }) => reports.push(event as SignalingReport) } },
  });
  const clock = new SimulatedClock();
  const actor = createActor(parent, { clock }).start();
  const link = () => actor.getSnapshot().children.link!;
  return { sockets, reports, clock, actor, link };
}

describe("signaling link", () => {
  test("a late answer to the pre-join peek on the adopted socket is told to the call (it prepares from it): the link stays up and joins", () => {
    const h = harness();
    h.sockets.server({ type: "occupancy", room: "room-1", people: 1, capacity: 2, iceServers: [] });
    expect(h.reports.at(-1)).toEqual({ type: "SIGNALING.OCCUPANCY", people: 1, capacity: 2, iceServers: [] });
    expect(h.link().getSnapshot().status).toBe("active");
    expect(h.sockets.opened).toHaveLength(1);
    h.sockets.server({ type: "joined", mode: "direct", room: "room-1", self: "me", token: "secret-1", peers: ["a"], iceServers: [] });
    expect(h.reports.at(-1)?.type).toBe("SIGNALING.JOINED");
    h.sockets.server({ type: "occupancy", room: "room-1", people: 2, capacity: 2 });
    expect(h.link().getSnapshot().status).toBe("active");
    expect(h.reports.filter((r) => r.type === "SIGNALING.ERROR")).toEqual([]);
  });

  test("reconnects with exponential backoff and rejoins with the seat token it was given", () => {
    const h = harness();
    expect(h.sockets.opened).toHaveLength(1);
    expect(h.sockets.opened[0]!.token).toBeUndefined();
    h.sockets.server({ type: "joined", mode: "direct", room: "room-1", self: "me", token: "secret-1", peers: [], iceServers: [] });
    expect(h.reports.at(-1)?.type).toBe("SIGNALING.JOINED");

    h.sockets.close(1006);
    expect(h.reports.at(-1)).toEqual({ type: "SIGNALING.OFFLINE" });
    h.clock.increment(99);
    expect(h.sockets.opened).toHaveLength(1);
    h.clock.increment(1);
    expect(h.sockets.opened).toHaveLength(2);
    expect(h.sockets.opened[1]!.token).toBe("secret-1");

    // Failing again doubles the wait: 200 ms, then 400 ms.
    h.sockets.close(1006);
    h.clock.increment(199);
    expect(h.sockets.opened).toHaveLength(2);
    h.clock.increment(1);
    expect(h.sockets.opened).toHaveLength(3);
    h.sockets.close(1006);
    h.clock.increment(399);
    expect(h.sockets.opened).toHaveLength(3);
    h.clock.increment(1);
    expect(h.sockets.opened).toHaveLength(4);

    // A successful join resets the backoff.
    h.sockets.server({ type: "joined", mode: "direct", room: "room-1", self: "me", token: "secret-1", peers: [], iceServers: [] });
    h.sockets.close(1012);
    h.clock.increment(100);
    expect(h.sockets.opened).toHaveLength(5);
  });

  test("backoff is capped and jittered", async () => {
    const { backoffDelay } = await import("../../machines/link/reconnect-policy.ts");
    const policy = { baseMs: 250, maxMs: 8_000, jitter: 0.5 };
    expect(backoffDelay(policy, 0, () => 0)).toBe(125);
    expect(backoffDelay(policy, 0, () => 1)).toBe(250);
    expect(backoffDelay(policy, 20, () => 1)).toBe(8_000);
    expect(backoffDelay(policy, 20, () => 0)).toBe(4_000);
  });

  test("a full room stops the link instead of retrying", () => {
    const h = harness();
    h.sockets.server({ type: "error", code: "room-full", text: "This call is full (2 people)." });
    expect(h.reports.find((r) => r.type === "SIGNALING.ERROR")).toMatchObject({ code: "room-full" });
    expect(h.link().getSnapshot().status).toBe("done");
    h.clock.increment(60_000);
    expect(h.sockets.opened).toHaveLength(1);
  });

  test("a seat taken by another tab is reported, not retried", () => {
    const h = harness();
    h.sockets.close(4003);
    expect(h.reports.find((r) => r.type === "SIGNALING.ERROR")).toMatchObject({ code: "replaced" });
    h.clock.increment(60_000);
    expect(h.sockets.opened).toHaveLength(1);
  });

  test("leave is sent through the socket", () => {
    const h = harness();
    h.link().send({ type: "SIGNALING.LEAVE" });
    expect(h.sockets.sent).toContainEqual({ type: "SOCKET.SEND", msg: { type: "leave" } });
  });

  test("TURN credentials are refreshed at 80% of their life, and the new ones are reported", () => {
    const h = harness();
    const expiresAt = Math.floor(Date.now() / 1000) + 100;
    h.sockets.server({ type: "joined", mode: "direct", room: "room-1", self: "me", token: "t", peers: [], iceServers: [], iceExpiresAt: expiresAt });
    const refreshes = () => h.sockets.sent.filter((c) => c.msg.type === "refresh-ice").length;
    h.clock.increment(75_000);
    expect(refreshes()).toBe(0);
    h.clock.increment(6_000);
    expect(refreshes()).toBe(1);
    const fresh = [{ urls: "turn:127.0.0.1:3478", username: "x:me", credential: "c" }];
    h.sockets.server({ type: "ice-servers", iceServers: fresh, iceExpiresAt: expiresAt + 3600 });
    expect(h.reports.at(-1)).toEqual({ type: "SIGNALING.ICE_SERVERS", iceServers: fresh });
    h.clock.increment(60_000);
    expect(refreshes()).toBe(1);
  });

  test("without expiring credentials nothing is refreshed", () => {
    const h = harness();
    h.sockets.server({ type: "joined", mode: "direct", room: "room-1", self: "me", token: "t", peers: [], iceServers: [] });
    h.clock.increment(10 * 3600_000);
    expect(h.sockets.sent.filter((c) => c.msg.type === "refresh-ice")).toHaveLength(0);
  });
});
