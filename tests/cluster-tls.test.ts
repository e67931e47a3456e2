/**
 * REDIS_URL=rediss://: nodes reach Redis over TLS (a managed Redis usually requires it). A real
 * redis-server with a TLS port only, a certificate from a throwaway CA made here with openssl, two
 * nodes as child processes that trust that CA (NODE_EXTRA_CA_CERTS), and a node that does not.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis, freePort, spawnNode } from "./helpers/cluster.ts";
import { openClient, withTimeout, type TestClient } from "./helpers/ws-client.ts";

const dir = mkdtempSync(join(tmpdir(), "onelink-rediss-"));
const file = (name: string) => join(dir, name);

function openssl(...args: string[]) {
  const run = Bun.spawnSync(["openssl", ...args], { cwd: dir, stdout: "ignore", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`openssl ${args[0]}: ${run.stderr.toString()}`);
}

/** A CA, and a certificate it signed for 127.0.0.1 and localhost. */
function makeCertificates() {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=OneLink test CA");
  openssl("req", ...ec, "-keyout", "redis.key", "-out", "redis.csr", "-subj", "/CN=localhost");
  writeFileSync(file("san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  openssl("x509", "-req", "-in", "redis.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "redis.pem", "-days", "1", "-extfile", "san.cnf");
}

/** redis-server listening on TLS only (its plain port off), clients not asked for certificates. */
class TlsRedis extends Redis {
  override get url() {
    return `rediss://127.0.0.1:${this.port}`;
  }
  override async up() {
    this.proc = Bun.spawn(
      [
        "redis-server",
        ...["--port", "0", "--tls-port", String(this.port), "--bind", "127.0.0.1"],
        ...["--tls-cert-file", file("redis.pem"), "--tls-key-file", file("redis.key"), "--tls-ca-cert-file", file("ca.pem")],
        ...["--tls-auth-clients", "no", "--save", "", "--appendonly", "no"],
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    // Up once it answers PING over TLS (a plain connect would not say the TLS side works).
    const end = Date.now() + 5000;
    for (;;) {
      const pong = await new Promise<boolean>((resolve) => {
        Bun.connect({
          hostname: "127.0.0.1",
          port: this.port,
          tls: { ca: Bun.file(file("ca.pem")) },
          socket: {
            open: (s) => void s.write("PING\r\n"),
            data: (s, d) => {
              resolve(String(d).startsWith("+PONG"));
              s.end();
            },
            error: () => resolve(false),
            connectError: () => resolve(false),
          },
        }).catch(() => resolve(false));
      });
      if (pong) return;
      if (Date.now() > end || this.proc.exitCode !== null) throw new Error("redis-server (TLS) did not start");
      await Bun.sleep(30);
    }
  }
}

let redis: TlsRedis;
const stops: (() => unknown)[] = [];
beforeAll(async () => {
  makeCertificates();
  redis = new TlsRedis(await freePort());
  await redis.up();
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await redis?.down();
  rmSync(dir, { recursive: true, force: true });
});

async function trustingNode() {
  const node = await spawnNode(redis, { NODE_EXTRA_CA_CERTS: file("ca.pem") });
  stops.push(() => (node.proc.kill(9), node.proc.exited));
  return node;
}

test("two nodes on a TLS Redis (rediss://) share a room: a signal crosses from one to the other and back", async () => {
  const [n1, n2] = [await trustingNode(), await trustingNode()];
  const clients: TestClient[] = [];
  try {
    const id = `tls-${Math.random().toString(36).slice(2, 8)}`;
    const a = await openClient(n1.url);
    const b = await openClient(n2.url);
    clients.push(a, b);
    a.send({ type: "join", room: id });
    const aSelf = (await a.next("joined")).self;
    b.send({ type: "join", room: id });
    const bJoined = await b.next("joined");
    expect(bJoined.peers).toEqual([aSelf]);
    expect((await a.next("peer-joined")).peer).toBe(bJoined.self);
    const sdp = "v=0\r\ns=over-tls\r\n";
    b.send({ type: "signal", peer: aSelf, session: "s1", data: { description: { type: "offer", sdp } } });
    const got = await a.next("signal");
    expect(got.session).toBe("s1");
    expect(got.data).toEqual({ description: { type: "offer", sdp } });
    a.send({ type: "signal", peer: bJoined.self, session: "s1", data: { description: { type: "answer", sdp } } });
    expect((await b.next("signal")).peer).toBe(aSelf);
  } finally {
    for (const c of clients) c.close();
  }
}, 30_000);

test("a node that does not trust the Redis certificate does not start, and says why", async () => {
  const port = await freePort();
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../signal-server/main.ts")], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", REDIS_URL: redis.url, SFU: "off", NODE_EXTRA_CA_CERTS: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  stops.push(() => (proc.kill(9), proc.exited));
  const code = await withTimeout(proc.exited, 15_000, "the node gives up");
  const said = (await new Response(proc.stderr).text()) + (await new Response(proc.stdout).text());
  expect(code).not.toBe(0);
  expect(said).toMatch(/certificate/i);
}, 30_000);

test("REDIS_URL other than redis:// or rediss:// is refused at start, with its password left out of the message", async () => {
  const { readConfig } = await import("../signal-server/config.ts");
  expect(readConfig({ REDIS_URL: "rediss://:pw@redis.example:6380" }).redisUrl).toBe("rediss://:pw@redis.example:6380");
  expect(readConfig({}).redisUrl).toBe("");
  expect(() => readConfig({ REDIS_URL: "http://user:hunter2@redis.example" })).toThrow(/REDIS_URL must be redis:\/\/.*"http:\/\/user:\*\*\*@redis\.example"/);
  expect(() => readConfig({ REDIS_URL: "localhost:6379" })).toThrow(/REDIS_URL must be/);
});
