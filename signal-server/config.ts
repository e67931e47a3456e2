/**
 * Every server setting in one place, read from the environment once, with defaults.
 */
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/index.ts";
import type { IceConfig } from "./turn.ts";

export interface ServerConfig extends IceConfig {
  port: number;
  hostname: string;
  /** Members per room. The protocol has no such limit; this is policy. */
  roomCapacity: number;
  /** How long a dropped member's seat is held for a rejoin. */
  graceMs: number;
  maxFrameBytes: number;
  /** Seconds without a pong before Bun closes a socket. */
  idleTimeoutS: number;
  /** Bytes that may wait for a client that does not read; past that its socket is closed. */
  maxBufferedBytes: number;
  /** Frames a socket may send per second (token bucket, burst of twice that). */
  ratePerSecond: number;
  /** Bad frames tolerated before the socket is closed. */
  maxBadFrames: number;
  /**
   * Origins allowed to open /ws besides the page's own (an Origin whose host is the request's
   * Host). A request without Origin (not a browser: browsers always send it) is allowed.
   */
  allowedOrigins: string[];
  /** Sockets that have not joined a room within this long are closed (0: never). */
  joinTimeoutMs: number;
  /** Open sockets per client address (0: no limit). */
  maxSocketsPerIp: number;
  /** Joins per client address per minute, bursts up to that many (0: no limit). */
  joinsPerMinutePerIp: number;
  /**
   * Reverse proxies in front of the server that append to X-Forwarded-For (and set
   * X-Forwarded-Host); 0 trusts no such header, the TCP peer is the client.
   */
  trustProxy: number;
  /** Whether the Stately inspector may be loaded with `?inspect` (it shows every event, secrets included). */
  inspect: boolean;
  /**
   * Redis shared by every node serving the same rooms (redis://host:port); empty: this node alone,
   * everything in its memory.
   */
  redisUrl: string;
  /** This node's id among those sharing the Redis (default: random at start). */
  nodeId: string;
  /** Serve the UI with signaling disabled (no /ws), e.g. for serverless-only deployments. */
  signaling: boolean;
  /** Whether group calls have a media server (SFU=off: none, no Janus started, SFU_URLS ignored). */
  sfu: boolean;
  /** Janus servers of our own elsewhere (ws:// API URLs); empty: start one here beside the app. */
  sfuUrls: string[];
  /** Their API secret; for the local one, random when empty. */
  sfuSecret: string;
  /** The only interfaces the local Janus's ICE may use (Janus's -E); empty: every one. */
  sfuInterface: string;
  /** The local Janus's UDP media ports, "min-max". */
  sfuRtpPorts: string;
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function int(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return Math.floor(n);
}

/** The local Janus's media ports when SFU_RTP_PORTS does not say. */
export const DEFAULT_SFU_RTP_PORTS = "20000-20199";

function portRange(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  const m = /^(\d+)-(\d+)$/.exec(raw.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535)
    throw new Error(`${name} must be a UDP port range like ${fallback}, got "${raw}"`);
  return `${m[1]}-${m[2]}`;
}

function wsUrls(env: Record<string, string | undefined>, name: string): string[] {
  const urls = list(env[name]);
  const bad = urls.find((u) => !/^wss?:\/\/[^/\s]+/.test(u));
  if (bad) throw new Error(`${name} must be comma-separated ws:// or wss:// URLs, got "${bad}"`);
  return urls;
}

/** REDIS_URL: empty (one node, no Redis), or redis://… / rediss://… (TLS). */
function redisUrl(raw: string): string {
  if (!raw) return "";
  let protocol = "";
  try {
    protocol = new URL(raw).protocol;
  } catch {}
  if (protocol !== "redis:" && protocol !== "rediss:")
    throw new Error(`REDIS_URL must be redis://host:port or rediss://host:port (TLS), got "${raw.replace(/:[^:@/]*@/, ":***@")}"`);
  return raw;
}
export function readConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  return {
    port: int(env, "PORT", 3000),
    hostname: env.HOST || "0.0.0.0",
    roomCapacity: Math.max(1, int(env, "ROOM_CAPACITY", 20)),
    graceMs: int(env, "SEAT_GRACE_MS", 30_000),
    maxFrameBytes: Math.max(1024, int(env, "MAX_FRAME_BYTES", DEFAULT_MAX_FRAME_BYTES)),
    idleTimeoutS: Math.max(5, int(env, "IDLE_TIMEOUT_S", 20)),
    maxBufferedBytes: Math.max(64 * 1024, int(env, "MAX_BUFFERED_BYTES", 1024 * 1024)),
    ratePerSecond: Math.max(1, int(env, "RATE_PER_SECOND", 50)),
    maxBadFrames: Math.max(1, int(env, "MAX_BAD_FRAMES", 5)),
    allowedOrigins: list(env.ALLOWED_ORIGINS),
    joinTimeoutMs: int(env, "JOIN_TIMEOUT_MS", 10_000),
    maxSocketsPerIp: int(env, "MAX_SOCKETS_PER_IP", 200),
    joinsPerMinutePerIp: int(env, "JOINS_PER_MINUTE_PER_IP", 300),
    trustProxy: env.TRUST_PROXY === "true" ? 1 : int(env, "TRUST_PROXY", 0),
    inspect: env.INSPECT === "1" || env.DEV === "1",
    stunUrls: list(env.STUN_URLS),
    turnUrls: list(env.TURN_URLS),
    turnSecret: env.TURN_SECRET ?? "",
    turnTtlS: Math.max(10, int(env, "TURN_TTL_S", 3600)),
    fallbackTurnUrls: list(env.FALLBACK_TURN_URLS),
    fallbackTurnUsername: env.FALLBACK_TURN_USERNAME ?? "",
    fallbackTurnCredential: env.FALLBACK_TURN_CREDENTIAL ?? "",
    signaling: env.SIGNALING !== "off",
    redisUrl: redisUrl(env.REDIS_URL ?? ""),
    nodeId: env.NODE_ID ?? "",
    sfu: env.SFU !== "off",
    sfuUrls: wsUrls(env, "SFU_URLS"),
    sfuSecret: env.SFU_SECRET ?? "",
    sfuInterface: env.SFU_INTERFACE ?? "",
    sfuRtpPorts: portRange(env, "SFU_RTP_PORTS", DEFAULT_SFU_RTP_PORTS),
  };
}
