/**
 * The server against strangers: odd paths, sockets that never join, one address opening many
 * sockets or joins, pages of other sites. The real server (in process, or as its own process where
 * its log is what is checked) on an ephemeral loopback port, real WebSocket clients.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CloseCode } from "../protocol/index.ts";
import { fullBucket, take } from "../signal-server/rate.ts";
import { PUBLIC_DIR } from "../signal-server/server.ts";
import { serverTests } from "./helpers/servers.ts";
import { httpUrl, openClient, TestClient, wsUrl, type App } from "./helpers/ws-client.ts";
import { startApp } from "./e2e/harness.ts";

/** stderr without the notice about bundling at run time (seen whenever sources are newer than build/app). */
const unexpectedLines = (stderr: string) => stderr.split("\n").filter((l) => l.trim() && !l.includes("at run time"));

describe("HTTP", () => {
  test("paths with NUL bytes are plain 404s and log nothing", async () => {
    // main.ts as its own process with stderr kept, so the test reads what the operator would.
    const server = await startApp({}, 0, { stderr: "pipe" });
    let stderr = "";
    try {
      for (const path of ["/%00", "/a%00b.js", "/emoji/%00native.json", "/%00/../package.json"]) {
        const res = await fetch(server.url + path);
        expect(res.status, path).toBe(404);
        await res.arrayBuffer();
      }
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      stderr = await server.stderr();
    }
    expect(unexpectedLines(stderr)).toEqual([]);
  }, 30_000);
});

let clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
});
const start = serverTests();
const track = (c: TestClient) => (clients.push(c), c);

/** The status a WebSocket upgrade gets, as a browser (or anything else) would send it. */
async function upgradeStatus(a: App, headers: Record<string, string>): Promise<number> {
  const res = await fetch(httpUrl(a, "/ws"), {
    headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13", ...headers },
  });
  await res.arrayBuffer().catch(() => {});
  return res.status;
}

describe("security headers", () => {
  test("every response carries them: the page, its scripts, assets, 404s, /healthz, a refused /ws", async () => {
    const app = start({ allowedOrigins: [] });
    const page = await fetch(httpUrl(app, "/c/some-room"));
    const html = await page.text();
    const script = /<link rel="modulepreload"[^>]* href="([^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const responses = [page];
    for (const path of ["/", script!, "/emoji/native.json", "/workers/hand-tracker.js", "/sw.js", "/nope", "/healthz"])
      responses.push(await fetch(httpUrl(app, path)));
    const refused = await fetch(httpUrl(app, "/ws"), { headers: { origin: "http://evil.test" } });
    responses.push(refused);
    for (const res of responses) {
      const where = `${res.url} (${res.status})`;
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, where).toContain("default-src 'self'");
      expect(csp, where).toContain("frame-ancestors 'none'");
      expect(csp, where).toContain("connect-src 'self'");
      expect(csp, where).not.toContain("unsafe-inline");
      expect(csp, where).not.toMatch(/'unsafe-eval'/);
      expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), where).toBe("no-referrer");
      expect(res.headers.get("cross-origin-opener-policy"), where).toBe("same-origin");
      expect(res.headers.get("permissions-policy"), where).toContain("camera=(self)");
      expect(res.headers.get("permissions-policy"), where).toContain("display-capture=(self)");
      if (!res.bodyUsed) await res.arrayBuffer();
    }
    // The page itself has no inline script or style for the policy to refuse.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
  });

  test("the hand-tracking worker bundle holds no third-party URL (no telemetry endpoint)", () => {
    const worker = readFileSync(resolve(PUBLIC_DIR, "workers/hand-tracker.js"), "utf8");
    expect(worker.length).toBeGreaterThan(100_000);
    expect(worker.match(/https?:\/\/[a-z0-9.-]+/gi) ?? []).toEqual([]);
  });
});

describe("?inspect", () => {
  test("the inspector bundle is served only where the operator allows it", async () => {
    let app = start({ inspect: false });
    const refused = await fetch(httpUrl(app, "/inspect/inspect.js"));
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain("createBrowserInspector");
    await app.stop();
    app = start({ inspect: true });
    const served = await fetch(httpUrl(app, "/inspect/inspect.js"));
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toContain("javascript");
    await served.arrayBuffer();
  });

  test("it is off unless INSPECT=1 or DEV=1 says so", async () => {
    const { readConfig } = await import("../signal-server/config.ts");
    expect(readConfig({}).inspect).toBe(false);
    expect(readConfig({ INSPECT: "0" }).inspect).toBe(false);
    expect(readConfig({ INSPECT: "1" }).inspect).toBe(true);
    expect(readConfig({ DEV: "1" }).inspect).toBe(true);
  });
});

