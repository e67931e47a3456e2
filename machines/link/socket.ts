/**
 * One WebSocket to the signal server as a callback actor: sends `join` when open, decodes every
 * frame, reports server messages and the close as events, and sends what its parent asks.
 * An app-level ping notices a dead network, which a browser's WebSocket may not for minutes.
 *
 * With the call's message key, group messages (`relay`) are sealed on their way out and opened on
 * their way in (protocol/e2ee.ts): the server relays what it cannot read. WebCrypto is async, so
 * frames then go out, and reports come in, through one promise chain each, in their order. Our
 * card (our name for the pre-join screen) is sealed on its way out too, with the link's own key;
 * with no key, or to a server that keeps no cards, it is not sent at all.
 */
import { fromCallback, type EventObject } from "xstate";
import { namesOnCards } from "../../protocol/cards.ts";
import { adoptSocket } from "../head-start.ts";
import { messageEpoch, openMessage, sealMessage } from "../../protocol/e2ee.ts";
import type { KeyRing } from "../../protocol/group-keys.ts";
import {
  CloseCode,
  decodeServer,
  encode,
  type ClientMessage,
  type IceServer,
  type JoinOffer,
  type OccupancyMessage,
  type ServerMessage,
  type WithoutVersion,
} from "../../protocol/index.ts";
import { mark } from "../timeline.ts";

export interface SocketInput {
  url: string;
  room: string;
  token?: string;
  /** The video layer our tiles will need at first, told with the join (protocol JoinMessage `layer`). */
  layer?: 0 | 1 | 2;
  pingEveryMs?: number;
  /** Where a socket opened ahead of time may be waiting for us. */
  warm?: WarmSockets;
  /** The call's keys by epoch (group messages are sealed with the current one's message key). */
  messageKeys?: KeyRing | null;
  /** Where the join finds a first offer to carry (the pre-join screen's prepared connection, machines/transport/prepared.ts). */
  offers?: JoinOffers;
}

/** A first offer for a join to carry, now, after a short wait for one being made, or none. */
export interface JoinOffers {
  forJoin(): JoinOffer | null | Promise<JoinOffer | null>;
}

export type SocketEvent = { type: "SOCKET.MESSAGE"; msg: ServerMessage } | { type: "SOCKET.CLOSED"; code: number; reason: string };

/** `base`: sealed with the link's own keys (epoch 0), as the key exchange is. */
export type SocketCommand = { type: "SOCKET.SEND"; msg: WithoutVersion<ClientMessage>; base?: boolean };

/** How full a room is, as the pre-join screen shows it: with the names on the cards that opened with the link's key. */
export type Occupancy = Pick<OccupancyMessage, "people" | "capacity" | "iceServers"> & { names: string[] };

/**
 * Sockets opened ahead of time (while the camera starts and the pre-join screen shows), so that
 * pressing Join does not wait for the connection and TLS handshakes. One per call actor (it owns
 * them); the next socket actor for the same URL adopts the warm one, and one nobody adopts is
 * closed shortly after its last holder lets go.
 *
 * The pre-join screen asks on it how full the room is (`watchRoom`): a `peek`, never a `join`, so
 * the room's members learn nothing until Join is pressed.
 */
export class WarmSockets {
  static readonly GRACE_MS = 2_000;
  /** How often the pre-join screen asks again (the server keeps a socket that asks open for its join). */
  static readonly PEEK_EVERY_MS = 3_000;
  private warm: {
    url: string;
    ws: WebSocket;
    holders: number;
    onOccupancy: ((room: string, o: OccupancyMessage) => void) | null;
    /** The last peek asked on this socket (or about to be, once it opens), and its answer once heard. */
    asked: { room: string; at: number; answer: OccupancyMessage | null } | null;
  } | null = null;

