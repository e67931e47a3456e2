/**
 * The floor of a frame's way through Redis: a bare PUBLISH → SUBSCRIBE round trip through the
 * cluster's own Redis (or, beside one node, one started for this alone), from the load generator's
 * process, while the measured burst runs. A frame
 * between two nodes takes that way (node → Redis → node) plus a hop in and a hop out; one node's
 * frame takes only the hop in and the hop out. What this round trip costs under the same load is
 * what no code of ours is in: Redis, loopback TCP and two process wake-ups on the same cores.
 */
import type { Socket } from "bun";

const CHANNEL = "bench:floor";
const resp = (args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/**
 * Publishes a `bytes`-long message every `everyMs` until the returned `stop`, which resolves to
 * the round trips in ms (publish written → message read by the subscriber in this process).
 */
export async function startFloor(port: number, everyMs: number, bytes: number): Promise<() => Promise<Float64Array>> {
  const sentAt: number[] = [];
  const times: number[] = [];
  let subscribed = () => {};
  const ready = new Promise<void>((r) => (subscribed = r));
  let tail = "";
  const sub = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open: (s) => void s.write(resp(["SUBSCRIBE", CHANNEL])),
      data: (_s, data) => {
        const t = performance.now();
        const text = tail + data.toString("latin1");
        subscribed();
        // Each message carries `F<seq>;` at its start; a message cut over two reads is matched once whole.
        let last = 0;
        for (const m of text.matchAll(/F(\d+);x*\r\n/g)) {
          const at = sentAt[Number(m[1])];
          if (at !== undefined) times.push(t - at);
          last = m.index + m[0].length;
        }
        tail = text.slice(last).slice(-2 * bytes);
      },
    },
  });
  const pub: Socket<undefined> = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
  await ready;
  let seq = 0;
  const timer = setInterval(() => {
    const head = `F${seq};`;
    sentAt[seq++] = performance.now();
    pub.write(resp(["PUBLISH", CHANNEL, head + "x".repeat(Math.max(0, bytes - head.length))]));
  }, everyMs);
  return async () => {
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 50));
    sub.end();
    pub.end();
    return Float64Array.from(times);
  };
}
