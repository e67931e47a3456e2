/**
 * The WebSocket side of the signal server: upgrade, decode and validate each frame, enforce the
 * limits, close with the right codes, and dispatch to the handlers. Nothing a client sends can
 * throw out of here.
 */
import type { Server, ServerWebSocket } from "bun";
import {
  CloseCode,
  PROTOCOL_VERSION,
  decodeClient,
  encode,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
  type WithoutVersion,
} from "../protocol/index.ts";
import { LocalBus } from "./bus.ts";
import type { ServerConfig } from "./config.ts";
import { createHandlers, type Member } from "./handlers.ts";
import { type GroupDeps, Groups, type SfuTarget } from "./sfu/group.ts";
import { Presence } from "./presence.ts";
import { fullBucket, isFull, take, type Bucket } from "./rate.ts";
import { readJoin, readSignal } from "./relay-wire.ts";
import { Cluster, type ClusterMember, RedisBus } from "./redis.ts";
import { MemoryStore, type RoomStore } from "./store.ts";

export interface SocketData extends Member {
  /** The client's address (see clientAddress), for the per-address limits. */
  ip: string;
  tokens: number;
  refilledAt: number;
  badFrames: number;
  /** Frames waiting to be sent together (see `out`). */
  outbox: Uint8Array[] | null;
  /** Closes the socket if it is still not in a room (see joinTimeoutMs). */
  joinTimer: ReturnType<typeof setTimeout> | null;
  /**
   * Frames that arrived while the store was answering this socket's join (a store over the
   * network), handled in order once it has: a signal never overtakes its join.
   */
  held: (string | Uint8Array)[] | null;
}

export interface SignalingOptions {
  /** The rate limits' clock in ms (default: performance.now(), read every 50 ms); tests drive it. */
  now?: () => number;
  /** Janus servers for group calls (none: rooms hold two people, peer to peer). */
  sfu?: SfuTarget[];
  /** Tests: how group calls reach Janus (a fake), and how long dynacast waits before pausing a layer. */
  groups?: Pick<GroupDeps, "openJanus" | "layersDownAfterMs">;
}

type Ws = ServerWebSocket<SocketData>;

