/**
 * Web Storage, or null where there is none (tests, a worker) or the browser refuses it (storage
 * disabled, some private modes throw on access). Callers treat null as "nothing kept".
 *
 * Everything kept is checked again when read back (another tab, an extension or an older version
 * may have written it): `readStored` gives a value only when it passes its check, and forgets
 * one that does not, so a poisoned value is dropped rather than used.
 */
import { type IceServer, TOKEN_MAX } from "../protocol/messages.ts";
import { isIceServerList } from "../protocol/validate.ts";
import { cleanName } from "../protocol/peer-wire.ts";
import { LAST_ICE_KEY, RELAY_ONLY_KEY, seatKey, webStorage } from "./web-storage.ts";

export { webStorage };

/** The value kept under `key` if it passes `check`; otherwise null (and a bad value is removed). Never throws. */
export function readStored(kind: "session" | "local", key: string, check: (text: string) => boolean): string | null {
  const storage = webStorage(kind);
  try {
    const text = storage?.getItem(key) ?? null;
    if (text === null || check(text)) return text;
    console.warn(`storage: the value kept as ${key} is not valid and was dropped`);
    storage?.removeItem(key);
  } catch {
    // Storage refused: nothing kept.
  }
  return null;
}

/** Writes, or says nothing when storage refuses (full, disabled): the value then lasts for this page. */
export function writeStored(kind: "session" | "local", key: string, value: string | null): boolean {
  try {
    const storage = webStorage(kind);
    if (!storage) return false;
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
    return true;
  } catch (err) {
    console.warn(`storage: could not keep ${key}`, err);
    return false;
  }
}

/** For values the reader checks itself as it parses them (chat history, drawings, a flag). */
export const anyText = () => true;

/** A seat token as the server hands them out (base64url), no longer than the wire allows. */
export const isSeatToken = (text: string) => text.length > 0 && text.length <= TOKEN_MAX && /^[A-Za-z0-9_-]+$/.test(text);

// ---- what the call keeps ----

export { RELAY_ONLY_KEY };

/** The seat token of `room` (sessionStorage: a refresh of this tab gets the same seat back). */
export const loadSeat = (room: string) => readStored("session", seatKey(room), isSeatToken);
export const saveSeat = (room: string, token: string | null) => void writeStored("session", seatKey(room), token);

/**
 * What a refresh of this tab prepares its connection with while it takes its seat back: the relay
 * servers (with TURN credentials) `joined` gave the page before, kept with the seat, and whether
 * the call was a group then (nothing direct to prepare). Credentials about to expire are not used.
 */
export interface ReturnIce {
  iceServers: IceServer[];
  group: boolean;
}
const returnKey = (room: string) => `onelink.return.${room}`;
/** TURN REST usernames begin with their expiry (unix seconds): one expiring within this is no use. */
const EXPIRY_MARGIN_S = 120;
const fresh = (servers: IceServer[], nowMs = Date.now()) =>
  servers.every((s) => {
    const expiry = /^(\d{9,11}):/.exec(s.username ?? "")?.[1];
    return expiry === undefined || Number(expiry) > nowMs / 1000 + EXPIRY_MARGIN_S;
  });
const parseReturn = (text: string): ReturnIce | null => {
  try {
    const x = JSON.parse(text) as Partial<ReturnIce>;
    return isIceServerList(x.iceServers) && typeof x.group === "boolean" ? { iceServers: x.iceServers, group: x.group } : null;
  } catch {
    return null;
  }
};
export function loadReturnIce(room: string): ReturnIce | null {
  const r = parseReturn(readStored("session", returnKey(room), (t) => parseReturn(t) !== null) ?? "");
  return r && fresh(r.iceServers) ? r : null;
}
export const saveReturnIce = (room: string, r: ReturnIce | null) => void writeStored("session", returnKey(room), r && JSON.stringify(r));

/**
 * The relay servers the server gave this browser last (localStorage: they are the server's, not a
 * room's): what the pre-join screen makes its guessed connection with while its peek has not
 * answered (inputs.ts joinPlan). Credentials about to expire, or anything malformed, read as none.
 */
const parseServers = (text: string): IceServer[] | null => {
  try {
    const x = JSON.parse(text) as unknown;
    return isIceServerList(x) ? x : null;
  } catch {
    return null;
  }
};
export function loadLastIce(): IceServer[] | null {
  const servers = parseServers(readStored("local", LAST_ICE_KEY, (t) => parseServers(t) !== null) ?? "");
  return servers && fresh(servers) ? servers : null;
}
export const saveLastIce = (servers: IceServer[]) => void writeStored("local", LAST_ICE_KEY, JSON.stringify(servers));
/** The privacy setting "connect only through the relay" (localStorage: every call of this browser). */
export const loadRelayOnly = () => readStored("local", RELAY_ONLY_KEY, (v) => v === "true" || v === "false") === "true";
export const saveRelayOnly = (on: boolean) => void writeStored("local", RELAY_ONLY_KEY, String(on));

export const NAME_KEY = "onelink.name";
/** What this person calls themselves (localStorage: every call of this browser); "" when none, or what is kept is not a clean name. */
export const loadName = () => readStored("local", NAME_KEY, (v) => cleanName(v) === v) ?? "";
/** Keeps the name as others will see it (cleaned); an empty one is forgotten. */
export const saveName = (name: string) => void writeStored("local", NAME_KEY, cleanName(name));
