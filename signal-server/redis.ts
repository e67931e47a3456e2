/**
 * Many nodes, one set of rooms: the room store and the bus over Redis (REDIS_URL). Only loaded
 * when REDIS_URL is set; a single node never touches this file.
 *
 * In Redis:
 * - `ol:r:<room>`: a hash per room, seat id -> its holder, `<node>#<conn>`, or `~` while the seat is
 *   held for a rejoin (its holder went away).
 * - `ol:k:<room>`: a hash per room, seat id -> its card for the pre-join screen (sealed, base64): a
 *   card goes with its seat (every script that frees a seat drops it) and expires with the room;
 *   the member's node keeps the card too and writes it back with the seat after a Redis restart.
 * - `ol:a:<room>:<seat>`: the grace period of a seat held for a rejoin, as a key that expires
 *   (SET PX): once it is gone, the seat is free.
 * - `ol:n:<node>`: a node's heartbeat (SET PX, refreshed every second): a seat whose holder's node
 *   has no heartbeat is treated as away (its node died) by the next join into that room, whose
 *   node then tells the room and frees it after the grace period, as a sweep does.
 * - `ol:ns`: the set of nodes that registered; a node whose heartbeat is gone is swept by one live
 *   node (`ol:sw:<node>`, SET NX, says which): its members' seats are held for a rejoin, the rooms
 *   told they are away, and freed after the grace period, with no join into the room needed.
 * - `ol:c:<node>`: the pub/sub channel of a node: frames for members whose sockets are there, as
 *   bytes (heard on a connection of its own, redis-channel.ts).
 * - `ol:i`: the channel every node listens on for routes gone stale (a member moved node).
 * - `ol:g`: the channel every node listens on for changes of group rooms (sfu/group.ts GroupEvent).
 * - `ol:p:<room>`: the Janus server a group room is placed on; `ol:sp` and `ol:sr`: hashes of
 *   publishers and of rooms per Janus server (the load placements are chosen by).
 *
 * Every operation is one Lua script (one round trip, atomic): the capacity check in `join` cannot
 * be raced. The first frame for a member whose socket is on another node is routed by a script that
 * reads the member's holder and publishes the frame to its node's channel, in the same round trip,
 * and answers the node: the sender's node keeps that route, and later frames go straight to the
 * node, gathered per node and per socket read into one PUBLISH. A route may go stale (the
 * member left, or moved to another node): the node that gets a frame for a member not on it routes
 * it again by the script, tells the nodes to drop that route, and tells the sender's node when no
 * such member is left (unknown-peer). A frame thus never reaches a member of another room, nor a
 * seat that is not the addressee's.
 */
import { RedisClient } from "bun";
import { createHash, randomBytes } from "node:crypto";
import type { Bus } from "./bus.ts";
import { RedisChannel } from "./redis-channel.ts";
import { RedisPipe } from "./redis-pipe.ts";
import { command } from "./redis-resp.ts";
import type { GroupEvent } from "./sfu/group-events.ts";
import type { Placement } from "./sfu/placement.ts";
import type { Matches, Presence } from "./presence.ts";
import { OCCUPANCY_CARDS_MAX } from "../protocol/messages.ts";
import { newToken, seatIdOf, type Counts, type JoinResult, type Occupants, type RoomStore } from "./store.ts";

const ROOM = "ol:r:";
const AWAY = "ol:a:";
const CARDS = "ol:k:";
const NODE = "ol:n:";
const CHANNEL = "ol:c:";
/** Routes gone stale: `<room>\n<seat>`, heard by every node. */
const INVALIDATE = "ol:i";
/** Changes of group rooms: `<node>\n<json GroupEvent>`, heard by every node. */
const GROUPS = "ol:g";
const PLACED = "ol:p:";
const SFU_PUBLISHERS = "ol:sp";
const SFU_ROOMS = "ol:sr";
/** At most this many routes are kept (then all are dropped and learnt again). */
const MAX_ROUTES = 200_000;
/** A node's heartbeat lives this long; it is refreshed every HEARTBEAT_MS. */
const NODE_TTL_MS = 5000;
const HEARTBEAT_MS = 1000;
const NODES = "ol:ns";
const SWEEPING = "ol:sw:";
/** Every this many heartbeats, a node looks for dead nodes to sweep. */
const SWEEP_EVERY = 3;

/** The node part of a holder `<node>#<conn>`. */
const LUA_NODE_OF = `local function nodeOf(h) return string.match(h, '^(.-)#') end`;

/** Members of a room hash holding their seats, but `self`. */
const LUA_OTHERS = `local function others(room, self)
  local all = redis.call('HGETALL', room)
  local ids = {}
  for i = 1, #all, 2 do if all[i] ~= self and all[i + 1] ~= '~' then ids[#ids + 1] = all[i] end end
  return ids
end`;

/**
 * KEYS[1] room hash, KEYS[2] its cards. ARGV: claimed seat id ('' for a new one), new seat id, holder, capacity, away
 * key prefix for this room, node key prefix, grace ms. Returns {0 (full) or 1, replaced holder or
 * '', {peers}, resumed 0/1, {each peer's node}, {seats held now}, {seats freed now}}: the seats of a
 * dead node this join found before any sweep, now held for a rejoin (or freed, without grace), and
 * those whose grace had run out, freed here (their rooms are told, as by a sweep or an expiry).
 */