  /**
   * Holds a warm socket to `url` and asks on it how full `room` is, at once and every
   * PEEK_EVERY_MS, until the returned function is called; a socket that dropped is opened again.
   * A watch that takes over from another of the same room (the camera was starting, now the
   * pre-join screen shows) does not ask again at once: it hears the answer already given or awaited.
   */
  watchRoom(url: string, room: string, onAnswer: (o: OccupancyMessage) => void, everyMs = WarmSockets.PEEK_EVERY_MS): () => void {
    let release = this.hold(url);
    const listen = (room_: string, o: OccupancyMessage) => room_ === room && onAnswer(o);
    const ask = () => {
      if (!this.warm || this.warm.url !== url) {
        release();
        release = this.hold(url);
      }
      const entry = this.warm!;
      entry.onOccupancy = listen;
      entry.asked = { room, at: performance.now(), answer: null };
      const peek = () => {
        entry.ws.send(encode({ type: "peek", room }));
        mark("peeked");
      };
      if (entry.ws.readyState === WebSocket.OPEN) peek();
      else entry.ws.onopen = peek;
    };
    const recent = this.warm?.url === url && this.warm.asked?.room === room && performance.now() - this.warm.asked.at < everyMs ? this.warm.asked : null;
    if (recent && this.warm) {
      this.warm.onOccupancy = listen;
      const known = recent.answer;
      if (known) queueMicrotask(() => this.warm?.onOccupancy === listen && onAnswer(known));
    } else ask();
    const timer = setInterval(ask, everyMs);
    return () => {
      clearInterval(timer);
      if (this.warm?.onOccupancy === listen) this.warm.onOccupancy = null;
      release();
    };
  }

  /** Opens (or keeps) a warm socket to `url` while the returned release function is not called. */
  hold(url: string): () => void {
    if (this.warm && this.warm.url !== url) this.drop();
    if (!this.warm) {
      // The page's first script may have opened it already (head-start.ts), and asked on it how
      // full the room is: that peek counts as this socket's, and what it heard is read now, in order.
      const head = adoptSocket(url);
      const entry: NonNullable<WarmSockets["warm"]> = {
        url,
        ws: head?.ws ?? openSocket(url),
        holders: 0,
        onOccupancy: null,
        asked: head?.peeked ? { ...head.peeked, answer: null } : null,
      };
      // A warm socket that fails is simply forgotten: the socket actor opens its own.
      entry.ws.onclose = entry.ws.onerror = () => {
        if (this.warm === entry) this.warm = null;
      };
      const hear = (data: unknown) => {
        const decoded = decodeServer(data);
        if (!decoded.ok || decoded.msg.type !== "occupancy") return;
        mark("peek-answer");
        if (entry.asked?.room === decoded.msg.room) entry.asked.answer = decoded.msg;
        entry.onOccupancy?.(decoded.msg.room, decoded.msg);
      };
      entry.ws.onmessage = (ev) => hear(ev.data);
      this.warm = entry;
      for (const data of head?.frames ?? []) hear(data);
    }
    const entry = this.warm;
    entry.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.holders--;
      setTimeout(() => {
        if (this.warm === entry && entry.holders === 0) this.drop();
      }, WarmSockets.GRACE_MS);
    };
  }

  /**
   * The warm socket to `url` if it is still opening or open; it is the caller's from now on. With
   * none held, the page's first script's (head-start.ts): a refresh taking its seat back rejoins at
   * once, before anything held one, and opened a second socket beside it, its join a round trip
   * later (bench/join, 100 ms away). What was heard on that one is dropped: nothing was asked on it.
   */
  take(url: string): WebSocket | null {
    if (!this.warm) return adoptSocket(url)?.ws ?? null;
    if (this.warm.url !== url) return null;
    const { ws } = this.warm;
    this.warm = null;
    ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
    return ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN ? ws : null;
  }

  private drop() {
    if (!this.warm) return;
    const { ws } = this.warm;
    this.warm = null;
    ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
    ws.close(1000, "not needed");
  }
}

function openSocket(url: string): WebSocket {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  return ws;
}

