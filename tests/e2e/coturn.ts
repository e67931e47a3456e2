/** Debian's coturn for TURN tests and benchmarks, on 127.0.0.1 only, run from the shipped turnserver.conf. */
import { rmSync } from "node:fs";
import { join } from "node:path";

/** The sample configuration operators deploy (repo root). */
export const shippedTurnConfig = join(import.meta.dir, "../../turnserver.conf");

export interface CoturnOptions {
  /** Relay addresses (default 127.0.0.1 only); add "::1" for IPv6 allocations. */
  relayIps?: string[];
  /**
   * Let peers reach the relay's own address 127.0.0.1 (default true): in tests both browsers'
   * relay candidates are 127.0.0.1, which the config denies as loopback. coturn refuses loopback
   * before it reads allowed-peer-ip, so this also lifts that built-in refusal; every other loopback
   * address stays refused by the config's denied-peer-ip lines (tests/turn-deny.test.ts checks it).
   */
  allowOwnRelay?: boolean;
}

/**
 * Debian's coturn with the shipped turnserver.conf and a freshly generated shared secret (on
 * `port`, to start one again where it was). The command line overrides only what a test must:
 * where it listens and relays (127.0.0.1), its ports, the secret, no TLS, log and pid files in /tmp.
 */
export async function startCoturn(secret: string, port = randomTurnPort(), { relayIps = ["127.0.0.1"], allowOwnRelay = true }: CoturnOptions = {}) {
  const log = `/tmp/onelink-turn-${port}.log`;
  const pidfile = `/tmp/onelink-turn-${port}.pid`;
  const proc = Bun.spawn(
    [
      "turnserver",
      "-c",
      shippedTurnConfig,
      "--listening-ip=127.0.0.1",
      ...relayIps.map((ip) => `--relay-ip=${ip}`),
      `--listening-port=${port}`,
      `--min-port=${port + 1}`,
      `--max-port=${port + 200}`,
      `--static-auth-secret=${secret}`,
      "--no-tls",
      "--no-dtls",
      `--log-file=${log}`,
      "--simple-log",
      "--no-stdout-log",
      `--pidfile=${pidfile}`,
      ...(allowOwnRelay ? ["--allow-loopback-peers", "--allowed-peer-ip=127.0.0.1"] : []),
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  const stop = async () => {
    proc.kill();
    await proc.exited;
    rmSync(log, { force: true });
    rmSync(pidfile, { force: true });
  };
  // Wait until it listens.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = Bun.spawnSync(["bash", "-c", `ss -lun | grep -q 127.0.0.1:${port}`]);
    if (probe.exitCode === 0) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      const tail = await Bun.file(log)
        .text()
        .catch(() => "(no log)");
      await stop();
      throw new Error(`coturn did not start on 127.0.0.1:${port} (exit ${proc.exitCode}); its log ends:\n${tail.slice(-2000)}`);
    }
    await Bun.sleep(100);
  }
  return { url: `turn:127.0.0.1:${port}?transport=udp`, port, log, stop };
}

// Below Linux's ephemeral range (32768+), where Chromium's own UDP sockets would collide.
const randomTurnPort = () => 20_000 + Math.floor(Math.random() * 12_000);