const JOIN = `${LUA_NODE_OF}
local room = KEYS[1]
local claim, newId, holder, cap = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local away, nodes, grace = ARGV[5], ARGV[6], tonumber(ARGV[7])
local all = redis.call('HGETALL', room)
local peers, at, count, found, replaced, held, gone = {}, {}, 0, false, '', {}, {}
for i = 1, #all, 2 do
  local id, h = all[i], all[i + 1]
  if id == claim and claim ~= '' then
    found = true
    if h ~= '~' then replaced = h end
  elseif h == '~' then
    if redis.call('EXISTS', away .. id) == 0 then
      redis.call('HDEL', room, id); redis.call('HDEL', KEYS[2], id)
      gone[#gone + 1] = id
    else count = count + 1 end
  else
    local node = nodeOf(h)
    if node and redis.call('EXISTS', nodes .. node) == 0 then
      -- Its node died with the socket: held for a rejoin from now on.
      redis.call('HSET', room, id, '~')
      if grace > 0 then
        redis.call('SET', away .. id, '1', 'PX', grace)
        held[#held + 1] = id
      else
        redis.call('HDEL', room, id); redis.call('HDEL', KEYS[2], id); count = count - 1
        gone[#gone + 1] = id
      end
    else
      peers[#peers + 1] = id
      at[#at + 1] = node or ''
    end
    count = count + 1
  end
end
if found then
  redis.call('HSET', room, claim, holder)
  redis.call('DEL', away .. claim)
  redis.call('PERSIST', room)
  redis.call('PERSIST', KEYS[2])
  return {1, replaced, peers, 1, at, held, gone}
end
if count >= cap then return {0, '', peers, 0, at, held, gone} end
redis.call('HSET', room, newId, holder)
redis.call('PERSIST', room)
redis.call('PERSIST', KEYS[2])
return {1, '', peers, 0, at, held, gone}`;

/**
 * KEYS[1] room hash, KEYS[2] its cards. ARGV: away key prefix for this room, most cards. Returns
 * {how many seats count against the capacity, as JOIN counts them (a seat held for a rejoin while
 * its grace lasts), {the cards of those seats}}, writing nothing.
 */
const PEEK = `local all = redis.call('HGETALL', KEYS[1])
local count, cards, most = 0, {}, tonumber(ARGV[2])
for i = 1, #all, 2 do
  if all[i + 1] ~= '~' or redis.call('EXISTS', ARGV[1] .. all[i]) == 1 then
    count = count + 1
    if #cards < most then
      local card = redis.call('HGET', KEYS[2], all[i])
      if card then cards[#cards + 1] = card end
    end
  end
end
return {count, cards}`;

/** KEYS[1] room hash. ARGV: away key prefix for this room. Returns the seats PEEK counts (held, or within their grace). */
const SEATS = `local all = redis.call('HGETALL', KEYS[1])
local ids = {}
for i = 1, #all, 2 do
  if all[i + 1] ~= '~' or redis.call('EXISTS', ARGV[1] .. all[i]) == 1 then ids[#ids + 1] = all[i] end
end
return ids`;

/**
 * KEYS[1] room hash, KEYS[2] its cards. ARGV: seat, card ('' takes it down). The card lives as long
 * as the room hash does. Returns 0 when there is no such seat, else 1.
 */
const CARD = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > 0 then redis.call('PEXPIRE', KEYS[2], left) else redis.call('PERSIST', KEYS[2]) end
return 1`;

/** KEYS[1] room hash, KEYS[2] the seat's away key, KEYS[3] the room's cards. ARGV: seat. Returns the members to tell. */
const LEAVE = `${LUA_OTHERS}
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return {} end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[1])
return others(KEYS[1], ARGV[1])`;

/**
 * KEYS[1] room hash, KEYS[2] the seat's away key, KEYS[3] the room's cards. ARGV: seat, holder, grace ms, room expiry ms.
 * Returns false (the seat was taken by another holder), {0, others} (held for a rejoin) or
 * {1, others} (no grace: freed now).
 */
const DISCONNECT = `${LUA_OTHERS}
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return false end
local grace = tonumber(ARGV[3])
if grace <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  return {1, others(KEYS[1], ARGV[1])}
end
redis.call('HSET', KEYS[1], ARGV[1], '~')
redis.call('SET', KEYS[2], '1', 'PX', grace)
local ids = others(KEYS[1], ARGV[1])
-- Nobody holds a seat here: the room itself goes some time after the last grace period.
if #ids == 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[4]))
end
return {0, ids}`;

/**
 * KEYS[1] room hash, KEYS[2] the seat's away key, KEYS[3] the room's cards. ARGV: seat. Returns false (taken back, or gone),
 * {0, ms left} (not expired yet) or {1, others} (freed now).
 */
const EXPIRE = `${LUA_OTHERS}
if redis.call('HGET', KEYS[1], ARGV[1]) ~= '~' then return false end
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return {0, left} end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return {1, others(KEYS[1], ARGV[1])}`;

/**
 * KEYS[1] room hash. ARGV: seat, channel prefix, message, node to skip ('' for none). Returns '' (no
 * such member), '=' (its holder is on the node to skip: nothing published) or the node it was
 * published to (a live node took it) / '!' + node (nobody listens on that node's channel).
 */
const ROUTE = `${LUA_NODE_OF}
local h = redis.call('HGET', KEYS[1], ARGV[1])
if not h or h == '~' then return '' end
local node = nodeOf(h)
if not node then return '' end
if node == ARGV[4] then return '=' end
if redis.call('PUBLISH', ARGV[2] .. node, ARGV[3]) > 0 then return node end
return '!' .. node`;

/**
 * KEYS[1] room hash, KEYS[2] away key, KEYS[3] the room's cards. ARGV: seat, holder, its card ('' for
 * none: left as Redis has it). A live node's member, written back after Redis lost it, with its card.
 */
const REGISTER = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[2])
redis.call('PERSIST', KEYS[1])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('PERSIST', KEYS[3])
end
return 1`;

/**
 * KEYS[1] the room's placement, KEYS[2] publishers per server, KEYS[3] rooms per server. ARGV: the
 * server to avoid ('' for none), then the servers up. Returns the room's server: its record when
 * that one is up and not avoided, else the least loaded (publishers, then rooms), recorded.
 */
const PLACE = `local at = redis.call('GET', KEYS[1])
local avoid = ARGV[1]
if at and at ~= avoid then
  for i = 2, #ARGV do if ARGV[i] == at then return at end end
end
if at then redis.call('HINCRBY', KEYS[3], at, -1) end
local best, bp, br = nil, 0, 0
for i = 2, #ARGV do
  local u = ARGV[i]
  if u ~= avoid then
    local p = math.max(0, tonumber(redis.call('HGET', KEYS[2], u) or '0'))
    local r = math.max(0, tonumber(redis.call('HGET', KEYS[3], u) or '0'))
    if not best or p < bp or (p == bp and r < br) then best, bp, br = u, p, r end
  end
end
if not best then best = ARGV[2] end
redis.call('SET', KEYS[1], best)
redis.call('HINCRBY', KEYS[3], best, 1)
return best`;

