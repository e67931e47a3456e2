/**
 * A node's channel heard as bytes (signal-server/redis-channel.ts), against a real redis-server:
 * every byte value arrives as sent, messages keep their order and their bounds however the reads
 * cut them, and a password in the URL is used.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { RedisChannel } from "../signal-server/redis-channel.ts";
import { Redis, freePort } from "./helpers/cluster.ts";
import { until } from "./helpers/ws-client.ts";

let redis: Redis;
beforeAll(async () => {
  redis = await Redis.start();
});
afterAll(async () => {
  await redis.down();
});

/** Subscribes a RedisChannel to `channel`; what it heard, copied, and how many reads it ended. */
async function listen(url: string, channel: string) {
  const heard: Uint8Array[] = [];
  const at = { reads: 0, deliveredBeforeRead: 0 };
  const ch = new RedisChannel({
    url,
    channel,
    onMessage: (m) => heard.push(m.slice()),
    onRead: () => {
      at.reads++;
      at.deliveredBeforeRead = heard.length;
    },
  });
  await ch.start();
  return { ch, heard, at };
}

test("every byte value arrives as published, each message whole and in order, handed over before the read ends", async () => {
  const { ch, heard, at } = await listen(redis.url, "t:bytes");
  const pub = new RedisClient(redis.url);
  await pub.connect();
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  // \r\n inside a message, a message that looks like a RESP reply, one of 1 MB (many reads), an empty one.
  const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31) & 0xff);
  const sent = [all, Buffer.from("\r\n*3\r\n$7\r\nmessage\r\n"), big, new Uint8Array(0), Buffer.from("last")];
  for (const m of sent) await pub.send("PUBLISH", ["t:bytes", m as unknown as string]);
  await until(() => heard.length === sent.length, 5000, "every message heard");
  expect(heard.map((m) => Buffer.from(m).toString("hex"))).toEqual(sent.map((m) => Buffer.from(m).toString("hex")));
  expect(at.deliveredBeforeRead).toBe(sent.length);
  expect(at.reads).toBeGreaterThan(1);
  pub.close();
  ch.stop();
});

test("many messages of many sizes published at once: reads that cut them anywhere still hand each over whole and in order", async () => {
  const { ch, heard } = await listen(redis.url, "t:many");
  const pub = new RedisClient(redis.url);
  await pub.connect();
  // Sizes from empty to 200 KB, sent without waiting: Redis writes them back to back, so a read
  // ends inside a message, inside its header, or right after one, and a large one spans reads.
  const sizes = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 200_000 - i : (i * 997) % 9000));
  const sent = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + k) & 0xff));
  await Promise.all(sent.map((m) => pub.send("PUBLISH", ["t:many", m as unknown as string])));
  await until(() => heard.length === sent.length, 10_000, "every message heard");
  for (let k = 0; k < sent.length; k++) expect(Buffer.from(heard[k]!).equals(Buffer.from(sent[k]!))).toBe(true);
  pub.close();
  ch.stop();
});

test("a password in the URL is sent before subscribing", async () => {
  const port = await freePort();
  const proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "s3cret"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    const pub = new RedisClient(url);
    const end = Date.now() + 5000;
    while (
      !(await pub.connect().then(
        () => true,
        () => false,
      ))
    )
      if (Date.now() > end) throw new Error("redis-server with a password did not start");
      else await Bun.sleep(20);
    const { ch, heard } = await listen(url, "t:auth");
    await pub.send("PUBLISH", ["t:auth", "hello"]);
    await until(() => heard.length === 1, 5000, "the message heard");
    expect(Buffer.from(heard[0]!).toString()).toBe("hello");
    pub.close();
    ch.stop();
  } finally {
    proc.kill(9);
    await proc.exited;
  }
});
