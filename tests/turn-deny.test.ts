/**
 * The shipped turnserver.conf keeps coturn from relaying into private networks: Debian's coturn,
 * started from that file on 127.0.0.1, refuses CreatePermission (403) for every private, loopback,
 * link-local, CGNAT, multicast and reserved range, IPv4 and IPv6, and grants it for public
 * addresses. A small TURN client speaks to coturn over UDP on 127.0.0.1; every packet goes there.
 * Naming a peer in CreatePermission sends nothing to it, and this file never sends data to a peer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { shippedTurnConfig, startCoturn } from "./e2e/coturn.ts";

const MAGIC = 0x2112a442;
const METHOD = { ALLOCATE: 0x003, REFRESH: 0x004, CREATE_PERMISSION: 0x008 } as const;
const SUCCESS = 0x100;
const ERROR = 0x110;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  REQUESTED_TRANSPORT: 0x0019,
  FINGERPRINT: 0x8028,
} as const;

// ---- STUN/TURN messages (RFC 8489, RFC 8656) -------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Uint8Array) {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function attribute(type: number, value: Uint8Array) {
  const out = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  out.set(value, 4);
  return out;
}

function header(type: number, bodyLength: number, tid: Uint8Array) {
  const out = Buffer.alloc(20);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(bodyLength, 2);
  out.writeUInt32BE(MAGIC, 4);
  out.set(tid, 8);
  return out;
}

/** A request with MESSAGE-INTEGRITY (when a key is given) and FINGERPRINT. */
function encode(type: number, tid: Uint8Array, attributes: Buffer[], key?: Buffer) {
  let body = Buffer.concat(attributes);
  if (key) {
    const mac = createHmac("sha1", key)
      .update(Buffer.concat([header(type, body.length + 24, tid), body]))
      .digest();
    body = Buffer.concat([body, attribute(ATTR.MESSAGE_INTEGRITY, mac)]);
  }
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(Buffer.concat([header(type, body.length + 8, tid), body])) ^ 0x5354554e) >>> 0);
  body = Buffer.concat([body, attribute(ATTR.FINGERPRINT, fingerprint)]);
  return Buffer.concat([header(type, body.length, tid), body]);
}

interface Message {
  type: number;
  tid: Buffer;
  attributes: Map<number, Buffer>;
}

function decode(data: Buffer): Message | undefined {
  if (data.length < 20 || data.readUInt32BE(4) !== MAGIC || data.readUInt16BE(2) + 20 !== data.length) return undefined;
  const attributes = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= data.length; ) {
    const type = data.readUInt16BE(at);
    const length = data.readUInt16BE(at + 2);
    if (!attributes.has(type)) attributes.set(type, data.subarray(at + 4, at + 4 + length));
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return { type: data.readUInt16BE(0), tid: data.subarray(8, 20), attributes };
}

