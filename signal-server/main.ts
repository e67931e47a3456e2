/**
 * Entry point: read the environment, start serving, stop gracefully on SIGTERM/SIGINT.
 */
import { readConfig } from "./config.ts";
import { startServer } from "./server.ts";
import { describeIce } from "./turn.ts";

const config = readConfig();
const app = startServer(config, { sfu: config.sfuUrls.map((url) => ({ url, secret: config.sfuSecret })) });
await app.ready;
console.log(`Listening on http://localhost:${app.server.port}`);
if (config.redisUrl) console.log(`Node ${app.nodeId}: rooms shared with every node on the same Redis`);
console.log(describeIce(config));

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await app.stop();
    process.exit(0);
  });
}