/**
 * The pre-join screen's view of the room: how full it is, as the server answers (see
 * WarmSockets.watchRoom), and who is there, as the cards opened with the link's key say.
 */
export type RoomWatchReport = { type: "ROOM.OCCUPANCY"; people: number; capacity: number; names: string[]; iceServers?: IceServer[] };
export interface RoomWatchInput {
  url: string | null;
  room: string | null;
  sockets: WarmSockets;
  /** The call's keys (the link's, epoch 0, open the cards); null: a room joined by its ID, no names. */
  keys?: KeyRing | null;
}
export const roomWatchActor = fromCallback<EventObject, RoomWatchInput, RoomWatchReport>(({ input, sendBack }) => {
  if (!input.url || !input.room) return undefined;
  const key = input.keys?.keysOf(0)?.message ?? null;
  let asked = 0;
  let stopped = false;
  const stop = input.sockets.watchRoom(input.url, input.room, (o) => {
    const n = ++asked;
    // Opening cards is async: an answer overtaken by a newer one is not reported.
    const names = key && o.cards?.length ? key.then((k) => namesOnCards(k, o.cards!)).catch(() => []) : Promise.resolve([]);
    void names.then((found) => {
      if (!stopped && n === asked)
        sendBack({
          type: "ROOM.OCCUPANCY",
          people: o.people,
          capacity: o.capacity,
          names: found.slice(0, o.people),
          ...(o.iceServers ? { iceServers: o.iceServers } : {}),
        });
    });
  });
  return () => {
    stopped = true;
    stop();
  };
});

/** Keeps a warm socket open while it runs (see WarmSockets.hold); with no URL it does nothing. */
export const warmSocketActor = fromCallback<EventObject, { url: string | null; sockets: WarmSockets }>(({ input }) =>
  input.url ? input.sockets.hold(input.url) : undefined,
);

export const socketActor = fromCallback<SocketCommand, SocketInput, SocketEvent>(({ input, sendBack, receive }) => {
  const ws = input.warm?.take(input.url) ?? openSocket(input.url);
  let lastHeard = Date.now();
  let closed = false;
  /** Stopped by the parent: nothing more is reported. */
  let stopped = false;
  const pingEvery = input.pingEveryMs ?? 5_000;

  /** The server said (in `joined`) that it keeps cards: an older one would call a card a bad frame. */
  let keepsCards = false;
  const sendNow = (msg: WithoutVersion<ClientMessage>) => {
    if (ws.readyState === WebSocket.OPEN && (msg.type !== "card" || keepsCards)) ws.send(encode(msg));
    if (msg.type === "signal" && "description" in msg.data && msg.data.description.type === "answer") mark("answer-wire");
  };
  const e2ee = input.messageKeys ? relayCrypto(input.messageKeys) : null;
  const sendOut = e2ee
    ? (msg: WithoutVersion<ClientMessage>, base = false) => e2ee.out(msg, sendNow, base)
    : (msg: WithoutVersion<ClientMessage>) => {
        // With no key, a card would show our name to the server: none is sent.
        if (msg.type !== "card") sendNow(msg);
      };
  /** Frames after a join that waits a moment for the offer it carries: they go after it, in order. */
  let held: [WithoutVersion<ClientMessage>, boolean][] | null = null;
  const send = (msg: WithoutVersion<ClientMessage>, base = false) => {
    if (held) held.push([msg, base]);
    else sendOut(msg, base);
  };
  const reportClosed = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    sendBack({ type: "SOCKET.CLOSED", code, reason });
  };

  const join = () => {
    const joinWith = (offer: JoinOffer | null) =>
      sendOut({
        type: "join",
        room: input.room,
        ...(input.token ? { token: input.token } : {}),
        ...(input.layer !== undefined ? { layer: input.layer } : {}),
        ...(offer ? { offer } : {}),
      });
    const offer = input.offers?.forJoin() ?? null;
    if (!(offer instanceof Promise)) return joinWith(offer);
    held = [];
    void offer
      .catch(() => null)
      .then((found) => {
        const after = held ?? [];
        held = null;
        if (stopped) return;
        joinWith(found);
        for (const [msg, base] of after) sendOut(msg, base);
      });
  };
  if (ws.readyState === WebSocket.OPEN) join();
  else ws.onopen = join;
  ws.onmessage = (ev) => {
    lastHeard = Date.now();
    const decoded = decodeServer(ev.data);
    if (decoded.ok && decoded.msg.type === "joined") keepsCards = decoded.msg.cards === true;
    if (decoded.ok && decoded.msg.type === "occupancy") mark("peek-answer");
    const description = decoded.ok && decoded.msg.type === "signal" && "description" in decoded.msg.data ? decoded.msg.data.description.type : null;
    if (description === "offer" || description === "answer") mark(`${description}-in`);
    if (!decoded.ok) console.warn("signaling: dropped a bad frame from the server:", decoded.text);
    else if (e2ee) e2ee.in(decoded.msg, (msg) => !stopped && sendBack({ type: "SOCKET.MESSAGE", msg }));
    else sendBack({ type: "SOCKET.MESSAGE", msg: decoded.msg });
  };
  ws.onclose = (ev) => reportClosed(ev.code, ev.reason);
  ws.onerror = () => reportClosed(1006, "connection error");

  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > pingEvery * 3) {
      ws.close();
      reportClosed(1006, "server stopped answering");
      return;
    }
    send({ type: "ping" });
  }, pingEvery);

  receive((ev) => send(ev.msg, ev.base));

  return () => {
    clearInterval(timer);
    closed = stopped = true;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    // What was sent last (a hang-up, then `leave`) may still be being sealed: it goes out first.
    const bye = () => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, "bye");
    };
    if (e2ee) void e2ee.drained().then(bye);
    else bye();
  };
});

