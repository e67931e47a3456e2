/**
 * A node's own connection for publishing (signal-server/redis-pipe.ts), against a real
 * redis-server: commands written as bytes get their replies in order, a write bigger than the
 * socket takes at once goes out whole, and commands written while Redis is away go out, in order,
 * once it is back.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisChannel } from "../signal-server/redis-channel.ts";
import { RedisPipe } from "../signal-server/redis-pipe.ts";
import { command } from "../signal-server/redis-resp.ts";
import { Redis } from "./helpers/cluster.ts";
import { until } from "./helpers/ws-client.ts";

let redis: Redis;
beforeAll(async () => {
  redis = await Redis.start();
});
afterAll(async () => {
  await redis.down();
});

/** Writes `args` as one command; its reply lands in `replies`. */
function send(pipe: RedisPipe, replies: (number | string)[], args: (string | Uint8Array)[]) {
  pipe.expect((r) => replies.push(typeof r === "number" ? r : `error: ${r.message}`));
  pipe.write(command(args), 1);
}

test("published bytes arrive whole and in order, and each reply says how many heard them", async () => {
  const heard: Uint8Array[] = [];
  const ch = new RedisChannel({ url: redis.url, channel: "t:pipe", onMessage: (m) => heard.push(m.slice()) });
  await ch.start();
  const pipe = new RedisPipe(redis.url);
  await pipe.start();
  const replies: (number | string)[] = [];
  // 4 MB: more than a socket takes in one write, so the rest waits for its drain.
  const big = Uint8Array.from({ length: 4 << 20 }, (_, i) => (i * 31) & 0xff);
  const sent = [Buffer.from("\r\n:1\r\n"), big, Uint8Array.from({ length: 256 }, (_, i) => i)];
  for (const m of sent) send(pipe, replies, ["PUBLISH", "t:pipe", m]);
  send(pipe, replies, ["PUBLISH", "t:nobody", "x"]);
  // Two commands in one write, with one reply asked for.
  pipe.expect(null);
  pipe.expect((r) => replies.push(typeof r === "number" ? r : "error"));
  pipe.write(Buffer.concat([command(["PUBLISH", "t:pipe", "a"]), command(["PUBLISH", "t:pipe", "b"])]), 2);
  await until(() => replies.length === 5 && heard.length === 5, 10_000, "every reply and message");
  expect(replies).toEqual([1, 1, 1, 0, 1]);
  expect(heard.map((m) => Buffer.from(m).toString("hex"))).toEqual([...sent, Buffer.from("a"), Buffer.from("b")].map((m) => Buffer.from(m).toString("hex")));
  await pipe.whenSettled();
  pipe.stop();
  ch.stop();
});

test("commands written while Redis is away go out in order once it is back", async () => {
  const pipe = new RedisPipe(redis.url);
  await pipe.start();
  const replies: (number | string)[] = [];
  send(pipe, replies, ["INCR", "t:n"]);
  await until(() => replies.length === 1, 5000, "the first reply");
  await redis.down();
  await until(() => !pipe.connected, 5000, "the connection seen lost");
  for (let i = 0; i < 3; i++) send(pipe, replies, ["INCR", "t:n"]);
  expect(pipe.settled).toBe(false);
  await redis.up();
  // Redis came back empty: the counter starts again, and the three arrive in the order written.
  await until(() => replies.length === 4, 10_000, "the replies after Redis came back");
  expect(replies).toEqual([1, 1, 2, 3]);
  expect(pipe.settled).toBe(true);
  pipe.stop();
});
