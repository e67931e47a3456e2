import { describe, expect, test } from "bun:test";
import { readConfig } from "../signal-server/config.ts";
import { describeIce, iceServersFor, turnCredential } from "../signal-server/turn.ts";

describe("TURN REST credentials (coturn use-auth-secret)", () => {
  // Vectors computed independently: base64(HMAC-SHA1(secret, "<expiry>:<user>")), e.g. with
  // `echo -n 1700000000:alice | openssl dgst -sha1 -hmac north -binary | base64`.
  test("match coturn's scheme on known vectors", () => {
    expect(turnCredential("north", "alice", 3600, (1700000000 - 3600) * 1000)).toEqual({
      username: "1700000000:alice",
      credential: "Cd/49soE35ICqcJF/bCTn8Z4OyE=",
      expiresAt: 1700000000,
    });
    expect(turnCredential("s3cr3t-key", "seat-abc", 90, (1234567890 - 90) * 1000).credential).toBe("JHoSbNcKjMpAOIh4e+rwqS/OCzU=");
  });

  test("expire after the configured lifetime", () => {
    const now = Date.UTC(2026, 0, 1);
    const cred = turnCredential("x", "u", 600, now);
    expect(cred.expiresAt).toBe(now / 1000 + 600);
    expect(cred.username.startsWith(`${now / 1000 + 600}:`)).toBe(true);
  });

  test("each member gets its own short-lived credential and never the secret", () => {
    const config = readConfig({
      TURN_URLS: "turn:turn.example:3478?transport=udp",
      TURN_SECRET: "top-secret",
      TURN_TTL_S: "600",
      STUN_URLS: "stun:stun.example:3478",
    });
    const a = iceServersFor(config, "seat-a", 0);
    const b = iceServersFor(config, "seat-b", 0);
    expect(a.iceServers[0]).toEqual({ urls: ["stun:stun.example:3478"] });
    expect(a.iceServers[1]!.username).toBe("600:seat-a");
    expect(b.iceServers[1]!.username).toBe("600:seat-b");
    expect(a.expiresAt).toBe(600);
    expect(JSON.stringify([a, b])).not.toContain("top-secret");
  });

  test("a fallback TURN with static credentials is passed as configured; no config means direct only", () => {
    const config = readConfig({ FALLBACK_TURN_URLS: "turns:relay.example:443", FALLBACK_TURN_USERNAME: "u", FALLBACK_TURN_CREDENTIAL: "p" });
    expect(iceServersFor(config, "s").iceServers).toEqual([{ urls: ["turns:relay.example:443"], username: "u", credential: "p" }]);
    expect(iceServersFor(readConfig({}), "s")).toEqual({ iceServers: [], expiresAt: undefined });
    expect(describeIce(readConfig({}))).toContain("directly");
    expect(describeIce(readConfig({ TURN_URLS: "turn:x" }))).toContain("TURN disabled");
  });
});