/** KEYS[1] the room's placement, KEYS[2] rooms per server. The room leaves its server. */
const FORGET = `local at = redis.call('GET', KEYS[1])
if not at then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HINCRBY', KEYS[2], at, -1)
return 1`;

/**
 * KEYS[1] room hash. ARGV: sender, addressee ('' for every other member), channel prefix, source
 * node, frame (bytes), room, the frame's length in bytes. Publishes the frame to the node of each member it is for, one batch
 * per node. Returns 0 when the named addressee is no member of the room, else 1.
 */
const FANOUT = `${LUA_NODE_OF}
local from, to, prefix, source, body, room, length = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local batches = {}
local function add(id, h)
  local node = nodeOf(h)
  if not node then return end
  local rec = room .. '\\n' .. id .. '\\n\\n' .. length .. '\\n' .. body
  batches[node] = (batches[node] or ('b' .. source .. '\\n')) .. rec
end
if to ~= '' then
  local h = redis.call('HGET', KEYS[1], to)
  if not h then return 0 end
  if h ~= '~' then add(to, h) end
else
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    if all[i] ~= from and all[i + 1] ~= '~' then add(all[i], all[i + 1]) end
  end
end
for node, batch in pairs(batches) do redis.call('PUBLISH', prefix .. node, batch) end
return 1`;

/**
 * KEYS[1] room hash, KEYS[2] its cards. ARGV: a dead node's holder prefix (`<node>#`), this room's away key prefix,
 * grace ms. Its members' seats are held for a rejoin (or freed, without grace). Returns {seats,
 * others (members holding their seats)}.
 */
const SWEEP = `local prefix, away, grace = ARGV[1], ARGV[2], tonumber(ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
local swept, others = {}, {}
for i = 1, #all, 2 do
  local id, h = all[i], all[i + 1]
  if string.sub(h, 1, #prefix) == prefix then
    swept[#swept + 1] = id
    if grace > 0 then
      redis.call('HSET', KEYS[1], id, '~')
      redis.call('SET', away .. id, '1', 'PX', grace)
    else
      redis.call('HDEL', KEYS[1], id)
      redis.call('HDEL', KEYS[2], id)
    end
  elseif h ~= '~' then
    others[#others + 1] = id
  end
end
return {swept, others}`;

const LF = 10;
const utf8 = new TextDecoder();
/** How many decimal digits `n` (a length) takes. */
const digits = (n: number) => (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : String(n).length);

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

interface Script {
  text: string;
  sha: string;
}
const script = (text: string): Script => ({ text, sha: sha1(text) });
const SCRIPTS = {
  join: script(JOIN),
  peek: script(PEEK),
  seats: script(SEATS),
  card: script(CARD),
  leave: script(LEAVE),
  disconnect: script(DISCONNECT),
  expire: script(EXPIRE),
  route: script(ROUTE),
  register: script(REGISTER),
  place: script(PLACE),
  forget: script(FORGET),
  fanout: script(FANOUT),
  sweep: script(SWEEP),
};

export interface ClusterOptions {
  url: string;
  /** This node's id (default: random); unique among the nodes sharing the Redis. */
  nodeId?: string;
  capacity: number;
  graceMs: number;
  onExpire: (room: string, seatId: string, others: string[]) => void;
  /**
   * A frame for member `seat` of `room`, whose socket should be on this node: true when it was
   * written to that socket. With `final`, Redis says the member is here (its join is being
   * answered): keep the frame for it. The frame may be a view of the bytes read from Redis: it
   * must be written out by `onRead` (or copied, to keep it longer).
   */
  onDeliver: (room: string, seat: string, frame: Uint8Array, final: boolean) => boolean;
  /** A read from this node's channel is handled: write out what it delivered. */
  onRead?: () => void;
  /** A signal from member `from` of `room` (on this node) found no such addressee on its node. */
  onUnknown: (room: string, from: string) => void;
  /** The seat `seat` of `room` was taken from `holder` (on this node) by a newer connection. */
  onKick: (room: string, seat: string, holder: string) => void;
  /** Every member with a socket here, to write back after Redis lost them. */
  members: () => Iterable<ClusterMember>;
  /** This node's numbers for /healthz. */
  counts: () => Counts;
  /** Seat `seat` of `room` is held for a rejoin: its node died (this node swept it). */
  onAway?: (room: string, seat: string, others: string[]) => void;
  /** A change of a group room from another node, as heard (checked by its listener). */
  onGroup?: (event: unknown) => void;
  log?: (line: string) => void;
}

/** A member with a socket on this node: its seat, held by `holder` (`<node>#<conn>`), and the card it shows (null: none). */
export interface ClusterMember {
  room: string;
  seat: string;
  holder: string;
  card: Uint8Array | null;
}

/** The connections to Redis, the node's heartbeat and channel, and the scripts. */
export class Cluster {
  readonly nodeId: string;
  private cmd: RedisClient;
  private sub: RedisClient;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private up = true;
  private stopped = false;
  private connectedOnce = { cmd: false, sub: false };
  /** Store operations not settled yet: a drain waits for them. */
  private inflight = new Set<Promise<unknown>>();
  private log: (line: string) => void;
  /** `<room>\n<seat>` -> the node holding that member's socket, learnt from the route script. */
  private routes = new Map<string, string>();
  /**
   * Frames for each node, sent as one PUBLISH once the socket read they came from is handled (the
   * server calls `flush`), or at the end of this event-loop turn at the latest.
   */
  private outbox = new Map<string, Outgoing[]>();
  private flushing: ReturnType<typeof setImmediate> | null = null;
  /** This node's channel, heard as bytes (Bun's client would hand them over as text). */
  private own: RedisChannel;
  /** Batches for other nodes (and group messages, which keep their place after them), published as bytes. */
  private pipe: RedisPipe;
  /** The start of this node's batches: `b<node>\n` (its senders are here) and `c<node>\n`. */
  private batchHead: [Buffer, Buffer];
  /** Where a flush's PUBLISH commands are written before the socket takes them (see flush). */
  private scratch = Buffer.allocUnsafe(64 * 1024);
  /** `*3 $7 PUBLISH $n <channel>` per node, the start of a PUBLISH to it. */
  private publishHeads = new Map<string, Buffer>();
  /** Routes being learnt: the frames sent meanwhile wait for the answer, in order, then go as one batch. */
  private learning = new Map<string, { records: Outgoing[]; waiters: ((ok: boolean) => void)[] }>();
  private beats = 0;
  /** Scripts sent by their text on this connection (see run). */
  private loaded = new Set<string>();
  private sweeping = false;
  private rooms: RedisStore | null = null;

