/** Debian's coturn for TURN tests and benchmarks, on 127.0.0.1 only. */

/** Debian's coturn on 127.0.0.1 with a freshly generated shared secret (on `port`, to start one again where it was). */
export async function startCoturn(secret: string, port = randomTurnPort()) {
  const proc = Bun.spawn(
    [
      "turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", `--listening-port=${port}`,
      "--use-auth-secret", `--static-auth-secret=${secret}`, "--realm=onelink.test", "--no-tls", "--no-dtls",
      "--allow-loopback-peers", "--no-cli", `--min-port=${port + 1}`, `--max-port=${port + 200}`, "--log-file=stdout",
      `--pidfile=/tmp/onelink-turn-${port}.pid`,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  // Wait until it listens.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const probe = Bun.spawnSync(["bash", "-c", `ss -lun | grep -q 127.0.0.1:${port}`]);
    if (probe.exitCode === 0) break;
    if (proc.exitCode !== null) throw new Error(`coturn exited with ${proc.exitCode}`);
    await Bun.sleep(100);
  }
  return { url: `turn:127.0.0.1:${port}?transport=udp`, port, stop: async () => { proc.kill(); await proc.exited; } };
}

// Below Linux's ephemeral range (32768+), where Chromium's own UDP sockets would collide.
const randomTurnPort = () => 20_000 + Math.floor(Math.random() * 12_000);
