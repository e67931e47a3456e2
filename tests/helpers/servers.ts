/**
 * Servers that stop by themselves. Call `serverTests()` or `nodesSharingRedis()` in the file or
 * `describe` whose tests use them: it registers the clean-up there. What a test starts is stopped
 * after that test (afterEach), even when it fails; what a `beforeAll` starts, after the block
 * (afterAll). Last started, first stopped: nodes go before the Redis they share.
 */
import { afterAll, afterEach, beforeEach } from "bun:test";
import type { ServerConfig } from "../../signal-server/config.ts";
import type { SignalingOptions } from "../../signal-server/socket.ts";
import { Redis, startNode } from "./cluster.ts";
import { startTestServer, type App } from "./ws-client.ts";

type Stop = () => Promise<void>;

/** Registers the hooks; returns `stopLater(stop)`, which files `stop` under the test running now, or the block. */
function cleanUp(): (stop: Stop) => void {
  let inTest = false;
  const afterTest: Stop[] = [];
  const afterBlock: Stop[] = [];
  const stopAll = async (stops: Stop[]) => {
    while (stops.length) await stops.pop()!();
  };
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await stopAll(afterTest);
  });
  afterAll(() => stopAll(afterBlock));
  return (stop) => void (inTest ? afterTest : afterBlock).push(stop);
}

/** `app` whose stop() runs once: a test may stop it itself (to start another), the clean-up then does nothing. */
function stoppedOnce(app: App): App {
  const stop = app.stop;
  let stopping: Promise<void> | null = null;
  app.stop = () => (stopping ??= stop());
  return app;
}

/** Returns `start(config, options)`: the real server on loopback (startTestServer), stopped after the test or block that started it. */
export function serverTests(): (overrides?: Partial<ServerConfig>, options?: SignalingOptions) => App {
  const stopLater = cleanUp();
  return (overrides, options) => {
    const app = stoppedOnce(startTestServer(overrides, options));
    stopLater(() => app.stop());
    return app;
  };
}

/**
 * Returns `start(count, config, options)`: a fresh redis-server and `count` nodes in this process
 * sharing it, all with the same config; stopped (nodes, then Redis) after the test or block that
 * started them. Nodes added to `redis` later (spawnNode) are the caller's to stop.
 */
export function nodesSharingRedis(): (count: number, overrides?: Partial<ServerConfig>, options?: SignalingOptions) => Promise<{ redis: Redis; nodes: App[] }> {
  const stopLater = cleanUp();
  return async (count, overrides, options) => {
    const redis = await Redis.start();
    stopLater(() => redis.down());
    const nodes: App[] = [];
    for (let i = 0; i < count; i++) {
      const node = stoppedOnce(await startNode(redis, overrides, options));
      stopLater(() => node.stop());
      nodes.push(node);
    }
    return { redis, nodes };
  };
}