  constructor(private opts: ClusterOptions) {
    this.nodeId = opts.nodeId || randomBytes(6).toString("base64url");
    if (this.nodeId.includes("#")) throw new Error(`NODE_ID must not contain "#", got "${this.nodeId}"`);
    this.log = opts.log ?? ((line) => console.warn(line));
    const clientOptions = { maxRetries: 1_000_000, connectionTimeout: 5000 };
    // Written as each command is sent, not at the end of the event-loop turn (auto-pipelining):
    // a batch published once its socket read is handled leaves then, not after the turn's other
    // reads (up to about a thousand sockets' in a burst). Commands are still pipelined.
    this.cmd = new RedisClient(opts.url, { ...clientOptions, enableAutoPipelining: false });
    this.sub = new RedisClient(opts.url, clientOptions);
    this.own = new RedisChannel({
      url: opts.url,
      channel: CHANNEL + this.nodeId,
      onMessage: this.onMessage,
      onRead: opts.onRead,
    });
    this.pipe = new RedisPipe(opts.url);
    this.batchHead = [Buffer.from(`b${this.nodeId}\n`), Buffer.from(`c${this.nodeId}\n`)];
  }

  get channel() {
    return CHANNEL + this.nodeId;
  }

  /** Connects, subscribes to this node's channel, and starts the heartbeat. */
  async start() {
    this.cmd.onconnect = () => {
      if (!this.connectedOnce.cmd) return void (this.connectedOnce.cmd = true);
      // Redis may have lost everything (a restart): routes are learnt again.
      this.routes.clear();
      this.loaded.clear();
      void this.reregister();
    };
    this.sub.onconnect = () => {
      if (!this.connectedOnce.sub) return void (this.connectedOnce.sub = true);
      void this.resubscribe();
    };
    await this.cmd.connect();
    await this.sub.connect();
    this.connectedOnce = { cmd: true, sub: true };
    await this.beat();
    await this.cmd.send("SADD", [NODES, this.nodeId]);
    await this.pipe.start();
    await this.own.start();
    await this.sub.subscribe(INVALIDATE, this.onInvalidate);
    await this.sub.subscribe(GROUPS, this.onGroups);
    this.heartbeat = setInterval(() => this.tick(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private onMessage = (bytes: Uint8Array) => {
    const kind = bytes[0];
    if (kind === 98 /* b */ || kind === 99 /* c */) return this.onBatch(bytes, kind === 98);
    // `k<room>\n<seat>\n<holder>` or `u<room>\n<from>`.
    const message = utf8.decode(bytes);
    const a = message.indexOf("\n");
    if (a < 0) return;
    const room = message.slice(1, a);
    if (kind === 117 /* u */) return this.opts.onUnknown(room, message.slice(a + 1));
    const b = message.indexOf("\n", a + 1);
    if (b < 0) return;
    if (kind === 107 /* k */) this.opts.onKick(room, message.slice(a + 1, b), message.slice(b + 1));
  };

  /**
   * `b<source node>\n` then records `<room>\n<to>\n<from>\n<length>\n<frame>` (length in bytes), or
   * `+<length>\n<frame>` for one more frame the way of the record before it (a sender's burst, read
   * once: its strings made and its route learnt once). A member who sent a frame from there is
   * there: the way back is known without the route script (`from` `@<seat>`: a notice about that
   * member, sent from its node). `c`: the same, sent on by a node the frames reached by a stale
   * route, so its senders are not there. The frames are views of the bytes read from Redis, written
   * to their sockets before the read is over.
   */
  private onBatch(b: Uint8Array, learn: boolean) {
    let i = b.indexOf(LF);
    if (i < 0) return;
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const source = buf.toString("utf8", 1, i);
    i++;
    // A sender's frames come one after another: its route is learnt once for them.
    let lastRoom = "";
    let lastFrom = "";
    let room = "";
    let to = "";
    let from = "";
    while (i < b.length) {
      if (b[i] === 43 /* + */ && room) {
        // The next frame of the same sender to the same member: only its length.
        const d = b.indexOf(LF, i);
        const length = d < 0 || d - i > 11 ? -1 : decimal(b, i + 1, d);
        if (length < 0 || d + 1 + length > b.length) return;
        const frame = b.subarray(d + 1, d + 1 + length);
        if (!this.opts.onDeliver(room, to, frame, false)) this.stale(source, { room, to, from, frame: frame.slice() });
        i = d + 1 + length;
        continue;
      }
      const a = b.indexOf(LF, i);
      const c1 = a < 0 ? -1 : b.indexOf(LF, a + 1);
      const c2 = c1 < 0 ? -1 : b.indexOf(LF, c1 + 1);
      const d = c2 < 0 ? -1 : b.indexOf(LF, c2 + 1);
      if (d < 0 || d - c2 > 11) return;
      const length = decimal(b, c2 + 1, d);
      const end = d + 1 + length;
      if (length < 0 || end > b.length) return;
      room = buf.toString("latin1", i, a);
      to = buf.toString("latin1", a + 1, c1);
      from = c2 > c1 + 1 ? buf.toString("latin1", c1 + 1, c2) : "";
      if (learn && from && (from !== lastFrom || room !== lastRoom)) {
        this.learnRoute(room, from.charCodeAt(0) === 64 /* @ */ ? from.slice(1) : from, source);
        lastRoom = room;
        lastFrom = from;
      }
      const frame = b.subarray(d + 1, end);
      if (!this.opts.onDeliver(room, to, frame, false)) this.stale(source, { room, to, from, frame: frame.slice() });
      i = end;
    }
  }

  /** A frame came here for a member not here: routed again by Redis, and the route dropped everywhere. */
  private stale(source: string, r: Outgoing) {
    this.routeOne(r, this.nodeId).then(
      (ok) => {
        // Redis says the member is here after all (its join is being answered): the route was right.
        if (ok === "here") return;
        this.cmd.publish(INVALIDATE, `${r.room}\n${r.to}`).catch(() => {});
        if (!ok && r.from && r.from.charCodeAt(0) !== 64 /* a notice: nobody to answer */) this.unknown(source, r.room, r.from);
      },
      () => {},
    );
  }

  private unknown(node: string, room: string, from: string) {
    if (node === this.nodeId) this.opts.onUnknown(room, from);
    else this.cmd.publish(CHANNEL + node, `u${room}\n${from}`).catch(() => {});
  }

  private onInvalidate = (message: string) => {
    // Frames already gathered for the old route go first, in order, to be routed again there.
    this.flush();
    this.routes.delete(message);
  };

  private onGroups = (message: string) => {
    const at = message.indexOf("\n");
    if (at < 0 || message.slice(0, at) === this.nodeId) return;
    let event: unknown;
    try {
      event = JSON.parse(message.slice(at + 1));
    } catch {
      return this.log("signal: a group event that is not JSON is ignored");
    }
    try {
      this.opts.onGroup?.(event);
    } catch (err) {
      this.log(`signal: a group event failed: ${err instanceof Error ? err.message : err}`);
    }
  };

  /** Tells the other nodes of a change of a group room. */
  shareGroup(event: GroupEvent) {
    this.track(this.cmd.publish(GROUPS, `${this.nodeId}\n${JSON.stringify(event)}`).catch(() => {}));
  }

  /**
   * A group message (latin1 frame) from member `from` of `room` to member `to` ('' for every other
   * member), published by Redis to the nodes of those it is for. False: `to` is no member.
   */
  fanout(room: string, from: string, to: string, frame: Uint8Array): Promise<boolean> {
    // Frames gathered for this turn go first, on the same connection: the group message keeps its place after them.
    this.flush();
    const p = new Promise<boolean>((resolve, reject) => {
      this.pipe.expect((r) => (typeof r === "number" ? resolve(r === 1) : reject(r)));
      // By its text every time (Redis keeps it compiled): a connection made again needs no loading.
      this.pipe.write(command(["EVAL", SCRIPTS.fanout.text, "1", ROOM + room, from, to, CHANNEL, this.nodeId, frame, room, String(frame.byteLength)]), 1);
    });
    this.track(p);
    return p;
  }

  /** Group rooms' servers, recorded in Redis for every node. */
  placement(): Placement {
    return {
      place: (room, up, avoid) => this.run(SCRIPTS.place, [PLACED + room, SFU_PUBLISHERS, SFU_ROOMS], [avoid ?? "", ...up]).then((url) => String(url)),
      count: (url, delta) => this.track(this.cmd.send("HINCRBY", [SFU_PUBLISHERS, url, String(delta)]).catch(() => {})),
      forget: (room) => this.track(this.run(SCRIPTS.forget, [PLACED + room, SFU_ROOMS], []).catch(() => {})),
      lost: (url) => this.track(this.cmd.send("HDEL", [SFU_PUBLISHERS, url]).catch(() => {})),
    };
  }

  private beat() {
    return this.cmd.send("SET", [NODE + this.nodeId, "1", "PX", String(NODE_TTL_MS)]);
  }

  private tick() {
    if (this.stopped) return;
    const connected = this.cmd.connected && this.sub.connected && this.own.connected && this.pipe.connected;
    if (!connected && this.up) {
      this.up = false;
      this.log(`signal: lost Redis at ${redact(this.opts.url)}; reconnecting (joins and signals across nodes wait until it is back)`);
    }
    if (!connected) return;
    this.beat().catch(() => {});
    if (++this.beats % SWEEP_EVERY === 0 && !this.sweeping) {
      this.sweeping = true;
      this.sweep()
        .catch((err) => this.log(`signal: sweeping dead nodes failed: ${(err as Error).message}`))
        .finally(() => {
          this.sweeping = false;
        });
    }
  }

  /** Nodes that registered and have no heartbeat any more: one live node frees their members' seats. */
  private async sweep() {
    const nodes = ((await this.cmd.send("SMEMBERS", [NODES])) as string[]) ?? [];
    for (const node of nodes) {
      if (node === this.nodeId || this.stopped) continue;
      if (Number(await this.cmd.send("EXISTS", [NODE + node])) !== 0) continue;
      // One sweeper per dead node; a sweeper that dies too leaves it to another after a while.
      if ((await this.cmd.send("SET", [SWEEPING + node, this.nodeId, "NX", "PX", "60000"])) === null) continue;
      let swept = 0;
      let cursor = "0";
      do {
        const [next, keys] = (await this.cmd.send("SCAN", [cursor, "MATCH", `${ROOM}*`, "COUNT", "1000"])) as [string, string[]];
        cursor = String(next);
        for (const key of keys) swept += await this.sweepRoom(key.slice(ROOM.length), node);
      } while (cursor !== "0" && !this.stopped);
      await this.cmd.send("SREM", [NODES, node]);
      if (swept) this.log(`signal: node ${node} is gone; ${swept} seat${swept === 1 ? "" : "s"} of its members held for their rejoin`);
    }
  }

  private async sweepRoom(room: string, node: string): Promise<number> {
    const grace = this.opts.graceMs;
    const r = await this.run(SCRIPTS.sweep, [ROOM + room, CARDS + room], [`${node}#`, `${AWAY}${room}:`, String(grace)]);
    const swept = (r?.[0] as string[]) ?? [];
    const others = (r?.[1] as string[]) ?? [];
    for (const seat of swept) {
      if (grace <= 0) {
        this.opts.onExpire(room, seat, others);
        continue;
      }
      this.opts.onAway?.(room, seat, others);
      this.rooms?.expireIn(room, seat, grace);
    }
    return swept.length;
  }

  private async resubscribe() {
    try {
      // The client forgets nothing of its listener: drop it, then subscribe afresh on the new connection.
      await this.sub.unsubscribe(INVALIDATE);
      await this.sub.subscribe(INVALIDATE, this.onInvalidate);
      await this.sub.unsubscribe(GROUPS);
      await this.sub.subscribe(GROUPS, this.onGroups);
    } catch (err) {
      this.log(`signal: could not subscribe to this node's channel again: ${(err as Error).message}`);
    }
  }

  /** Redis came back (maybe empty, after a restart): the heartbeat first, then every member here. */
  private async reregister() {
    try {
      await this.beat();
      await this.cmd.send("SADD", [NODES, this.nodeId]);
      let n = 0;
      const writes: Promise<unknown>[] = [];
      for (const { room, seat, holder, card } of this.opts.members()) {
        writes.push(this.run(SCRIPTS.register, [ROOM + room, awayKey(room, seat), CARDS + room], [seat, holder, base64Card(card)]));
        n++;
      }
      await Promise.all(writes);
      this.up = true;
      this.log(`signal: Redis is back; node ${this.nodeId} re-registered ${n} member${n === 1 ? "" : "s"}`);
    } catch (err) {
      this.log(`signal: re-registering with Redis failed: ${(err as Error).message}`);
    }
  }

  /**
   * Runs a script: by its text the first time on this connection (which loads it), by its hash
   * after that. Commands on one connection run in the order sent, so a script's later calls find
   * it loaded and keep their order; answering a missing script (NOSCRIPT) with its text instead
   * would let a later call that found it run first (a card taken down, then shown again). A call
   * that meets NOSCRIPT anyway (sent as Redis restarted) is sent again with the text.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each script answers its own shape; callers read it
  run(s: Script, keys: string[], args: string[]): Promise<any> {
    const argv = [String(keys.length), ...keys, ...args];
    let p: Promise<unknown>;
    if (!this.loaded.has(s.sha)) {
      this.loaded.add(s.sha);
      p = this.cmd.send("EVAL", [s.text, ...argv]);
    } else
      p = this.cmd.send("EVALSHA", [s.sha, ...argv]).catch((err: Error) => {
        if (!String(err?.message).includes("NOSCRIPT")) throw err;
        return this.cmd.send("EVAL", [s.text, ...argv]);
      });
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Sends `frame` from member `from` ('' for the server's own notices) to member `to`
   * of `room` on another node. True: on its way through a known route (a stale one is answered
   * later, by onUnknown); a promise: routed by Redis, whether a node took it.
   */
  send(room: string, to: string, from: string, frame: Uint8Array): true | Promise<boolean> {
    const r: Outgoing = { room, to, from, frame };
    const key = `${room}\n${to}`;
    const node = this.routes.get(key);
    if (node === undefined) return this.learn(key, r);
    this.enqueue(node, r);
    return true;
  }

  private enqueue(node: string, r: Outgoing) {
    let list = this.outbox.get(node);
    if (!list) this.outbox.set(node, (list = []));
    list.push(r);
    this.flushing ??= setImmediate(this.flush);
  }

  /** The first frame for an unknown route goes by the script; the frames behind it wait for its answer. */
  private learn(key: string, r: Outgoing): Promise<boolean> {
    const waiting = this.learning.get(key);
    if (waiting) {
      r.frame = r.frame.slice(); // kept past this read: a copy of its own
      waiting.records.push(r);
      return new Promise((resolve) => waiting.waiters.push(resolve));
    }
    const mine = { records: [] as Outgoing[], waiters: [] as ((ok: boolean) => void)[] };
    // Kept past this read: a copy of its own.
    r.frame = r.frame.slice();
    this.learning.set(key, mine);
    const release = () => {
      if (this.learning.get(key) === mine) this.learning.delete(key);
      const node = this.routes.get(key);
      mine.records.forEach((w, i) => {
        if (node !== undefined) {
          this.enqueue(node, w);
          mine.waiters[i]!(true);
        } else
          this.routeOne(w, "").then(
            (ok) => mine.waiters[i]!(Boolean(ok)),
            () => mine.waiters[i]!(false),
          );
      });
    };
    const p = this.routeOne(r, "").then(Boolean);
    p.then(release, release);
    return p;
  }

  /** Routes one frame by the script (and learns its route); `skip`: this node, when the frame came here stale. */
  private routeOne(r: Outgoing, skip: string): Promise<boolean | "here"> {
    return this.run(SCRIPTS.route, [ROOM + r.room], [r.to, CHANNEL, this.batchOf([r], skip === "") as unknown as string, skip]).then((answer: string) => {
      const node = String(answer ?? "");
      if (node === "=") return this.opts.onDeliver(r.room, r.to, r.frame, true) && "here";
      if (node === "" || node.startsWith("!")) return false;
      this.learnRoute(r.room, r.to, node);
      return true;
    });
  }

  /** Member `seat` of `room` has its socket on `node` (learnt from a join, a frame it sent, or the route script). */
  learnRoute(room: string, seat: string, node: string) {
    if (!node || node === this.nodeId) return;
    const key = `${room}\n${seat}`;
    if (this.routes.get(key) === node) return;
    if (this.routes.size >= MAX_ROUTES) this.routes.clear();
    this.routes.set(key, node);
  }

  /** A batch's length in bytes (see onBatch for its shape). */
  private batchLength(records: Outgoing[]): number {
    let size = this.batchHead[0].length;
    let last: Outgoing | null = null;
    for (const r of records) {
      size += (sameWay(last, r) ? 2 : r.room.length + r.to.length + r.from.length + 4) + digits(r.frame.byteLength) + r.frame.byteLength;
      last = r;
    }
    return size;
  }

  /**
   * Writes a batch into `m` at `at`; returns where it ends. `learn`: the senders are on this node
   * (false when frames that reached here stale are sent on).
   */
  private writeBatch(m: Buffer, at: number, records: Outgoing[], learn: boolean): number {
    const head = this.batchHead[learn ? 0 : 1];
    m.set(head, at);
    at += head.length;
    let last: Outgoing | null = null;
    for (const r of records) {
      at += m.write(sameWay(last, r) ? `+${r.frame.byteLength}\n` : `${r.room}\n${r.to}\n${r.from}\n${r.frame.byteLength}\n`, at, "latin1");
      m.set(r.frame, at);
      at += r.frame.byteLength;
      last = r;
    }
    return at;
  }

  /** A batch in a buffer of its own. */
  private batchOf(records: Outgoing[], learn = true): Buffer {
    const m = Buffer.allocUnsafe(this.batchLength(records));
    this.writeBatch(m, 0, records, learn);
    return m;
  }

  private publishHead(node: string): Buffer {
    let head = this.publishHeads.get(node);
    if (!head) {
      const channel = Buffer.from(CHANNEL + node);
      head = Buffer.from(`*3\r\n$7\r\nPUBLISH\r\n$${channel.length}\r\n${CHANNEL + node}\r\n`);
      if (this.publishHeads.size > 1000) this.publishHeads.clear();
      this.publishHeads.set(node, head);
    }
    return head;
  }

  /**
   * One PUBLISH per node for the frames gathered (the server calls this once a socket's read is
   * handled, and it runs at the end of the turn anyway), all in one write; a node nobody listens
   * for (it died) loses its routes.
   */
  flush = () => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    if (!this.outbox.size) return;
    const outbox = this.outbox;
    this.outbox = new Map();
    let size = 0;
    for (const [node, records] of outbox) {
      const length = this.batchLength(records);
      size += this.publishHead(node).length + digits(length) + 5 + length;
    }
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, 2 * this.scratch.length));
    const m = this.scratch;
    let at = 0;
    for (const [node, records] of outbox) {
      const head = this.publishHead(node);
      m.set(head, at);
      at += head.length;
      at += m.write(`$${this.batchLength(records)}\r\n`, at, "latin1");
      at = this.writeBatch(m, at, records, true);
      m[at++] = 13;
      m[at++] = 10;
      this.pipe.expect((n) => {
        if (typeof n !== "number" || n > 0) return;
        for (const [key, where] of this.routes) if (where === node) this.routes.delete(key);
        for (const r of records) this.stale(this.nodeId, r);
      });
    }
    this.pipe.write(m.subarray(0, at), outbox.size);
  };

