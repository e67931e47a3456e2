/**
 * The private Janus behind group calls: started trimmed (VideoRoom over WebSockets on 127.0.0.1,
 * behind an API secret), usable for rooms with string ids, and gone when stopped, whether a test
 * or the server (signal-server/main.ts) started it. Runs in the namespace of scripts/netns.sh.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openJanusSocket, type RunningJanus } from "../scripts/janus.ts";
import { readConfig } from "../signal-server/config.ts";
import { startApp, waitFor } from "./e2e/harness.ts";
import { alive, netnsInterface, startTestJanus } from "./helpers/janus.ts";

type Socket = Awaited<ReturnType<typeof openJanusSocket>>;

/** A session with a VideoRoom handle, as the OneLink server makes one. */
async function videoroom(socket: Socket, secret: string) {
  const session = await socket.request({ janus: "create", apisecret: secret });
  expect(session.janus).toBe("success");
  const session_id = (session.data as { id: number }).id;
  const attached = await socket.request({ janus: "attach", plugin: "janus.plugin.videoroom", session_id, apisecret: secret });
  expect(attached.janus).toBe("success");
  const handle_id = (attached.data as { id: number }).id;
  return async (body: Record<string, unknown>) => {
    const reply = await socket.request({ janus: "message", session_id, handle_id, apisecret: secret, body });
    return (reply.plugindata as { data: Record<string, unknown> } | undefined)?.data ?? reply;
  };
}

describe("a private Janus", () => {
  let janus: RunningJanus;
  let socket: Socket;
  beforeAll(async () => {
    janus = await startTestJanus({ rtpPorts: "20200-20299" });
    socket = await openJanusSocket(janus.url);
  });
  afterAll(async () => {
    socket?.close();
    await janus?.stop();
  });

  test("answers only on 127.0.0.1, with the VideoRoom plugin and the WebSocket transport alone", async () => {
    expect(janus.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const info = await socket.request({ janus: "info" });
    expect(info.janus).toBe("server_info");
    expect(Object.keys(info.plugins as object)).toEqual(["janus.plugin.videoroom"]);
    expect(Object.keys(info.transports as object)).toEqual(["janus.transport.websockets"]);
    // The namespace's own address reaches the machine, but not Janus's API.
    const port = new URL(janus.url).port;
    await expect(openJanusSocket(`ws://10.99.0.1:${port}`, 2000)).rejects.toThrow();
  });

  test("refuses requests without its secret or with a wrong one, and serves those with it", async () => {
    for (const apisecret of [undefined, "wrong", `${janus.secret}x`]) {
      const refused = await socket.request({ janus: "create", ...(apisecret === undefined ? {} : { apisecret }) });
      expect(refused.janus).toBe("error");
      expect(refused.error).toMatchObject({ code: 403, reason: expect.stringContaining("Unauthorized request") });
    }
    const created = await socket.request({ janus: "create", apisecret: janus.secret });
    expect(created.janus).toBe("success");
    expect((created.data as { id: number }).id).toBeGreaterThan(0);
  });

  test("creates a VideoRoom room with a string id and lists it", async () => {
    const room = `group-${crypto.randomUUID()}`;
    const send = await videoroom(socket, janus.secret);
    expect(await send({ request: "create", room, publishers: 20, description: "test" })).toMatchObject({ videoroom: "created", room });
    expect(await send({ request: "exists", room })).toMatchObject({ videoroom: "success", room, exists: true });
    const listed = (await send({ request: "list" })) as { list: { room: string; max_publishers: number }[] };
    expect(listed.list.find((r) => r.room === room)).toMatchObject({ room, max_publishers: 20 });
  });
});

test("a stopped Janus is gone: its process and its API", async () => {
  const janus = await startTestJanus({ rtpPorts: "20300-20399" });
  expect(alive(janus.pid)).toBe(true);
  await janus.stop();
  expect(alive(janus.pid)).toBe(false);
  await expect(openJanusSocket(janus.url, 2000)).rejects.toThrow();
});

describe("the server's own Janus (signal-server/main.ts)", () => {
  test("is started beside the app with the secret given, and stopped with it", async () => {
    const secret = `secret-${crypto.randomUUID()}`;
    const env = { SFU: "on", SFU_SECRET: secret, SFU_INTERFACE: netnsInterface(), SFU_RTP_PORTS: "20400-20499" };
    const app = await startApp(env);
    let pid = 0;
    try {
      const said = /Group calls: Janus (\d+) started, API on (ws:\/\/127\.0\.0\.1:\d+)/.exec(app.startup);
      expect(said).not.toBeNull();
      pid = Number(said![1]);
      const socket = await openJanusSocket(said![2]!);
      expect((await socket.request({ janus: "create", apisecret: secret })).janus).toBe("success");
      socket.close();
    } finally {
      await app.stop();
    }
    // Gone with the app: stopped by it, or at worst killed by the kernel as the app exits (its
    // parent-death signal), which lands a moment later on a loaded machine.
    await waitFor(
      async () => alive(pid),
      (up) => !up,
      3_000,
    );
  });

  test("is not started with SFU=off, nor when SFU_URLS names Janus servers elsewhere", async () => {
    const off = await startApp({ SFU: "off" });
    await off.stop();
    expect(off.startup).toContain("Group calls: no media server (SFU=off)");
    const elsewhere = await startApp({ SFU_URLS: "ws://10.99.0.9:8188" });
    await elsewhere.stop();
    expect(elsewhere.startup).toContain("Group calls: Janus at ws://10.99.0.9:8188");
    expect(elsewhere.startup).not.toContain("started, API on");
  });
});

describe("configuration", () => {
  test("group calls by default: 20 a room, a local Janus on UDP 20000-20199", () => {
    expect(readConfig({})).toMatchObject({ roomCapacity: 20, sfu: true, sfuUrls: [], sfuSecret: "", sfuInterface: "", sfuRtpPorts: "20000-20199" });
  });

  test("SFU, SFU_URLS, SFU_SECRET, SFU_INTERFACE and SFU_RTP_PORTS are read, and bad values refused", () => {
    expect(readConfig({ SFU: "off" }).sfu).toBe(false);
    const env = { SFU_URLS: "ws://10.0.0.5:8188, wss://janus.example/ws", SFU_SECRET: "s", SFU_INTERFACE: "eth1", SFU_RTP_PORTS: "40000-40999" };
    expect(readConfig(env)).toMatchObject({
      sfuUrls: ["ws://10.0.0.5:8188", "wss://janus.example/ws"],
      sfuSecret: "s",
      sfuInterface: "eth1",
      sfuRtpPorts: "40000-40999",
    });
    expect(() => readConfig({ SFU_URLS: "http://10.0.0.5:8088" })).toThrow("SFU_URLS");
    for (const bad of ["20000", "30000-20000", "1-70000", "a-b"]) expect(() => readConfig({ SFU_RTP_PORTS: bad })).toThrow("SFU_RTP_PORTS");
  });
});
