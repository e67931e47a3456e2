/**
 * Entry point: read the environment, start Janus for group calls unless told otherwise, start
 * serving, stop both gracefully on SIGTERM/SIGINT.
 */
import { type RunningJanus, startJanus } from "../scripts/janus.ts";
import { type ServerConfig, readConfig } from "./config.ts";
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
const config = readConfig();
const { sfu, local } = await startSfu(config);
const app = startServer(config, { sfu });
await app.ready;
console.log(`Listening on http://localhost:${app.server.port}`);
if (config.redisUrl) console.log(`Node ${app.nodeId}: rooms shared with every node on the same Redis`);
console.log(describeIce(config));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await app.stop();
    await local?.stop();
    process.exit(0);
  });
}