  private track(p: Promise<unknown>) {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
  }

  /** How many routes this node keeps (tests). */
  get routeCount() {
    return this.routes.size;
  }

  /** A member whose seat may have moved here from another node: the others drop its route. */
  moved(room: string, seat: string) {
    this.cmd.publish(INVALIDATE, `${room}\n${seat}`).catch(() => {});
  }

  /** Publishes `message` to node `node`'s channel. */
  publish(node: string, message: string): Promise<number> {
    return this.cmd.publish(CHANNEL + node, message);
  }

  /** Waits for the store operations under way (a drain), at most `timeoutMs`. */
  async settle(timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while ((this.inflight.size || !this.pipe.settled) && Date.now() < end)
      await Promise.race([Promise.allSettled([...this.inflight, this.pipe.whenSettled()]), Bun.sleep(Math.max(1, end - Date.now()))]);
  }

  async stop() {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    // The work under way may gather frames (a member's "away" after its disconnect): sent too.
    const end = Date.now() + 5000;
    do {
      this.flush();
      await this.settle(Math.max(1, end - Date.now()));
    } while (this.outbox.size && Date.now() < end);
    try {
      // Bounded: with Redis away the command would wait in the offline queue, and the node never exit.
      await Promise.race([Promise.all([this.cmd.send("DEL", [NODE + this.nodeId]), this.cmd.send("SREM", [NODES, this.nodeId])]), Bun.sleep(1000)]);
    } catch {}
    this.cmd.onconnect = this.sub.onconnect = null;
    this.cmd.close();
    this.sub.close();
    this.own.stop();
    this.pipe.stop();
  }