function parseIPv4(ip: string) {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not IPv4: ${ip}`);
  return Buffer.from(parts);
}

function parseIPv6(ip: string) {
  const groups = (part: string) => {
    if (!part) return [];
    const items = part.split(":");
    const last = items.at(-1)!;
    if (last.includes(".")) {
      const v4 = parseIPv4(last);
      items.splice(-1, 1, v4.readUInt16BE(0).toString(16), v4.readUInt16BE(2).toString(16));
    }
    return items.map((g) => parseInt(g, 16));
  };
  const [head, tail] = ip.split("::");
  const h = groups(head!);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`not IPv6: ${ip}`);
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** XOR-PEER-ADDRESS value for ip (IPv4 or IPv6) and port. */
function xorAddress(ip: string, port: number, tid: Uint8Array) {
  const v6 = ip.includes(":");
  const address = v6 ? parseIPv6(ip) : parseIPv4(ip);
  const mask = Buffer.concat([header(0, 0, tid).subarray(4, 8), tid]); // magic cookie, then transaction id
  const out = Buffer.alloc(4 + address.length);
  out[1] = v6 ? 2 : 1;
  out.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  address.forEach((b, i) => (out[4 + i] = b ^ mask[i]!));
  return out;
}

function readXorAddress(value: Buffer, tid: Uint8Array) {
  const mask = Buffer.concat([header(0, 0, tid).subarray(4, 8), tid]);
  const bytes = [...value.subarray(4)].map((b, i) => b ^ mask[i]!);
  const port = value.readUInt16BE(2) ^ (MAGIC >>> 16);
  if (value[1] === 1) return { ip: bytes.join("."), port };
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return { ip: groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::"), port };
}

function errorOf(message: Message) {
  const value = message.attributes.get(ATTR.ERROR_CODE);
  if (!value) return { code: 0, reason: "" };
  return { code: (value[2]! & 7) * 100 + value[3]!, reason: value.subarray(4).toString("utf8") };
}

// ---- A TURN client on one UDP socket, talking to 127.0.0.1 only --------------------------------

/** Attributes of a request; XOR-PEER-ADDRESS depends on the transaction id. */
type Build = (tid: Uint8Array) => Buffer[];

class TurnClient {
  private waiting = new Map<string, (m: Message) => void>();
  private key?: Buffer;
  private realm?: Buffer;
  private nonce?: Buffer;

  private constructor(
    private socket: Bun.udp.Socket<"buffer">,
    private serverPort: number,
    private username: string,
    private password: string,
  ) {}

  /** A client with a TURN REST credential: username `<expiry>:<name>`, password base64(HMAC-SHA1(secret, username)). */
  static async open(serverPort: number, secret: string, name: string) {
    const username = `${Math.floor(Date.now() / 1000) + 600}:${name}`;
    const password = createHmac("sha1", secret).update(username).digest("base64");
    let client: TurnClient | undefined;
    const socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(_socket, data, port, address) {
          if (address !== "127.0.0.1" || port !== serverPort) return;
          const message = decode(Buffer.from(data));
          if (message) client?.waiting.get(message.tid.toString("hex"))?.(message);
        },
      },
    });
    client = new TurnClient(socket, serverPort, username, password);
    return client;
  }

  /** One transaction, sent at most 4 times, 500 ms apart. */
  private async transact(method: number, build: Build, authenticated: boolean): Promise<Message> {
    const tid = randomBytes(12);
    const auth = authenticated
      ? [attribute(ATTR.USERNAME, Buffer.from(this.username)), attribute(ATTR.REALM, this.realm!), attribute(ATTR.NONCE, this.nonce!)]
      : [];
    const packet = encode(method, tid, [...build(tid), ...auth], authenticated ? this.key : undefined);
    const answer = new Promise<Message>((resolve) => this.waiting.set(tid.toString("hex"), resolve));
    try {
      for (let attempt = 0; attempt < 4; attempt++) {
        this.socket.send(packet, this.serverPort, "127.0.0.1"); // the TURN server on loopback, nothing else
        const message = await Promise.race([answer, Bun.sleep(500).then(() => undefined)]);
        if (message) return message;
      }
      throw new Error(`no answer from coturn to method ${method}`);
    } finally {
      this.waiting.delete(tid.toString("hex"));
    }
  }

  /** An authenticated request; a stale nonce (438) is renewed once. */
  private async request(method: number, build: Build) {
    let answer = await this.transact(method, build, true);
    if (answer.type === (method | ERROR) && errorOf(answer).code === 438) {
      this.nonce = answer.attributes.get(ATTR.NONCE) ?? this.nonce;
      answer = await this.transact(method, build, true);
    }
    return answer;
  }

  /** Allocate a UDP relay of the given family: 401 with realm and nonce, then the long-term credential. */
  async allocate(family: 4 | 6) {
    const build: Build = () => [
      attribute(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])),
      ...(family === 6 ? [attribute(ATTR.REQUESTED_ADDRESS_FAMILY, Buffer.from([2, 0, 0, 0]))] : []),
    ];
    const challenge = await this.transact(METHOD.ALLOCATE, build, false);
    if (errorOf(challenge).code !== 401) throw new Error(`expected 401, got ${JSON.stringify(errorOf(challenge))}`);
    this.realm = challenge.attributes.get(ATTR.REALM);
    this.nonce = challenge.attributes.get(ATTR.NONCE);
    if (!this.realm || !this.nonce) throw new Error("401 without REALM and NONCE");
    this.key = createHash("md5")
      .update(`${this.username}:${this.realm.toString("utf8")}:${this.password}`)
      .digest();
    const answer = await this.request(METHOD.ALLOCATE, build);
    if (answer.type !== (METHOD.ALLOCATE | SUCCESS)) return { code: errorOf(answer).code, ip: "", port: 0 };
    return { code: 200, ...readXorAddress(answer.attributes.get(ATTR.XOR_RELAYED_ADDRESS)!, answer.tid) };
  }

  /** CreatePermission naming one peer (nothing is sent to it): 200 when granted, else coturn's error code. */
  async permit(ip: string) {
    const answer = await this.request(METHOD.CREATE_PERMISSION, (tid) => [attribute(ATTR.XOR_PEER_ADDRESS, xorAddress(ip, 9, tid))]);
    if (answer.type === (METHOD.CREATE_PERMISSION | SUCCESS)) return { code: 200, reason: "" };
    return errorOf(answer);
  }

  /** Release the allocation (Refresh with LIFETIME 0) and the socket. */
  async close() {
    if (this.key) await this.request(METHOD.REFRESH, () => [attribute(ATTR.LIFETIME, Buffer.alloc(4))]).catch(() => undefined);
    this.socket.close();
  }
}

// ---- What must be refused, and what must not ---------------------------------------------------

/** IPv4 ranges no relay may reach: [what, first, last]. First, last and a middle address are tried. */
const DENIED_V4: [string, string, string][] = [
  ["this network 0/8", "0.0.0.0", "0.255.255.255"],
  ["private 10/8", "10.0.0.0", "10.255.255.255"],
  ["CGNAT 100.64/10", "100.64.0.0", "100.127.255.255"],
  ["loopback 127/8", "127.0.0.0", "127.255.255.255"],
  ["link-local and cloud metadata 169.254/16", "169.254.0.0", "169.254.255.255"],
  ["private 172.16/12", "172.16.0.0", "172.31.255.255"],
  ["IETF protocol assignments 192.0.0/24", "192.0.0.0", "192.0.0.255"],
  ["documentation 192.0.2/24", "192.0.2.0", "192.0.2.255"],
  ["6to4 relay anycast 192.88.99/24", "192.88.99.0", "192.88.99.255"],
  ["private 192.168/16", "192.168.0.0", "192.168.255.255"],
  ["benchmarking 198.18/15", "198.18.0.0", "198.19.255.255"],
  ["documentation 198.51.100/24", "198.51.100.0", "198.51.100.255"],
  ["documentation 203.0.113/24", "203.0.113.0", "203.0.113.255"],
  ["multicast 224/4", "224.0.0.0", "239.255.255.255"],
  ["reserved 240/4 and broadcast", "240.0.0.0", "255.255.255.255"],
];

const v4ToNumber = (ip: string) => parseIPv4(ip).readUInt32BE(0);
const numberToV4 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
/** First, middle and last address of each range, except 127.0.0.1 (tried on its own: the relay's own address in tests). */
const deniedV4 = DENIED_V4.flatMap(([, first, last]) => {
  const mid = numberToV4(Math.floor((v4ToNumber(first) + v4ToNumber(last)) / 2) + 2);
  return [first, mid, last];
}).concat(["127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1"]);

/** IPv6 addresses no relay may reach, at the edges and inside each range. */
const DENIED_V6 = [
  "::",
  "::1", // unspecified, loopback
  "::ffff:10.1.2.3",
  "::ffff:127.0.0.1",
  "::ffff:169.254.169.254",
  "::ffff:8.8.8.8", // IPv4-mapped: a dual-stack relay socket would send these over IPv4
  "::a01:203",
  "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // IPv4-compatible, the rest of ::/8
  "64:ff9b::a01:203",
  "64:ff9b::a9fe:a9fe",
  "64:ff9b:1::1", // NAT64 (could reach private IPv4)
  "100::",
  "100::ffff:ffff:ffff:ffff", // discard-only
  "2001::",
  "2001::1",
  "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", // IETF protocol assignments 2001::/23 (Teredo, benchmarking, ORCHID)
  "2001:db8::",
  "2001:db8:1234::1",
  "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", // documentation
  "2002::",
  "2002:a01:203::1",
  "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // 6to4 (embeds IPv4, private included)
  "3fff::",
  "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", // documentation 3fff::/20
  "5f00::",
  "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // SRv6 SIDs
  "fc00::",
  "fd12:3456::1",
  "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // unique local
  "fe80::",
  "fe80::1",
  "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // link-local
  "fec0::1",
  "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // old site-local
  "ff00::",
  "ff02::1",
  "ff0e::1",
  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // multicast
];

/** Public addresses, among them the neighbours of denied ranges: only named, never contacted. */
const PUBLIC_V4 = [
  "1.1.1.1",
  "8.8.8.8",
  "1.0.0.0",
  "9.255.255.255",
  "11.0.0.0",
  "100.63.255.255",
  "100.128.0.0",
  "126.255.255.255",
  "128.0.0.0",
  "169.253.255.255",
  "169.255.0.0",
  "172.15.255.255",
  "172.32.0.0",
  "192.0.1.0",
  "192.0.3.0",
  "192.88.98.255",
  "192.88.100.0",
  "192.167.255.255",
  "192.169.0.0",
  "198.17.255.255",
  "198.20.0.0",
  "198.51.99.255",
  "198.51.101.0",
  "203.0.112.255",
  "203.0.114.0",
  "223.255.255.255",
];
const PUBLIC_V6 = [
  "2606:4700:4700::1111",
  "2a00:1450:4001::1",
  "2001:200::1",
  "2001:db7:ffff::1",
  "2001:db9::1",
  "2003::1",
  "2001:4860:4860::8888",
  "2c0f:fb50:4003::1",
];

const codes = async (client: TurnClient, addresses: string[]) => {
  const out: Record<string, number> = {};
  for (const ip of addresses) out[ip] = (await client.permit(ip)).code;
  return out;
};
const all = (addresses: string[], code: number) => Object.fromEntries(addresses.map((ip) => [ip, code]));

for (const setup of ["as deployed", "with the tests' own-relay override"] as const) {
  const ownRelay = setup !== "as deployed";
  describe(`coturn from the shipped turnserver.conf, ${setup}`, () => {
    const secret = randomBytes(24).toString("base64url");
    let coturn: Awaited<ReturnType<typeof startCoturn>>;
    let v4: TurnClient;
    let v6: TurnClient;

    beforeAll(async () => {
      // "As deployed": only the listening/relay addresses, ports, secret, files and TLS are set on the
      // command line. The override is what tests/e2e/coturn.ts adds so two relayed browsers on
      // 127.0.0.1 reach each other: --allow-loopback-peers --allowed-peer-ip=127.0.0.1.
      coturn = await startCoturn(secret, undefined, { relayIps: ["127.0.0.1", "::1"], allowOwnRelay: ownRelay });
      v4 = await TurnClient.open(coturn.port, secret, "v4");
      v6 = await TurnClient.open(coturn.port, secret, "v6");
      expect(await v4.allocate(4)).toMatchObject({ code: 200, ip: "127.0.0.1" });
      expect(await v6.allocate(6)).toMatchObject({ code: 200, ip: "::1" });
    });
    afterAll(async () => {
      await v4?.close();
      await v6?.close();
      await coturn?.stop();
    });

    test("refuses (403) every private, loopback, link-local, CGNAT, multicast and reserved IPv4 range", async () => {
      expect(await codes(v4, deniedV4)).toEqual(all(deniedV4, 403));
    });

    test("refuses (403) the same over IPv6: loopback, mapped IPv4, NAT64, 6to4, ULA, link-local, multicast, documentation", async () => {
      expect(await codes(v6, DENIED_V6)).toEqual(all(DENIED_V6, 403));
    });

    test(ownRelay ? "grants the relay's own address 127.0.0.1 and nothing else on loopback" : "refuses the relay's own address 127.0.0.1 too", async () => {
      expect(await codes(v4, ["127.0.0.1", "127.0.0.2"])).toEqual({ "127.0.0.1": ownRelay ? 200 : 403, "127.0.0.2": 403 });
      expect(await codes(v6, ["::1"])).toEqual({ "::1": 403 });
    });

    test("grants public addresses, right up to the edges of the denied ranges", async () => {
      expect(await codes(v4, PUBLIC_V4)).toEqual(all(PUBLIC_V4, 200));
      expect(await codes(v6, PUBLIC_V6)).toEqual(all(PUBLIC_V6, 200));
    });

    test("one member's credentials get at most user-quota relays at a time, then 486", async () => {
      const quota = Number(/^user-quota=(\d+)$/m.exec(await Bun.file(shippedTurnConfig).text())?.[1]);
      expect(quota).toBeGreaterThan(0);
      const clients = await Promise.all(Array.from({ length: quota + 1 }, () => TurnClient.open(coturn.port, secret, "quota")));
      try {
        const results: number[] = [];
        for (const client of clients) results.push((await client.allocate(4)).code);
        expect(results).toEqual([...Array(quota).fill(200), 486]);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });

    test("an IPv6 peer on an IPv4 relay is a family mismatch, not a way around the list", async () => {
      expect(await codes(v4, ["::ffff:10.1.2.3"])).toEqual({ "::ffff:10.1.2.3": 443 });
    });
  });
}