describe("/ws origin", () => {
  test("by default only the page's own origin (and non-browser clients, with no Origin) may connect", async () => {
    const app = start();
    const port = app.server.port!;
    expect(await upgradeStatus(app, { origin: "http://evil.test" })).toBe(403);
    expect(await upgradeStatus(app, { origin: `http://evil.test:${port}` })).toBe(403);
    expect(await upgradeStatus(app, { origin: "null" })).toBe(403);
    expect(await upgradeStatus(app, { origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    // A proxy's claim about the host counts only when the operator trusts proxies.
    expect(await upgradeStatus(app, { origin: "https://evil.test", "x-forwarded-host": "evil.test" })).toBe(403);
    for (const headers of [{ origin: `http://127.0.0.1:${port}` }, {}] as Record<string, string>[]) {
      const c = track(await openClient(app, headers));
      c.send({ type: "ping" });
      await c.next("pong");
    }
  });

  test("ALLOWED_ORIGINS adds origins; a trusted proxy's X-Forwarded-Host is the host", async () => {
    const app = start({ allowedOrigins: ["https://ok.test"], trustProxy: 1 });
    const port = app.server.port;
    expect(await upgradeStatus(app, { origin: "https://evil.test" })).toBe(403);
    for (const headers of [
      { origin: "https://ok.test" },
      { origin: `http://127.0.0.1:${port}` },
      { origin: "https://call.example", "x-forwarded-host": "call.example" },
    ] as Record<string, string>[]) {
      const c = track(await openClient(app, headers));
      c.send({ type: "ping" });
      await c.next("pong");
    }
  });
});

describe("per-client limits", () => {
  test("a socket that does not join in time is closed; one that joins stays", async () => {
    const app = start({ joinTimeoutMs: 300 });
    const idle = track(await openClient(app));
    const joiner = track(await openClient(app));
    joiner.send({ type: "join", room: "timeout-room" });
    await joiner.next("joined");
    expect(await idle.closeCode(5000)).toBe(CloseCode.JoinTimeout);
    // Proof the joined one outlived the timeout: it is still served afterwards.
    await Bun.sleep(400);
    joiner.send({ type: "ping" });
    await joiner.next("pong");
    expect(joiner.isClosed).toBe(false);
    // Leaving puts a socket back on the clock.
    joiner.send({ type: "leave" });
    expect(await joiner.closeCode(5000)).toBe(CloseCode.JoinTimeout);
  });

  test("sockets per address are capped; a closed one frees its place", async () => {
    const app = start({ maxSocketsPerIp: 3 });
    const open = [];
    for (let i = 0; i < 3; i++) open.push(track(await openClient(app)));
    expect(await upgradeStatus(app, {})).toBe(429);
    const refused = new TestClient(wsUrl(app));
    await expect(refused.opened()).rejects.toThrow();
    open[0]!.close();
    await open[0]!.closed;
    const { until } = await import("./helpers/ws-client.ts");
    await until(() => app.stats().sockets === 2, 2000, "the server to see the close");
    track(await openClient(app));
  });

  test("X-Forwarded-For names the client only when TRUST_PROXY says so", async () => {
    let app = start({ maxSocketsPerIp: 1 });
    track(await openClient(app, { "x-forwarded-for": "10.0.0.1" }));
    expect(await upgradeStatus(app, { "x-forwarded-for": "10.0.0.2" })).toBe(429); // the same TCP peer
    await app.stop();
    for (const c of clients) c.close();
    app = start({ maxSocketsPerIp: 1, trustProxy: 1 });
    track(await openClient(app, { "x-forwarded-for": "10.0.0.1" }));
    // What the client wrote itself (left of the proxy's entry) does not make it someone else.
    track(await openClient(app, { "x-forwarded-for": "10.0.0.1, 10.0.0.2" }));
    expect(await upgradeStatus(app, { "x-forwarded-for": "10.0.0.9, 10.0.0.1" })).toBe(429);
  });

  test("joins per address are capped: past the budget a join is refused and the socket closed", async () => {
    const app = start({ joinsPerMinutePerIp: 3 });
    const a = track(await openClient(app));
    for (let i = 0; i < 3; i++) {
      a.send({ type: "join", room: `probe-${i}` });
      await a.next("joined");
      a.send({ type: "leave" });
    }
    a.send({ type: "join", room: "probe-3" });
    expect(await a.next("error")).toMatchObject({ code: "rate-limited" });
    expect(await a.closeCode()).toBe(CloseCode.RateLimited);
    // Another socket from the same address shares the budget.
    const b = track(await openClient(app));
    b.send({ type: "join", room: "probe-4" });
    expect(await b.next("error")).toMatchObject({ code: "rate-limited" });
  });
});

describe("frame rate limit", () => {
  test("the bucket never holds more than the burst, however long it idled", () => {
    const bucket = fullBucket(10, 0);
    for (let i = 0; i < 10; i++) expect(take(bucket, 0, 5, 10)).toBe(true);
    expect(take(bucket, 0, 5, 10)).toBe(false);
    // An hour idle: an uncapped bucket would hold 18,000 tokens.
    let taken = 0;
    while (take(bucket, 3_600_000, 5, 10) && taken < 1000) taken++;
    expect(taken).toBe(10);
    // And it refills at the rate: 1 s later, 5 more.
    taken = 0;
    while (take(bucket, 3_601_000, 5, 10) && taken < 1000) taken++;
    expect(taken).toBe(5);
  });

  test("a client that idled and then bursts is cut at the burst cap", async () => {
    let now = 0;
    const app = start({ ratePerSecond: 5 }, { now: () => now });
    const c = track(await openClient(app));
    now += 3_600_000; // an hour of silence on the server's clock
    for (let i = 0; i < 40; i++) c.send({ type: "ping" });
    expect(await c.closeCode()).toBe(CloseCode.RateLimited);
    // The clock stood still during the burst: exactly the burst (2 x 5) got through.
    expect(c.received.filter((m) => m.type === "pong")).toHaveLength(10);
    expect(c.received.find((m) => m.type === "error")).toMatchObject({ code: "rate-limited" });
  });
});
