/**
 * Short-lived TURN credentials in the TURN REST scheme that coturn implements with
 * `use-auth-secret` / `static-auth-secret`: the username is "<expiry unix seconds>:<user>", the
 * credential is base64(HMAC-SHA1(secret, username)). The shared secret never leaves the server.
 */
import { createHmac } from "node:crypto";
import type { IceServer } from "../protocol/index.ts";

export interface TurnCredential {
  username: string;
  credential: string;
  expiresAt: number;
}

export function turnCredential(secret: string, user: string, ttlS: number, nowMs = Date.now()): TurnCredential {
  const expiresAt = Math.floor(nowMs / 1000) + ttlS;
  const username = `${expiresAt}:${user}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential, expiresAt };
}

export interface IceConfig {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret: string;
  turnTtlS: number;
  fallbackTurnUrls: string[];
  fallbackTurnUsername: string;
  fallbackTurnCredential: string;
}

/** The ICE servers handed to one member, and when the shortest-lived of them expires. */
export function iceServersFor(config: IceConfig, user: string, nowMs = Date.now()): { iceServers: IceServer[]; expiresAt?: number } {
  const iceServers: IceServer[] = [];
  let expiresAt: number | undefined;
  if (config.stunUrls.length) iceServers.push({ urls: config.stunUrls });
  if (config.turnUrls.length && config.turnSecret) {
    const cred = turnCredential(config.turnSecret, user, config.turnTtlS, nowMs);
    iceServers.push({ urls: config.turnUrls, username: cred.username, credential: cred.credential });
    expiresAt = cred.expiresAt;
  }
  if (config.fallbackTurnUrls.length) {
    iceServers.push({ urls: config.fallbackTurnUrls, username: config.fallbackTurnUsername, credential: config.fallbackTurnCredential });
  }
  return { iceServers, expiresAt };
}

/** One line for the start-up log: what browsers will be able to use. */
export function describeIce(config: IceConfig): string {
  const parts: string[] = [];
  if (config.stunUrls.length) parts.push(`STUN ${config.stunUrls.join(", ")}`);
  if (config.turnUrls.length && config.turnSecret) parts.push(`TURN ${config.turnUrls.join(", ")} (credentials valid ${config.turnTtlS} s)`);
  else if (config.turnUrls.length) parts.push("TURN_URLS set without TURN_SECRET: TURN disabled");
  if (config.fallbackTurnUrls.length) parts.push(`fallback TURN ${config.fallbackTurnUrls.join(", ")}`);
  if (!parts.length) return "No STUN or TURN configured: calls connect directly (same network or open NATs only).";
  return `ICE: ${parts.join("; ")}`;
}
