/** Values read back from Web Storage are checked again: a poisoned one is dropped, never used. */
import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { isSeatToken, loadReturnIce, readStored, saveReturnIce, writeStored } from "../../machines/storage.ts";

/** A Storage with the browser's interface (bun has none), optionally refusing writes like a full quota. */
class MemoryStorage {
  map = new Map<string, string>();
  full = false;
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => {
    if (this.full) throw new DOMException("full", "QuotaExceededError");
    this.map.set(k, String(v));
  };
  removeItem = (k: string) => void this.map.delete(k);
}

const session = new MemoryStorage();
Object.defineProperty(globalThis, "sessionStorage", { value: session, configurable: true });
afterAll(() => void delete (globalThis as { sessionStorage?: unknown }).sessionStorage);

describe("stored values are validated when read back", () => {
  test("a valid seat token is read; a poisoned one is dropped and forgotten", () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    session.setItem("onelink.seat.r", "Abc_def-0123456789abcdefABCDEF01");
    expect(readStored("session", "onelink.seat.r", isSeatToken)).toBe("Abc_def-0123456789abcdefABCDEF01");
    for (const poison of ["", "x".repeat(129), "a b", "<script>", '{"token":1}', "tok\u0000en"]) {
      session.map.set("onelink.seat.r", poison);
      expect(readStored("session", "onelink.seat.r", isSeatToken)).toBeNull();
      expect(session.getItem("onelink.seat.r")).toBeNull();
    }
    expect(readStored("session", "missing", isSeatToken)).toBeNull();
    warn.mockRestore();
  });

  test("the relay servers a refresh prepares with: read back as kept, poison dropped, credentials about to expire not used", () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const later = Math.floor(Date.now() / 1000) + 3600;
    const turn = { urls: ["turn:t.example:3478"], username: `${later}:seat-1`, credential: "c" };
    saveReturnIce("r", { iceServers: [turn, { urls: "stun:s.example" }], group: false });
    expect(loadReturnIce("r")).toEqual({ iceServers: [turn, { urls: "stun:s.example" }], group: false });
    saveReturnIce("r", { iceServers: [{ ...turn, username: `${Math.floor(Date.now() / 1000) + 30}:seat-1` }], group: false });
    expect(loadReturnIce("r")).toBeNull(); // expiring within two minutes
    for (const poison of ["{", '{"iceServers":"turn:x","group":false}', '{"iceServers":[{"urls":42}],"group":false}', '{"iceServers":[]}', "null"]) {
      session.map.set("onelink.return.r", poison);
      expect(loadReturnIce("r")).toBeNull();
      expect(session.getItem("onelink.return.r")).toBeNull();
    }
    saveReturnIce("r", { iceServers: [], group: true });
    saveReturnIce("r", null);
    expect(loadReturnIce("r")).toBeNull();
    warn.mockRestore();
  });

  test("a storage that refuses writes or has none never throws", () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    session.full = true;
    expect(writeStored("session", "k", "v")).toBe(false);
    session.full = false;
    expect(writeStored("session", "k", "v")).toBe(true);
    expect(readStored("local", "k", () => true)).toBeNull(); // no localStorage here
    warn.mockRestore();
  });
});