/**
 * Seals outgoing group messages (with the epoch in use when they were sent) and opens incoming
 * ones (with the epoch they name), keeping every frame's order each way.
 */
function relayCrypto(ring: KeyRing) {
  let outbound: Promise<void> = Promise.resolve();
  // Cards keep their own order, apart: sealing ours as we join must not hold back the offer behind it.
  let cards: Promise<void> = Promise.resolve();
  let inbound: Promise<void> = Promise.resolve();
  return {
    out(msg: WithoutVersion<ClientMessage>, send: (msg: WithoutVersion<ClientMessage>) => void, base: boolean) {
      // A card is for pages holding only the link: always the link's own key (epoch 0). Empty, it takes ours down.
      const { epoch, keys } = ring.sealing(base || msg.type === "card");
      const sealed = async (): Promise<WithoutVersion<ClientMessage>> =>
        msg.type === "relay" || (msg.type === "card" && msg.data.byteLength > 0)
          ? { ...msg, data: await sealMessage(await keys.message, msg.data, epoch) }
          : msg;
      const next = (chain: Promise<void>) =>
        chain.then(async () => send(await sealed())).catch((err) => console.warn("signaling: a group message could not be encrypted; not sent", err));
      if (msg.type === "card") cards = next(cards);
      else outbound = next(outbound);
    },
    in(msg: ServerMessage, deliver: (msg: ServerMessage) => void) {
      inbound = inbound.then(async () => {
        if (msg.type !== "relay") return deliver(msg);
        const key = ring.keysOf(messageEpoch(msg.data) ?? -1)?.message;
        const data = key ? await openMessage(await key, msg.data).catch(() => null) : null;
        if (data) deliver({ ...msg, data });
        else console.warn(`signaling: dropped a ${msg.channel} message from ${msg.peer ?? "?"} that does not decrypt with this call's key`);
      });
    },
    drained: () => Promise.all([outbound, cards]).then(() => {}),
  };
}

/** Close codes after which reconnecting would only repeat the problem. */
export const isFatalClose = (code: number) => code === CloseCode.Replaced || code === CloseCode.BadFrames;