  store() {
    this.rooms = new RedisStore(this, this.opts);
    return this.rooms;
  }
}

/** A frame for another node: from member `from` ('' for a notice of the server) to member `to`. */
interface Outgoing {
  room: string;
  to: string;
  from: string;
  /** The frame's bytes: a view of what was read until the batch leaves (see flush), else a copy. */
  frame: Uint8Array;
}

/** `r` goes the way `last` went (same room, addressee and sender): in a batch, only its length is written. */
const sameWay = (last: Outgoing | null, r: Outgoing) => last !== null && last.to === r.to && last.from === r.from && last.room === r.room;

/** The decimal digits in b[from, to), or -1 if there is anything else. */
function decimal(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const digit = b[k]! - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** A card as Redis keeps it (base64); "" for none. */
const base64Card = (card: Uint8Array | null) => (card?.byteLength ? Buffer.from(card.buffer, card.byteOffset, card.byteLength).toString("base64") : "");
const awayKey = (room: string, seat: string) => `${AWAY}${room}:${seat}`;
/** The URL without its password, for the log. */
const redact = (url: string) => url.replace(/\/\/([^@/]*)@/, "//***@");

/** Membership in Redis; holders are `<node>#<conn>` strings. */
export class RedisStore implements RoomStore<string> {
  private timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private cluster: Cluster,
    private opts: ClusterOptions,
  ) {}

  async join(room: string, holder: string, token?: string): Promise<JoinResult<string>> {
    const seatToken = token ?? newToken();
    const id = seatIdOf(seatToken);
    const r = await this.cluster.run(
      SCRIPTS.join,
      [ROOM + room, CARDS + room],
      [token ? id : "", id, holder, String(this.opts.capacity), `${AWAY}${room}:`, NODE, String(this.opts.graceMs)],
    );
    const peers = (r[2] as string[]) ?? [];
    this.foundDead(room, (r[5] as string[]) ?? [], (r[6] as string[]) ?? [], peers);
    if (Number(r[0]) !== 1) return { ok: false, code: "room-full" };
    const replaced = (r[1] as string) || null;
    // Where the others' sockets are: this node's first frames to them need no route script.
    const at = (r[4] as string[]) ?? [];
    peers.forEach((peer, i) => this.cluster.learnRoute(room, peer, at[i] ?? ""));
    // A seat taken back may have been on another node: the nodes drop the route they knew for it.
    if (Number(r[3]) === 1) this.cluster.moved(room, id);
    return { ok: true, room, seat: { id, holder, expiresAt: null }, token: seatToken, peers, replaced, resumed: Number(r[3]) === 1 };
  }

  /**
   * A join came before any sweep: the seats of a dead node it found are held for their rejoin now
   * (`held`), and freed when their grace runs out, by this node; those it freed (`gone`) are over.
   * Their rooms are told, as by the sweep, which will not see them any more.
   */
  private foundDead(room: string, held: string[], gone: string[], others: string[]) {
    for (const seat of gone) this.opts.onExpire(room, seat, others);
    for (const seat of held) {
      this.opts.onAway?.(room, seat, others);
      this.expireIn(room, seat, this.opts.graceMs);
    }
  }

  async leave(room: string, seatId: string): Promise<string[]> {
    return ((await this.cluster.run(SCRIPTS.leave, [ROOM + room, awayKey(room, seatId), CARDS + room], [seatId])) as string[]) ?? [];
  }

  async disconnect(room: string, seatId: string, holder: string): Promise<string[] | null> {
    const grace = this.opts.graceMs;
    const r = await this.cluster.run(
      SCRIPTS.disconnect,
      [ROOM + room, awayKey(room, seatId), CARDS + room],
      [seatId, holder, String(grace), String(grace + 60_000)],
    );
    if (!r) return null;
    if (Number(r[0]) === 1) {
      // No grace: the others are told "gone" now; a later "away" would contradict it.
      this.opts.onExpire(room, seatId, r[1] ?? []);
      return [];
    }
    this.expireIn(room, seatId, grace);
    return r[1] ?? [];
  }

  /** The node that saw the holder go tells the room when the seat's grace period is over. */
  expireIn(room: string, seatId: string, ms: number) {
    const t = setTimeout(async () => {
      this.timers.delete(t);
      try {
        const r = await this.cluster.run(SCRIPTS.expire, [ROOM + room, awayKey(room, seatId), CARDS + room], [seatId]);
        if (!r) return;
        if (Number(r[0]) === 0) return this.expireIn(room, seatId, Math.max(1, Number(r[1])));
        this.opts.onExpire(room, seatId, r[1] ?? []);
      } catch (err) {
        console.error("signal: expiring a seat in Redis failed", err);
      }
    }, ms);
    this.timers.add(t);
  }

  async holder(room: string, seatId: string): Promise<string | null> {
    const h = (await this.cluster.run(script(`return redis.call('HGET', KEYS[1], ARGV[1])`), [ROOM + room], [seatId])) as string | null;
    return h && h !== "~" ? h : null;
  }

  async peek(room: string): Promise<Occupants> {
    const r = await this.cluster.run(SCRIPTS.peek, [ROOM + room, CARDS + room], [`${AWAY}${room}:`, String(OCCUPANCY_CARDS_MAX)]);
    const cards = ((r?.[1] as string[]) ?? []).map((c) => new Uint8Array(Buffer.from(String(c), "base64")));
    return { people: Number(r?.[0] ?? 0), cards };
  }

  /** The seats `room` has (held, or away within their grace), for the nodes holding its group (sfu/group.ts). */
  async seats(room: string): Promise<string[]> {
    return ((await this.cluster.run(SCRIPTS.seats, [ROOM + room], [`${AWAY}${room}:`])) as string[]) ?? [];
  }

  async card(room: string, seatId: string, card: Uint8Array | null): Promise<boolean> {
    return Number(await this.cluster.run(SCRIPTS.card, [ROOM + room, CARDS + room], [seatId, base64Card(card)])) === 1;
  }

  counts(): Counts {
    return this.opts.counts();
  }

  clear() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Delivery across nodes: a member with a socket here is written to at once (the local path,
 * unchanged); any other member is reached through the route script and its node's channel.
 */
export class RedisBus<S> implements Bus {
  constructor(
    private cluster: Cluster,
    private presence: Presence<S>,
    private send: (socket: S, frame: Uint8Array) => void,
  ) {}

  deliver(room: string, to: string, frame: Uint8Array): boolean {
    const socket = this.presence.get(room, to);
    if (socket !== null) {
      this.send(socket, frame);
      return true;
    }
    this.remote(room, to, "", frame);
    return true;
  }

  deliverAll(room: string, to: readonly string[], frame: Uint8Array, about?: string): void {
    for (const id of to) {
      const socket = this.presence.get(room, id);
      if (socket !== null) this.send(socket, frame);
      else this.remote(room, id, about ? `@${about}` : "", frame);
    }
  }

  relay<A>(
    room: string,
    from: string,
    to: A,
    matches: Matches<A>,
    build: (to: A, from: string) => Uint8Array | null,
    idOf: (to: A) => string,
  ): boolean | null | Promise<boolean> {
    const socket = this.presence.find(room, matches, to);
    if (socket !== null) {
      const frame = build(to, from);
      if (frame === null) return null;
      this.send(socket, frame);
      return true;
    }
    const id = idOf(to); // before build, which may overwrite it
    const frame = build(to, from);
    if (frame === null) return null;
    return this.remote(room, id, from, frame);
  }

  /**
   * A group message from member `from`: to member `to`, or to every other member (undefined),
   * wherever their sockets are, as Redis lists the room. False: `to` is no member of the room.
   */
  toGroup(room: string, from: string, to: string | undefined, frame: Uint8Array): Promise<boolean> {
    return this.cluster.fanout(room, from, to ?? "", frame);
  }

  /** Tells the node of `holder` that its socket for `seat` was replaced. */
  kick(room: string, seat: string, holder: string) {
    const node = holder.slice(0, holder.indexOf("#"));
    if (node === this.cluster.nodeId) return;
    this.cluster.publish(node, `k${room}\n${seat}\n${holder}`).catch(() => {});
  }

  private remote(room: string, seat: string, from: string, frame: Uint8Array): true | Promise<boolean> {
    const p = this.cluster.send(room, seat, from, frame);
    if (p !== true) p.catch(() => {});
    return p;
  }
}
