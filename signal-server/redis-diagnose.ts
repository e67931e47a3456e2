/**
 * Why a node could not reach Redis at start, in words an operator can act on. Bun's Redis client
 * reports a refused TLS handshake only as "Connection closed"; this opens one connection of its own
 * to say what the handshake said (an untrusted certificate, a wrong host name) or that nothing
 * listens there. Only called when starting has already failed.
 */

/** REDIS_URL as it may be printed: the password, if any, left out. */
export function printableRedisUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(REDIS_URL is not a URL)";
  }
}

/** What a TCP (and, for rediss://, TLS) connection to `raw` runs into, or null if it gets through. */
export async function probeRedis(raw: string, timeoutMs = 3000): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "REDIS_URL is not a URL (expected redis://host:port or rediss://host:port)";
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") return `REDIS_URL must start with redis:// or rediss://, not ${url.protocol}//`;
  const tls = url.protocol === "rediss:";
  const hostname = url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(url.port) || 6379;
  return new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    const done = (why: string | null) => {
      clearTimeout(timer);
      resolve(why);
    };
    const reason = (err: unknown) => {
      const e = err as { code?: string; message?: string } | undefined;
      return [e?.message, e?.code].filter(Boolean).join(" ") || String(err);
    };
    Bun.connect({
      hostname,
      port,
      tls,
      socket: {
        open: (s) => {
          if (!tls) {
            s.end();
            done(null);
          }
        },
        handshake: (s, ok, err) => {
          s.end();
          if (ok) return done(null);
          const certificate = /cert|CERT|self.signed|SELF_SIGNED|issuer|ISSUER/.test(reason(err));
          done(
            `the TLS handshake failed: ${reason(err)}` +
              (certificate ? ". This node does not trust Redis's certificate: give its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem" : ""),
          );
        },
        data: () => {},
        error: (_s, err) => done(reason(err)),
        connectError: (_s, err) => done(`could not connect: ${reason(err)}`),
      },
    }).catch((err) => done(`could not connect: ${reason(err)}`));
  });
}
