/**
 * Entry point: read the environment, start Janus for group calls unless told otherwise, start
 * serving, stop both gracefully on SIGTERM/SIGINT.
 */
import { type RunningJanus, startJanus } from "../scripts/janus.ts";
import { type ServerConfig, readConfig } from "./config.ts";
import { printableRedisUrl, probeRedis } from "./redis-diagnose.ts";
import { type SfuEndpoint, startServer } from "./server.ts";
import { describeIce } from "./turn.ts";

/** Janus beside the app (its API on 127.0.0.1 only), unless SFU_URLS names others or SFU=off. */
async function startSfu(config: ServerConfig): Promise<{ sfu: SfuEndpoint[]; local: RunningJanus | null }> {
  if (!config.sfu) {
    console.log("Group calls: no media server (SFU=off)");
    return { sfu: [], local: null };
  }
  if (config.sfuUrls.length > 0) {
    console.log(`Group calls: Janus at ${config.sfuUrls.join(", ")}`);
    return { sfu: config.sfuUrls.map((url) => ({ url, secret: config.sfuSecret })), local: null };
  }
  try {
    const local = await startJanus({ secret: config.sfuSecret, rtpPorts: config.sfuRtpPorts, iface: config.sfuInterface || undefined });
    console.log(`Group calls: Janus ${local.pid} started, API on ${local.url} (with a secret), media on UDP ${config.sfuRtpPorts}`);
    void local.exited.then((code) => {
      if (!stopping) console.error(`Janus exited (code ${code}): group calls have no media server until this server restarts`);
    });
    return { sfu: [{ url: local.url, secret: local.secret }], local };
  } catch (err) {
    console.error(`Group calls: no media server: ${err instanceof Error ? err.message : String(err)}`);
    return { sfu: [], local: null };
  }
}

let stopping = false;
let config: ServerConfig;
try {
  config = readConfig();
} catch (err) {
  console.error(`Could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
const { sfu, local } = await startSfu(config);
const app = startServer(config, { sfu });
// From the moment it listens (before Redis is reached): a node stopped early still tells its clients to move.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await app.stop();
    await local?.stop();
    process.exit(0);
  });
}
// A Redis that is not there yet is waited for (it may be starting too); the log says so.
const waiting = config.redisUrl
  ? setInterval(async () => {
      const why = await probeRedis(config.redisUrl);
      if (why) console.warn(`Waiting for Redis at ${printableRedisUrl(config.redisUrl)}: ${why}`);
    }, 3000)
  : undefined;
try {
  await app.ready;
  clearInterval(waiting);
} catch (err) {
  clearInterval(waiting);
  // Stopped while waiting for Redis: the signal's handler ends the process.
  if (stopping) await new Promise(() => {});
  // Only Redis can fail here (a single node is ready at once): say why, stop, exit non-zero.
  const why = (await probeRedis(config.redisUrl)) ?? (err instanceof Error ? err.message : String(err));
  console.error(`Could not start: Redis at ${printableRedisUrl(config.redisUrl)}: ${why}`);
  await app.stop().catch(() => {});
  await local?.stop();
  process.exit(1);
}
console.log(`Listening on http://localhost:${app.server.port}`);
if (config.redisUrl) console.log(`Node ${app.nodeId}: rooms shared with every node on the same Redis`);
console.log(describeIce(config));