export function createSignaling(config: ServerConfig, options: SignalingOptions = {}) {
  /** Sockets not in a room (just opened, or left); those in rooms are in presence. */
  const lobby = new Set<Ws>();
  /** Each socket's id on this node, the holder of its seat in the store. */
  let lastConn = 0;
  /** Open sockets per client address: every socket, in a room or not, until its close. */
  const socketsByIp = new Map<string, number>();
  let openSockets = 0;
  /** Each address's join budget (token bucket); full buckets are forgotten. */
  const joinsByIp = new Map<string, Bucket>();

  /**
   * Every frame to a client goes out through its outbox, sent as one corked write per socket. A
   * burst of signals (an offer and its candidates arrive in one read) then costs one system call
   * per receiving socket instead of one per frame, and frames to a socket keep their order.
   *
   * Outboxes are flushed at the end of the event-loop turn, and also as soon as frames start
   * arriving from another socket: a read's frames have all been handled by then. One turn can
   * handle the reads of a thousand sockets, and waiting for its end would hold the first socket's
   * relays for all of them.
   */
  const pending: Ws[] = [];
  let flushScheduled = false;
  let lastSource: Ws | null = null;
  const out = (ws: Ws, bytes: Uint8Array) => {
    if (ws.data.outbox) {
      ws.data.outbox.push(bytes);
      return;
    }
    ws.data.outbox = [bytes];
    pending.push(ws);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  };
  const flushOne = (ws: Ws) => {
    const frames = ws.data.outbox;
    if (!frames) return;
    ws.data.outbox = null;
    if (frames.length === 1) ws.send(frames[0]!);
    else
      ws.cork(() => {
        for (const f of frames) ws.send(f);
      });
  };
  function flushPending() {
    for (const ws of pending) flushOne(ws);
    pending.length = 0;
  }
  function flushAll() {
    flushScheduled = false;
    lastSource = null;
    flushPending();
  }
  /** A socket's read is handled: its relays leave now, to sockets here and (one batch per node) to other nodes. */
  function readDone() {
    if (pending.length) flushPending();
    cluster?.flush();
  }
  /** Closes after sending what is queued for the socket (an error saying why, say). */
  const closeWith = (ws: Ws, code: number, reason: string) => {
    flushOne(ws);
    ws.close(code, reason);
  };

  const send = (ws: Ws, msg: WithoutVersion<ServerMessage>) => out(ws, encode(msg));

  function fail(ws: Ws, code: ErrorCode, text: string) {
    send(ws, { type: "error", code, text });
    if (code === "bad-frame" || code === "bad-version" || code === "bad-room") {
      ws.data.badFrames++;
      if (ws.data.badFrames >= config.maxBadFrames) closeWith(ws, CloseCode.BadFrames, "too many bad frames");
    }
  }

  const presence = new Presence<Ws>();
  const onExpire = (room: string, seatId: string, others: string[]) => handlers.expired(room, seatId, others);
  /** With REDIS_URL: this node is one of many sharing rooms through Redis (see redis.ts). */
  const cluster: Cluster | null = config.redisUrl
    ? new Cluster({
        url: config.redisUrl,
        nodeId: config.nodeId,
        capacity: config.roomCapacity,
        graceMs: config.graceMs,
        onExpire,
        onDeliver: (room, seat, frame, final) => {
          const ws = presence.get(room, seat);
          if (ws) out(ws, frame);
          else if (final) early(room, seat, frame.slice());
          return ws !== null || final;
        },
        // Frames from another node go out as soon as their read is handled: no later turn.
        onRead: () => flushPending(),
        onUnknown: (room, from) => {
          const ws = presence.get(room, from);
          if (ws) fail(ws, "unknown-peer", "No such member in this room.");
        },
        onKick: (room, seat, holder) => {
          const ws = presence.get(room, seat);
          if (ws && holderOf(ws) === holder) closeWith(ws, CloseCode.Replaced, "seat taken by a newer connection");
        },
        members: function* (): Generator<ClusterMember> {
          for (const ws of presence.sockets())
            if (ws.data.room && ws.data.seatId) yield { room: ws.data.room, seat: ws.data.seatId, holder: String(holderOf(ws)), card: ws.data.card };
        },
        counts: () => ({ rooms: presence.rooms, seats: presence.size, connected: presence.size }),
        onGroup: (event) => groups.heard(event),
        onAway: (room, seat, others) => handlers.away(room, seat, others),
      })
    : null;
  /**
   * Frames for a member whose join this node has not seen answered yet: Redis answers the join on
   * one connection and another node's "peer-joined" can arrive first on the other. Kept a moment
   * (bounded), sent right after the member's "joined".
   */
  const raced = new Map<string, Uint8Array[]>();
  function early(room: string, seat: string, frame: Uint8Array) {
    const key = `${room}\n${seat}`;
    let frames = raced.get(key);
    if (!frames) {
      raced.set(key, (frames = []));
      setTimeout(() => raced.delete(key), 2000).unref();
    }
    if (frames.length < 64 && raced.size < 10_000) frames.push(frame);
  }
  function seated(ws: Ws) {
    if (!raced.size) return;
    const key = `${ws.data.room}\n${ws.data.seatId}`;
    const frames = raced.get(key);
    if (!frames) return;
    raced.delete(key);
    for (const f of frames) out(ws, f);
  }
  const holderOf: (ws: Ws) => number | string = cluster
    ? (ws: Ws): number | string => `${cluster.nodeId}#${ws.data.conn}`
    : (ws: Ws): number | string => ws.data.conn;
  const sfu = options.sfu ?? [];
  /** Without a media server a room holds two people (peer to peer). */
  const capacity = sfu.length ? config.roomCapacity : Math.min(config.roomCapacity, 2);
  const shared = cluster?.store() ?? null;
  const store: RoomStore<number | string> = shared ?? new MemoryStore<number | string>({ capacity, graceMs: config.graceMs, onExpire });
  const groups = new Groups({
    targets: sfu,
    capacity: config.roomCapacity,
    tell: (room, member, msg) => bus.deliverAll(room, [member], encode(msg)),
    placement: cluster?.placement(),
    // Its media server was lost: the member rejoins (as after a restart) and publishes on the new one.
    reconnect: (room, member) => {
      const ws = presence.get(room, member);
      if (ws) closeWith(ws, CloseCode.Restart, "media server lost");
    },
    share: cluster ? (event) => cluster.shareGroup(event) : undefined,
    // A member whose node freed its seat and died before saying it left is let go all the same.
    seatsOf: shared ? (room) => shared.seats(room) : undefined,
    ...options.groups,
  });
  const bus = cluster ? new RedisBus(cluster, presence, out) : new LocalBus(presence, out);
  const handlers = createHandlers<Ws, number | string>({
    config,
    capacity,
    storeCapacity: cluster ? config.roomCapacity : capacity,
    groups,
    store,
    holderOf,
    seated: cluster ? seated : undefined,
    kick: cluster ? (room, seat, holder) => (bus as RedisBus<Ws>).kick(room, seat, String(holder)) : undefined,
    presence,
    bus,
    send,
    fail,
    closeWith,
    entered: (ws) => {
      lobby.delete(ws);
      joinedNow(ws);
    },
    left: (ws) => {
      lobby.add(ws);
      awaitJoin(ws);
    },
    replacedCode: CloseCode.Replaced,
    toGroup: cluster ? (room, from, to, frame) => (bus as RedisBus<Ws>).toGroup(room, from, to, frame) : undefined,
  });

  // The rate limits' clock, read every 50 ms instead of for every frame.
  let clock = performance.now();
  const ticker = setInterval(() => (clock = performance.now()), 50);
  ticker.unref();
  const now = options.now ?? (() => clock);

  /** Token bucket: `ratePerSecond` sustained, bursts of twice that (refilled in 50 ms steps). */
  const withinRate = (ws: Ws): boolean => take(ws.data, now(), config.ratePerSecond, config.ratePerSecond * 2);

  const joinsPerSecond = config.joinsPerMinutePerIp / 60;
  /** One join from this address, if its budget allows (joinsPerMinutePerIp, bursts of as many). */
  function joinAllowed(ip: string): boolean {
    if (!config.joinsPerMinutePerIp) return true;
    const t = now();
    let bucket = joinsByIp.get(ip);
    if (!bucket) joinsByIp.set(ip, (bucket = fullBucket(config.joinsPerMinutePerIp, t)));
    return take(bucket, t, joinsPerSecond, config.joinsPerMinutePerIp);
  }
  // Buckets that have refilled hold nothing worth keeping: the map stays as small as the abuse.
  const sweeper = setInterval(() => {
    const t = now();
    for (const [ip, bucket] of joinsByIp) if (isFull(bucket, t, joinsPerSecond, config.joinsPerMinutePerIp)) joinsByIp.delete(ip);
  }, 60_000);
  sweeper.unref();

  /** (Re)starts the countdown after which a socket that has not joined is closed. */
  function awaitJoin(ws: Ws) {
    if (!config.joinTimeoutMs) return;
    if (ws.data.joinTimer) clearTimeout(ws.data.joinTimer);
    ws.data.joinTimer = setTimeout(() => {
      ws.data.joinTimer = null;
      if (lobby.has(ws)) closeWith(ws, CloseCode.JoinTimeout, "no room joined in time");
    }, config.joinTimeoutMs);
  }
  function joinedNow(ws: Ws) {
    if (ws.data.joinTimer) clearTimeout(ws.data.joinTimer);
    ws.data.joinTimer = null;
  }

  /** Dispatches a decoded message; a join first spends from its address's join budget. */
  function dispatch(ws: Ws, msg: ClientMessage) {
    if (msg.type === "join" && ws.data.room === null && !joinAllowed(ws.data.ip)) {
      send(ws, { type: "error", code: "rate-limited", text: "Too many calls joined from your network; try again in a minute." });
      return closeWith(ws, CloseCode.RateLimited, "too many joins");
    }
    // A pre-join screen that keeps asking is in use: its socket stays open for the join.
    if (msg.type === "peek" && ws.data.room === null) awaitJoin(ws);
    const later = handlers.handle(ws, msg);
    if (later) {
      ws.data.held = [];
      later.then(() => release(ws));
    }
  }

  /** The store answered: the frames that waited for it, in order (until one waits again). */
  function release(ws: Ws) {
    const held = ws.data.held;
    ws.data.held = null;
    if (!held || ws.data.closed) return;
    for (let i = 0; i < held.length; i++) {
      try {
        handleFrame(ws, held[i]!);
      } catch (err) {
        console.error("signal: unexpected error handling a frame", err);
      }
      if (ws.data.held) {
        for (let j = i + 1; j < held.length; j++) (ws.data.held as (string | Uint8Array)[]).push(held[j]!);
        return;
      }
    }
  }

  function handleFrame(ws: Ws, data: string | Uint8Array) {
    if (typeof data !== "string" && ws.data.seatId !== null) {
      // The busiest frame by far, a signal in its plain shape, is checked and relayed without
      // decoding it; anything else (or anything odd) takes the general path below.
      const sig = readSignal(data);
      if (sig && handlers.relayRaw(ws, sig)) return;
    } else if (typeof data !== "string" && ws.data.room === null) {
      const join = readJoin(data);
      if (join) return dispatch(ws, { v: PROTOCOL_VERSION, type: "join", ...join });
    }
    const decoded = decodeClient(data);
    if (!decoded.ok) return fail(ws, decoded.code, decoded.text);
    dispatch(ws, decoded.msg);
  }

  const websocket = {
    maxPayloadLength: config.maxFrameBytes,
    idleTimeout: config.idleTimeoutS,
    // A client that stops reading cannot make the server hold its peers' frames without bound.
    backpressureLimit: config.maxBufferedBytes,
    closeOnBackpressureLimit: true,
    sendPings: true,
    open(ws: Ws) {
      lobby.add(ws);
      awaitJoin(ws);
    },
    message(ws: Ws, data: string | Buffer) {
      if (ws !== lastSource) {
        readDone();
        lastSource = ws;
      }
      try {
        if (!withinRate(ws)) {
          send(ws, { type: "error", code: "rate-limited", text: "Too many messages; slow down." });
          closeWith(ws, CloseCode.RateLimited, "rate limited");
          return;
        }
        if (ws.data.held) {
          // Its join is still with the store: this frame waits its turn (its own copy of the bytes).
          ws.data.held.push(typeof data === "string" ? data : Uint8Array.from(data));
          return;
        }
        handleFrame(ws, data);
      } catch (err) {
        // A bug of ours, never the client's fault: log it and keep serving.
        console.error("signal: unexpected error handling a frame", err);
      }
    },
    close(ws: Ws) {
      ws.data.closed = true;
      ws.data.held = null;
      lobby.delete(ws);
      joinedNow(ws);
      forget(ws.data.ip);
      ws.data.outbox = null; // nothing more can reach it
      handlers.disconnect(ws);
    },
  };

  const forget = (ip: string) => {
    openSockets--;
    const n = (socketsByIp.get(ip) ?? 1) - 1;
    if (n > 0) socketsByIp.set(ip, n);
    else socketsByIp.delete(ip);
  };

  /**
   * The client's address: the TCP peer, or with `trustProxy` proxies in front, the address the
   * outermost of them saw (counted from the right of X-Forwarded-For: the client can write the rest).
   */
  function clientAddress(req: Request, server: Server<SocketData>): string {
    if (config.trustProxy > 0) {
      const hops = (req.headers.get("x-forwarded-for") ?? "")
        .split(",")
        .map((h) => h.trim())
        .filter(Boolean);
      const hop = hops[hops.length - config.trustProxy];
      if (hop) return hop.slice(0, 64);
    }
    return server.requestIP(req)?.address ?? "unknown";
  }

  /**
   * A browser page may open /ws only from this server's own origin (its host is the one the request
   * was sent to) or one the operator listed. Without Origin the client is not a browser, and no page
   * can make a browser leave it out, so there is no visitor to protect: allowed.
   */
  function originAllowed(req: Request): boolean {
    const origin = req.headers.get("origin");
    if (origin === null) return true;
    if (config.allowedOrigins.includes(origin)) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, files) and anything else that is not an origin
    }
    const forwarded = config.trustProxy > 0 ? req.headers.get("x-forwarded-host")?.split(",").pop()?.trim() : undefined;
    const host = forwarded || req.headers.get("host");
    if (!host || (url.protocol !== "http:" && url.protocol !== "https:")) return false;
    try {
      // Through the origin's scheme, so that an explicit default port (host:443) compares equal.
      return new URL(`${url.protocol}//${host}`).host === url.host;
    } catch {
      return false;
    }
  }

  function upgrade(req: Request, server: Server<SocketData>): Response | undefined {
    if (!originAllowed(req)) return new Response("Origin not allowed", { status: 403 });
    const ip = clientAddress(req, server);
    if (config.maxSocketsPerIp && (socketsByIp.get(ip) ?? 0) >= config.maxSocketsPerIp) {
      return new Response("Too many connections from your address", { status: 429 });
    }
    const data: SocketData = {
      ip,
      conn: ++lastConn,
      room: null,
      seatId: null,
      tokens: config.ratePerSecond * 2,
      refilledAt: now(),
      badFrames: 0,
      outbox: null,
      joinTimer: null,
      held: null,
      closed: false,
      card: null,
    };
    if (!server.upgrade(req, { data })) return new Response("Expected a WebSocket upgrade", { status: 426 });
    socketsByIp.set(ip, (socketsByIp.get(ip) ?? 0) + 1);
    openSockets++;
    return undefined;
  }

  /**
   * Tells every client to reconnect (close code 1012), then drops all state. With many nodes the
   * seats stay in Redis, held for the rejoin the clients make through another node.
   */
  function shutdown() {
    clearInterval(ticker);
    clearInterval(sweeper);
    for (const ws of [...lobby, ...presence.sockets()]) closeWith(ws, CloseCode.Restart, "server restarting");
    lobby.clear();
    presence.clear();
    groups.stop();
    if (!cluster) store.clear();
  }

  /** With many nodes: finishes the store's work under way (the closed sockets' seats), then leaves Redis. */
  async function finish() {
    if (!cluster) return;
    await cluster.stop();
    store.clear();
  }

  return {
    websocket,
    upgrade,
    shutdown,
    finish,
    ready: cluster ? cluster.start() : Promise.resolve(),
    nodeId: cluster?.nodeId ?? null,
    stats: () => {
      const counts = store.counts();
      // Every open socket, also one replaced by a newer connection and not closed yet.
      return { ...counts, sockets: openSockets };
    },
  };
}
