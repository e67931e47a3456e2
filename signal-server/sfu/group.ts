/**
 * Group calls: a room of three or more moves its media onto a Janus VideoRoom. The browsers ask,
 * over their OneLink socket, with `sfu` frames; this module drives Janus for them:
 *
 *   pub   a member's offer publishes its media (joinandconfigure, or configure to renegotiate);
 *         Janus's answer goes back to it.
 *   sub   one subscriber handle per member, receiving every other member's published streams;
 *         Janus offers, the member answers (start). When a publisher's connection is up, every
 *         other member's subscription grows to take it; when one leaves, Janus offers the smaller set.
 *
 * Operations on one member's connection run one after another (a candidate waits for the handle
 * its offer creates); a subscription asks Janus for one change at a time and gathers the rest.
 *
 * Each group room is placed on one of the Janus servers (placement.ts). When this node loses a
 * server (its socket closed, or it does not answer), the rooms on it are placed anew and their
 * members here are sent to reconnect: they rejoin their seats and publish afresh, as after a
 * restart of this server.
 *
 * With many nodes a room's members may be on several of them: each node drives Janus for its own
 * members, the mode and the membership of group rooms travel between nodes as `GroupEvent`s, and
 * who publishes in the Janus room is learnt from Janus itself (its "publishers" events). So do the
 * layers each member wants (`wants`), for dynacast on the node where each publisher is. A member
 * whose leave no node said (its node died first) is found gone from the store (`watchSeats`).
 */
import type { CallMode, ServerMessage, SfuConnection, SfuLayer, SfuStream, SignalPayload, WithoutVersion } from "../../protocol/index.ts";
import { type GroupEvent, groupEventOf, type MemberWants } from "./group-events.ts";
import { JanusError, type JanusHandle, JanusSession, type Jsep, type PluginEvent } from "./janus.ts";
import { MemoryPlacement, type Placement } from "./placement.ts";

export interface SfuTarget {
  url: string;
  secret: string;
}

export interface GroupDeps {
  /** The Janus servers this node may place rooms on (empty: no group calls). */
  targets: SfuTarget[];
  /** Members a Janus room holds. */
  capacity: number;
  /** Sends a frame to one member of a room, wherever its socket is. */
  tell: (room: string, member: string, msg: WithoutVersion<ServerMessage>) => void;
  /** People in a room from which its media goes through the media server. */
  groupFrom?: number;
  /** How long a group back to two waits before going direct again (a leaver may be refreshing). */
  directAfterMs?: number;
  log?: (...args: unknown[]) => void;
  /** Where rooms go (default: in this node's memory). */
  placement?: Placement;
  /** The media server of `member`'s room was lost: its socket here (if any) closes, so that it rejoins and publishes afresh. */
  reconnect?: (room: string, member: string) => void;
  /** Many nodes: a change of a group room, for the other nodes (see `heard`). */
  share?: (event: GroupEvent) => void;
  /** Opens a session with a Janus server (default: its WebSocket API; tests give a fake). */
  openJanus?: (url: string, secret: string) => Promise<JanusSession>;
  /** How long nobody must want a publisher's higher layers before it is told to pause them (dynacast). */
  layersDownAfterMs?: number;
  /** Many nodes: how often at most this node shares its members' wanted layers of one room. */
  wantsEveryMs?: number;
  /**
   * Many nodes: the seats the store has in `room` (held, or away within their grace). A group
   * here is checked against them now and then (see `watchSeats`).
   */
  seatsOf?: (room: string) => Promise<readonly string[]>;
  /** How long between two of those reads of one group room. */
  seatsEveryMs?: number;
}

/** How long a Janus server that failed is left out of new placements. */
const DOWN_FOR_MS = 10_000;

interface Side {
  handle: JanusHandle | null;
  /** Operations on this connection, one after another. */
  chain: Promise<void>;
}

interface MemberMedia {
  id: string;
  pub: Side;
  /** The DTLS fingerprint of the browser's publishing connection: a new one is a new page or connection. */
  pubFingerprint: string | null;
  /** Its publisher's connection with Janus is up (others may subscribe to it). */
  publishing: boolean;
  sub: Side;
  /** Feeds its subscription holds, and those it should. */
  subscribed: Set<string>;
  wanted: Set<string>;
  /** An offer of its subscription awaits the member's answer. */
  offerOut: boolean;
  /** What its subscription's media lines carry (from Janus's last offer). */
  streams: SfuStream[];
  /** The video layer it wants of each participant (none named: the highest). */
  layers: Map<string, SfuLayer>;
  /** The layer it guessed with its join, for participants it has not chosen one for yet (null: the highest). */
  guess: SfuLayer | null;
  /**
   * The layer Janus was last asked to send of each participant it subscribes to (by their id): a
   * layer asked again is not sent again. Every switch costs each publisher a key frame, so a new
   * line is subscribed at its chosen layer, not at Janus's default then switched.
   */
  asked: Map<string, SfuLayer>;
  /** The server its publisher is counted on (placement load). */
  countedAt: string | null;
  /**
   * Dynacast: the highest video layer its page was told to encode (told whenever its publishing
   * connection comes up), and the pending pause of those above what anyone now wants.
   */
  encodes: 0 | 1 | 2;
  encodesDown: ReturnType<typeof setTimeout> | null;
  /** Its socket joined through this node (with one node, every member is). */
  local: boolean;
  /** The layers it wants, as another node (where its socket is) last said; null: not heard (the highest). */
  shared: { layers: Map<string, SfuLayer>; guess: SfuLayer | null } | null;
  /** When it last joined, here or as heard from its node (ms): a return to direct decided elsewhere may not have counted it. */
  joinedAt: number;
}

interface Group {
  room: string;
  mode: CallMode;
  /** Back to direct once this fires (the group is down to two). */
  directTimer: ReturnType<typeof setTimeout> | null;
  members: Map<string, MemberMedia>;
  /** Janus's room exists on the server it is placed on (created once per group and server). */
  ready: Promise<JanusSession> | null;
  /** The server the room is on, once placed. */
  at: string | null;
  /** Publishers whose connection with Janus is up, on this node or another. */
  feeds: Set<string>;
  /** Members here whose wanted layers the other nodes are yet to be told, and when they last were (ms). */
  wantsOut: Set<string>;
  wantsTimer: ReturnType<typeof setTimeout> | null;
  wantsSentAt: number;
  /** Many nodes, while a group: its next read of the room's seats, and who the last one missed. */
  seats: { timer: ReturnType<typeof setTimeout> | null; missing: Set<string> } | null;
}

/** How long members back on direct connections keep their media-server ones (their switch is make before break). */
const RELEASE_AFTER_DIRECT_MS = 15_000;

/** How long a publisher's higher layers nobody wants are still encoded (a layout flipping back needs them at once). */
const LAYERS_DOWN_AFTER_MS = 3_000;

/** How often at most a node tells the others its members' wanted layers of a room (a layout change sends several views). */
const WANTS_EVERY_MS = 150;

/** How often a node holding a group reads the room's seats from the store (many nodes): a member gone unsaid is let go within two reads. */
const SEATS_EVERY_MS = 3_000;

const fingerprintOf = (sdp: string) => /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? "";

export class Groups {
  private readonly rooms = new Map<string, Group>();
  /** A session per Janus server, by its URL. */
  private readonly sessions = new Map<string, Promise<JanusSession>>();
  /** Servers that failed, left out of placements until then (ms). */
  private readonly down = new Map<string, number>();
  private readonly groupFrom: number;
  private readonly log: (...args: unknown[]) => void;
  private readonly placement: Placement;

  constructor(private readonly deps: GroupDeps) {
    this.groupFrom = deps.groupFrom ?? 3;
    this.log = deps.log ?? ((...args) => console.error("sfu:", ...args));
    this.placement = deps.placement ?? new MemoryPlacement();
  }

  /** Whether this node can hold group calls at all. */
  get available() {
    return this.deps.targets.length > 0;
  }

  modeOf(room: string): CallMode {
    return this.rooms.get(room)?.mode ?? "direct";
  }

  /**
   * `member` took a seat; `members` is everyone in the room now (it included). Returns the room's
   * mode for its `joined`; the others are told when it changes.
   */
  /** `layer`: what the joiner guessed its tiles will need, asked of its subscriptions until it says (`view`). */
  joined(room: string, member: string, members: readonly string[], layer?: SfuLayer): CallMode {
    const group = this.groupOf(room);
    // A direct room holds only this node's members here: its leaves are not told to other nodes, so
    // members of theirs kept now could stay on when it becomes a group. A group lists them all (this
    // join's list when it decides, or the news from the node that did).
    const grouped = group.mode === "sfu" || (this.available && members.length >= this.groupFrom);
    for (const id of grouped ? members : [member]) if (!group.members.has(id)) group.members.set(id, this.newMember(id));
    const m = group.members.get(member) as MemberMedia;
    m.local = true;
    m.joinedAt = Date.now();
    m.guess = layer ?? null;
    m.shared = null; // what it wants is this node's to say now
    this.keepGroup(group);
    if (group.mode === "sfu") this.receiveNow(group, m);
    if (group.mode === "direct" && this.available && members.length >= this.groupFrom) {
      group.mode = "sfu";
      // Each node tells its own members once it knows (`heard`): a member told from here before its
      // own node had heard could send its offer there while the room was still direct there.
      this.deps.share?.({ kind: "sfu", room, members: [...members], member });
      for (const id of this.localIds(group)) if (id !== member) this.deps.tell(room, id, { type: "mode", mode: "sfu" });
      this.shareWants(group, this.localIds(group));
    } else if (group.mode === "sfu") {
      this.deps.share?.({ kind: "joined", room, member });
      this.shareWants(group, [member]);
    }
    this.retellLayers(group);
    this.watchSeats(group);
    return group.mode;
  }

  /**
   * A newcomer to a group receives whoever publishes there at once, in one subscription, without
   * waiting for its own media to be published first: its first pictures do not queue behind its
   * offer. A member whose media we still hold (a refreshed page) is left to its publish, which
   * tells an old page's connections from a new one's.
   */
  private receiveNow(group: Group, m: MemberMedia) {
    if (m.pub.handle || m.sub.handle) return;
    const feeds = [...group.feeds].filter((feed) => feed !== m.id);
    if (feeds.length === 0) return;
    for (const feed of feeds) m.wanted.add(feed);
    this.queue(m.sub, () => this.renegotiate(group, m));
  }

  private groupOf(room: string): Group {
    let group = this.rooms.get(room);
    if (!group) {
      group = {
        room,
        mode: "direct",
        directTimer: null,
        members: new Map(),
        ready: null,
        at: null,
        feeds: new Set(),
        wantsOut: new Set(),
        wantsTimer: null,
        wantsSentAt: 0,
        seats: null,
      };
      this.rooms.set(room, group);
    }
    return group;
  }

  /** Three or more again: a pending return to direct is called off. */
  private keepGroup(group: Group) {
    if (group.members.size >= this.groupFrom && group.directTimer) {
      clearTimeout(group.directTimer);
      group.directTimer = null;
    }
  }

  /**
   * Another node changed a group room (what came off the bus, checked here). Only rooms with
   * members here matter (a node that gets its first member of a room later reads the room's
   * members from the store). A node new to a group, or a newcomer's, is told the wants of this
   * node's members.
   */
  heard(message: unknown) {
    const checked = groupEventOf(message);
    if (!checked.ok) return this.log(`a group event from another node is ignored (${checked.why})`);
    const event = checked.event;
    const group = this.rooms.get(event.room);
    if (!group) return;
    switch (event.kind) {
      case "sfu": {
        for (const id of event.members) if (!group.members.has(id)) group.members.set(id, this.newMember(id));
        const was = group.mode;
        group.mode = "sfu";
        if (event.member !== undefined) this.joinedThere(group, event.member);
        // Our members hear it from us, now that their offers find the room a group here.
        if (was !== "sfu") for (const id of this.localIds(group)) this.deps.tell(event.room, id, { type: "mode", mode: "sfu" });
        this.keepGroup(group);
        this.shareWants(group, this.localIds(group));
        this.watchSeats(group);
        return;
      }
      case "joined":
        this.joinedThere(group, event.member);
        this.keepGroup(group);
        this.shareWants(group, this.localIds(group));
        // Its node says what it wants right behind this; the publishers here are told once that had
        // time to come (a joiner guessing small tiles does not make them all encode their highest meanwhile).
        setTimeout(() => this.retellLayers(group), 2 * this.wantsEveryMs).unref?.();
        return;
      case "wants":
        return this.heardWants(group, event.members);
      case "left":
        return this.left(event.room, event.member, false);
      case "direct":
        if (group.mode !== "sfu") return;
        if (group.directTimer) clearTimeout(group.directTimer);
        group.directTimer = null;
        // A join here crossed that node's decision (made at two, before it heard of the joiner): the
        // room stays a group, and the nodes that went direct are told so, with everyone in it. Only
        // a join that recent: a member held here long since is one that node let go (it heard it leave).
        if (group.members.size >= this.groupFrom && this.joinedLately(group))
          return this.deps.share?.({ kind: "sfu", room: event.room, members: [...group.members.keys()] });
        return this.goneDirect(group);
    }
  }

  /** `id` joined through another node: a new page there, whose wants its node is to say (the highest until then). */
  private joinedThere(group: Group, id: string) {
    let m = group.members.get(id);
    if (!m) group.members.set(id, (m = this.newMember(id)));
    m.shared = null;
    m.joinedAt = Date.now();
    // One that was here moved there (a refresh through another node): this node no longer speaks
    // for it (its layers, what it publishes, what it receives), or its old choices would be said
    // again over its new page's.
    m.local = false;
    if (m.encodesDown) clearTimeout(m.encodesDown);
    m.encodesDown = null;
  }

  /** Layers wanted by members on another node: the publishers here encode what they need. */
  private heardWants(group: Group, wants: readonly MemberWants[]) {
    for (const w of wants) {
      const m = group.members.get(w.member);
      if (!m) continue; // not a member (any more): its node's "left" came first
      m.shared = w.layers && { layers: new Map(w.layers), guess: w.guess };
    }
    this.retellLayers(group);
  }

  /**
   * The other nodes are told what these members here want (coalesced: at most one event per room
   * every WANTS_EVERY_MS, the first at once, so a layout change does not flood the bus).
   */
  private shareWants(group: Group, ids: Iterable<string>) {
    if (!this.deps.share) return;
    for (const id of ids) group.wantsOut.add(id);
    if (group.wantsTimer || group.wantsOut.size === 0) return;
    const wait = group.wantsSentAt + this.wantsEveryMs - Date.now();
    if (wait <= 0) return this.sendWants(group);
    group.wantsTimer = setTimeout(() => {
      group.wantsTimer = null;
      this.sendWants(group);
    }, wait);
    group.wantsTimer.unref?.();
  }

  private sendWants(group: Group) {
    const ids = [...group.wantsOut];
    group.wantsOut.clear();
    if (this.rooms.get(group.room) !== group || group.mode !== "sfu") return;
    const members: MemberWants[] = [];
    for (const id of ids) {
      const m = group.members.get(id);
      if (!m?.local) continue;
      // Only of those still in the room (a member's choices outlive the people it chose for).
      const layers = [...m.layers].filter(([peer]) => group.members.has(peer));
      members.push({ member: id, layers, guess: m.guess });
    }
    if (members.length === 0) return;
    group.wantsSentAt = Date.now();
    this.deps.share?.({ kind: "wants", room: group.room, members });
  }

  private get wantsEveryMs() {
    return this.deps.wantsEveryMs ?? WANTS_EVERY_MS;
  }

  private localIds(group: Group): string[] {
    return [...group.members.values()].filter((m) => m.local).map((m) => m.id);
  }

  /**
   * `member`'s node died (this node swept it): what it wanted is not known any more, here or on
   * the other nodes, so it counts as wanting the highest until it rejoins or its seat expires.
   */
  away(room: string, member: string, others: readonly string[]) {
    if (others.length + 1 < this.groupFrom) return; // no group (most rooms hold two)
    const group = this.rooms.get(room);
    const m = group?.members.get(member);
    if (m && !m.local) m.shared = null;
    this.deps.share?.({ kind: "wants", room, members: [{ member, layers: null, guess: null }] });
    if (group) this.retellLayers(group);
  }

  /** Whether the media server still has this member's publishing connection (it may keep it). */
  holdsMedia(room: string, member: string): boolean {
    return this.rooms.get(room)?.members.get(member)?.publishing === true;
  }

  /**
   * `member` left the room for good (hung up, or away past its grace). `here`: seen by this node
   * (told to the others). Every node holding the group decides when it goes back to direct, the
   * first to do so tells the others (a node that saw the member leave may hold no group of it).
   */
  left(room: string, member: string, here = true) {
    const group = this.rooms.get(room);
    const m = group?.members.get(member);
    if (!group || !m) return;
    if (here && group.mode === "sfu") this.deps.share?.({ kind: "left", room, member });
    this.release(group, m);
    group.members.delete(member);
    group.feeds.delete(member);
    group.wantsOut.delete(member);
    for (const other of group.members.values()) other.wanted.delete(member);
    this.retellLayers(group);
    if (group.members.size === 0) this.close(group);
    else if (group.mode === "sfu" && group.members.size < this.groupFrom && !group.directTimer) {
      group.directTimer = setTimeout(() => this.backToDirect(group), this.directAfterMs);
      group.directTimer.unref?.();
    }
  }

  /**
   * `member`'s seat expired (away past its grace); `others` still hold theirs. The node expiring it
   * may hold no group of its room (one that swept a dead node's seats, with no member of the room
   * here): the nodes that hold the group are told all the same, or they would keep it as a member.
   */
  expired(room: string, member: string, others: readonly string[]) {
    if (this.rooms.get(room)?.members.has(member)) return this.left(room, member);
    if (others.length > 0 && this.available) this.deps.share?.({ kind: "left", room, member });
  }

  private get directAfterMs() {
    return this.deps.directAfterMs ?? 5_000;
  }

  /**
   * Many nodes: while the room is a group here, its seats are read from the store now and then. A
   * member the store no longer seats (neither held nor within its grace) whose leave this node
   * never heard (its node freed the seat, then died before saying so, or the news was lost while
   * Redis was away) is let go as if heard: else it would count for ever, and a room down to two
   * would never go direct. Only one missed by two reads in a row: a read just after a Redis
   * restart finds the room empty until the nodes have written their members back. A seat the
   * store has that this node has not heard of yet (a join on its way) is left to its news.
   */
  private watchSeats(group: Group) {
    const seatsOf = this.deps.seatsOf;
    if (!seatsOf || group.mode !== "sfu" || group.seats) return;
    const watch: NonNullable<Group["seats"]> = { timer: null, missing: new Set() };
    group.seats = watch;
    const read = async () => {
      const seats = await seatsOf(group.room).catch((err) => {
        this.log(`reading the seats of ${group.room} failed: ${err instanceof Error ? err.message : err}`);
        return null;
      });
      if (group.seats !== watch) return; // no group here any more
      // A read that failed knows nothing: nobody counts as missed.
      const seated = new Set(seats ?? group.members.keys());
      const missing = new Set([...group.members.keys()].filter((id) => !seated.has(id)));
      const gone = [...missing].filter((id) => watch.missing.has(id));
      watch.missing = missing;
      for (const id of gone) {
        this.log(`${group.room}: ${id} has no seat in the store any more, and no node said it left: let go`);
        this.left(group.room, id, false);
        // Its node never told the pages either: this node tells its own (a page that heard it already ignores a stranger's leave).
        for (const local of this.localIds(group)) this.deps.tell(group.room, local, { type: "peer-left", peer: id, reason: "gone" });
      }
      if (group.seats === watch) next();
    };
    const next = () => {
      watch.timer = setTimeout(read, this.deps.seatsEveryMs ?? SEATS_EVERY_MS);
      watch.timer.unref?.();
    };
    next();
  }

  private unwatchSeats(group: Group) {
    if (group.seats?.timer) clearTimeout(group.seats.timer);
    group.seats = null;
  }

  /** Someone joined (here, or as heard) within a wait to direct: a node that went direct may not have heard of it then. */
  private joinedLately(group: Group) {
    const since = Date.now() - this.directAfterMs;
    return [...group.members.values()].some((m) => m.joinedAt > since);
  }

  /**
   * Down to two for a while: the members connect directly again (they keep their media-server
   * connections until the direct one carries the picture), and the Janus room goes a little later.
   * Each node tells its own members, once it has the room direct (several may decide at once).
   */
  private backToDirect(group: Group) {
    group.directTimer = null;
    if (this.rooms.get(group.room) !== group || group.mode !== "sfu" || group.members.size >= this.groupFrom) return;
    this.deps.share?.({ kind: "direct", room: group.room });
    this.goneDirect(group);
  }

  /** Direct again: this node's members are told, and let go of their media-server connections a little later. */
  private goneDirect(group: Group) {
    group.mode = "direct";
    this.unwatchSeats(group);
    for (const id of this.localIds(group)) this.deps.tell(group.room, id, { type: "mode", mode: "direct" });
    // What members wanted through the media server is said again if the room is a group again.
    if (group.wantsTimer) clearTimeout(group.wantsTimer);
    group.wantsTimer = null;
    group.wantsOut.clear();
    // The other nodes' members are forgotten here (see `joined`): a group again lists them anew.
    for (const m of [...group.members.values()])
      if (m.local) m.shared = null;
      else group.members.delete(m.id);
    const release = setTimeout(() => {
      if (this.rooms.get(group.room) !== group || group.mode !== "direct") return;
      for (const m of group.members.values()) this.release(group, m);
      this.destroyRoom(group);
      if (group.members.size === 0) this.rooms.delete(group.room); // nobody of the room here any more
    }, RELEASE_AFTER_DIRECT_MS);
    release.unref?.();
  }

  /** Members of a room this node knows of, for relaying group messages. */
  membersOf(room: string): string[] {
    const group = this.rooms.get(room);
    return group ? [...group.members.keys()] : [];
  }

  /** A description or candidate from `member` for one of its media-server connections. */
  signal(room: string, member: string, pc: SfuConnection, data: SignalPayload) {
    const group = this.rooms.get(room);
    const m = group?.members.get(member);
    if (!group || !m) return false;
    if (group.mode !== "sfu") {
      // Back to direct, a frame still on its way is dropped (nothing is published again); a
      // member that never had media-server connections is told it has none.
      return m.pub.handle !== null || m.sub.handle !== null;
    }
    if ("candidate" in data) {
      const side = pc === "pub" ? m.pub : m.sub;
      this.queue(side, async () => side.handle?.trickle(data.candidate));
      return true;
    }
    const { type, sdp } = data.description;
    if (pc === "pub" && type === "offer") this.queue(m.pub, () => this.publish(group, m, { type, sdp }));
    else if (pc === "sub" && type === "answer") this.queue(m.sub, () => this.start(group, m, { type, sdp }));
    return true;
  }

  /** `member` chose the video layer it receives of some participants (-1: none). */
  view(room: string, member: string, want: readonly { peer: string; layer: SfuLayer }[]) {
    const group = this.rooms.get(room);
    const m = group?.members.get(member);
    if (!group || !m) return;
    for (const w of want) m.layers.set(w.peer, w.layer);
    this.retellLayers(group);
    this.shareWants(group, [member]);
    this.queue(m.sub, () =>
      this.applyLayers(
        m,
        want.map((w) => w.peer),
      ),
    );
  }

  /**
   * Dynacast: the highest layer anyone in the group wants of `publisher`'s video. A member on
   * another node wants what its node last said; one never heard of (or whose node died) counts as
   * wanting the highest. One off screen or in a hidden tab wants none. Nobody wanting any still
   * leaves the lowest (a newcomer's first picture). A member both here and said by another node
   * (it moved there) wants the higher of the two.
   */
  private topLayerOf(group: Group, publisher: string): 0 | 1 | 2 {
    let top: SfuLayer = 0;
    for (const m of group.members.values()) {
      if (m.id === publisher) continue;
      const here: SfuLayer = m.local ? (m.layers.get(publisher) ?? m.guess ?? 2) : -1;
      const there: SfuLayer = m.shared ? (m.shared.layers.get(publisher) ?? m.shared.guess ?? 2) : m.local ? -1 : 2;
      top = Math.max(top, here, there) as SfuLayer;
    }
    return top as 0 | 1 | 2;
  }

  /**
   * Tells each publisher here the highest layer it need encode, when that changes: more at once (a
   * viewer asking for a layer its publisher pauses keeps the lower one until the new one's key frame
   * reaches Janus), less only once nobody has wanted more for a while (a layout flip does not thrash).
   */
  private retellLayers(group: Group) {
    if (this.rooms.get(group.room) !== group || group.mode !== "sfu") return;
    for (const m of group.members.values()) {
      if (!m.local || !m.publishing) continue;
      const top = this.topLayerOf(group, m.id);
      if (top >= m.encodes) {
        if (m.encodesDown) clearTimeout(m.encodesDown);
        m.encodesDown = null;
        if (top > m.encodes) this.tellEncodes(group, m, top);
      } else if (!m.encodesDown) {
        m.encodesDown = setTimeout(() => {
          m.encodesDown = null;
          if (this.rooms.get(group.room) !== group || group.mode !== "sfu" || group.members.get(m.id) !== m || !m.local || !m.publishing) return;
          const now = this.topLayerOf(group, m.id);
          if (now < m.encodes) this.tellEncodes(group, m, now);
        }, this.deps.layersDownAfterMs ?? LAYERS_DOWN_AFTER_MS);
        m.encodesDown.unref?.();
      }
    }
  }

  private tellEncodes(group: Group, m: MemberMedia, max: 0 | 1 | 2) {
    m.encodes = max;
    this.deps.tell(group.room, m.id, { type: "sfu-layers", max });
  }

  /** Tells Janus what to send on `m`'s video lines of these participants. */
  private async applyLayers(m: MemberMedia, peers: readonly string[]) {
    // Janus refuses a configure whole when one of its lines is no longer in the subscription (its
    // publisher left, the line was reused): that line is forgotten and the others are asked again.
    for (let tries = 0; tries <= m.streams.length; tries++) {
      if (!m.sub.handle) return;
      const lines = m.streams.filter((s) => s.kind === "video" && peers.includes(s.peer) && (m.layers.get(s.peer) ?? 2) !== m.asked.get(s.peer));
      const streams = lines.map((s) => {
        const layer = m.layers.get(s.peer) ?? 2;
        return layer < 0 ? { mid: s.mid, send: false } : { mid: s.mid, send: true, substream: layer };
      });
      if (!streams.length) return;
      try {
        await m.sub.handle.message({ request: "configure", streams });
        for (const s of lines) m.asked.set(s.peer, m.layers.get(s.peer) ?? 2);
        return;
      } catch (err) {
        const gone = err instanceof JanusError ? /No such mid '([^']*)'/.exec(err.message)?.[1] : undefined;
        if (gone === undefined || !m.streams.some((s) => s.mid === gone)) throw err;
        m.streams = m.streams.filter((s) => s.mid !== gone);
      }
    }
  }

  /** Ends every group (the server is stopping). */
  stop() {
    for (const group of this.rooms.values()) this.close(group);
    this.rooms.clear();
    for (const session of this.sessions.values())
      session
        .then((s) => {
          s.onLost = () => {}; // closed by us: nothing was lost
          s.close();
        })
        .catch(() => {});
    this.sessions.clear();
  }

  /** The server a room is placed on, as far as this node knows (tests). */
  placedOn(room: string): string | null {
    return this.rooms.get(room)?.at ?? null;
  }

  // ---- Janus ----

  private newMember(id: string): MemberMedia {
    const side = (): Side => ({ handle: null, chain: Promise.resolve() });
    return {
      id,
      pub: side(),
      pubFingerprint: null,
      publishing: false,
      sub: side(),
      subscribed: new Set(),
      wanted: new Set(),
      offerOut: false,
      streams: [],
      layers: new Map(),
      guess: null,
      asked: new Map(),
      countedAt: null,
      encodes: 2,
      encodesDown: null,
      local: !this.deps.share,
      shared: null,
      joinedAt: Date.now(),
    };
  }

  private queue(side: Side, op: () => Promise<void>) {
    side.chain = side.chain.then(op).catch((err) => this.log(err instanceof Error ? err.message : err));
  }

  /** The servers not known to have failed lately (all of them when every one has). */
  private upTargets(): string[] {
    const now = Date.now();
    const up = this.deps.targets.map((t) => t.url).filter((url) => (this.down.get(url) ?? 0) <= now);
    return up.length ? up : this.deps.targets.map((t) => t.url);
  }

  private janus(url: string): Promise<JanusSession> {
    let session = this.sessions.get(url);
    if (!session) {
      const target = this.deps.targets.find((t) => t.url === url) as SfuTarget;
      session = (this.deps.openJanus ?? JanusSession.open)(target.url, target.secret).then((s) => {
        s.onLost = (why) => this.lost(url, why);
        return s;
      });
      this.sessions.set(url, session);
      session.catch(() => {
        if (this.sessions.get(url) === session) this.sessions.delete(url);
      });
    }
    return session;
  }

  /**
   * This node lost the Janus server at `url`: its rooms are placed anew, and their members here
   * reconnect (they rejoin and publish afresh, on the new server).
   */
  private lost(url: string, why: string) {
    this.log(`lost Janus at ${url}: ${why}`);
    this.sessions.delete(url);
    this.down.set(url, Date.now() + DOWN_FOR_MS);
    this.placement.lost(url);
    for (const group of this.rooms.values()) {
      if (group.at !== url) continue;
      group.ready = null;
      group.at = null;
      group.feeds.clear();
      for (const m of group.members.values()) {
        m.countedAt = null;
        this.forgetMedia(m);
      }
      if (group.mode !== "sfu") continue;
      // Placed anew now, once for every node (the record moves off the lost server).
      Promise.resolve(this.placement.place(group.room, this.upTargets(), url))
        .catch((err) => this.log(`placing ${group.room} again failed: ${err instanceof Error ? err.message : err}`))
        .finally(() => {
          for (const id of group.members.keys()) this.deps.reconnect?.(group.room, id);
        });
    }
  }

  /** The room's server, chosen (or read) once per group; a server that cannot be reached is avoided. */
  private roomReady(group: Group): Promise<JanusSession> {
    if (!group.ready) {
      group.ready = (async () => {
        let avoid: string | undefined;
        for (let tries = 0; ; tries++) {
          const url = await this.placement.place(group.room, this.upTargets(), avoid);
          let janus: JanusSession;
          try {
            janus = await this.janus(url);
          } catch (err) {
            this.down.set(url, Date.now() + DOWN_FOR_MS);
            if (tries + 1 >= this.deps.targets.length) throw err;
            avoid = url;
            continue;
          }
          group.at = url;
          await this.createRoom(janus, group.room);
          return janus;
        }
      })();
      group.ready.catch(() => {
        group.ready = null;
      });
    }
    return group.ready;
  }

  private async createRoom(janus: JanusSession, room: string) {
    const handle = await janus.attach();
    try {
      await handle.request({
        request: "create",
        room,
        publishers: this.deps.capacity,
        is_private: true,
        permanent: false,
        audiocodec: "opus",
        videocodec: "vp8",
        notify_joining: false,
      });
    } catch (err) {
      if (!(err instanceof JanusError && err.code === 427)) throw err; // 427: it exists already
    } finally {
      handle.detach();
    }
  }

  /** Janus says who publishes in the room (an answer to a publisher, or an event to one): each member here receives them. */
  private heardPublishers(group: Group, data: Record<string, unknown>) {
    const list = Array.isArray(data.publishers) ? (data.publishers as Record<string, unknown>[]) : [];
    for (const p of list) {
      const id = p.id;
      if (typeof id !== "string" || !group.members.has(id)) continue;
      group.feeds.add(id);
      for (const other of group.members.values()) if (other.id !== id && other.local) this.want(group, other, id);
    }
    const gone = [data.unpublished, data.leaving].filter((x): x is string => typeof x === "string");
    for (const id of gone) if (!group.members.get(id)?.publishing) group.feeds.delete(id);
  }

  private async publish(group: Group, m: MemberMedia, offer: Jsep) {
    const fingerprint = fingerprintOf(offer.sdp);
    if (m.pub.handle && m.pubFingerprint === fingerprint) {
      // The same connection renegotiates (a track added, an ICE restart).
      const { jsep } = await m.pub.handle.message({ request: "configure", audio: true, video: true }, offer);
      if (jsep) this.deps.tell(group.room, m.id, { type: "sfu", pc: "pub", data: { description: jsep } });
      return;
    }
    if (m.pub.handle) {
      // A new page or connection of the same member: what it received went with the old page too.
      this.unpublish(group, m);
      m.sub.handle?.detach();
      m.sub.handle = null;
      m.subscribed.clear();
      m.asked.clear();
      m.offerOut = false;
    }
    const janus = await this.roomReady(group);
    const at = group.at;
    m.pubFingerprint = fingerprint;
    const join = { request: "joinandconfigure", ptype: "publisher", room: group.room, id: m.id, display: m.id, audio: true, video: true };
    let handle = await this.attachPublisher(janus, group, m, at);
    let answer: PluginEvent;
    try {
      answer = await handle.message(join, offer);
    } catch (err) {
      // 436: Janus still holds a publisher of this id (its old connection): kick it and try once more, on a
      // fresh handle (the refused one may have taken the offer already: the same offer again fails its ICE).
      if (!(err instanceof JanusError && err.code === 436)) throw err;
      await handle.request({ request: "kick", room: group.room, id: m.id }).catch(() => {});
      handle.detach();
      handle = await this.attachPublisher(janus, group, m, at);
      answer = await handle.message(join, offer);
    }
    if (answer.jsep) this.deps.tell(group.room, m.id, { type: "sfu", pc: "pub", data: { description: answer.jsep } });
    // Whoever is already publishing, this member now receives (Janus lists those of every node).
    this.heardPublishers(group, answer.data);
    for (const other of group.members.values()) if (other !== m && (other.publishing || group.feeds.has(other.id))) this.want(group, m, other.id);
  }

  /** A publisher handle for `m`, made its current one, with what its events do. */
  private async attachPublisher(janus: JanusSession, group: Group, m: MemberMedia, at: Group["at"]) {
    const handle = await janus.attach();
    m.pub.handle = handle;
    handle.onUp = () => {
      if (m.pub.handle !== handle) return;
      m.publishing = true;
      group.feeds.add(m.id);
      // A publishing connection up is told its layers at once, whatever it encodes: a fresh page all
      // three, a page that kept its connection through a restart of this server what it was told before.
      if (m.local) {
        if (m.encodesDown) clearTimeout(m.encodesDown);
        m.encodesDown = null;
        this.tellEncodes(group, m, this.topLayerOf(group, m.id));
      }
      if (at && m.countedAt === null) {
        m.countedAt = at;
        this.placement.count(at, 1);
      }
      for (const other of group.members.values()) if (other !== m && other.local) this.want(group, other, m.id);
    };
    handle.onHangup = () => {
      if (m.pub.handle !== handle) return;
      m.publishing = false;
      group.feeds.delete(m.id);
      this.uncount(m);
    };
    // Publishers on other nodes: Janus tells every publisher of the room.
    handle.onEvent = (ev) => {
      if (m.pub.handle === handle) this.heardPublishers(group, ev.data);
    };
    return handle;
  }

  private uncount(m: MemberMedia) {
    if (m.countedAt === null) return;
    this.placement.count(m.countedAt, -1);
    m.countedAt = null;
  }

  /** Its publisher ends: Janus offers every subscriber a smaller set, and a new one is subscribed afresh. */
  private unpublish(group: Group, m: MemberMedia) {
    for (const other of group.members.values()) {
      other.subscribed.delete(m.id);
      other.asked.delete(m.id);
    }
    if (m.publishing) group.feeds.delete(m.id);
    m.pub.handle?.detach();
    m.pub.handle = null;
    m.pubFingerprint = null;
    m.publishing = false;
    this.uncount(m);
  }

  /** `m` should receive `feed`: its subscription grows when no offer of it is out. */
  private want(group: Group, m: MemberMedia, feed: string) {
    m.wanted.add(feed);
    this.queue(m.sub, () => this.renegotiate(group, m));
  }

  private async renegotiate(group: Group, m: MemberMedia) {
    if (m.offerOut || !group.members.has(m.id)) return;
    let add = [...m.wanted].filter((f) => !m.subscribed.has(f) && (group.members.get(f)?.publishing || group.feeds.has(f)));
    // Janus refuses a subscription whole when one feed in it is gone (its publisher left, or is
    // publishing anew under the same id): that one is left out and the others asked again, or
    // nobody of the group would reach this member. Its publisher's connection coming up again wants it back.
    while (add.length > 0) {
      let event: PluginEvent;
      try {
        event = await this.subscribe(group, m, add);
      } catch (err) {
        const gone = err instanceof JanusError ? /No such feed \(([^)]*)\)/.exec(err.message)?.[1] : undefined;
        if (gone === undefined || !add.includes(gone)) throw err; // each retry asks for one feed fewer
        m.wanted.delete(gone);
        add = add.filter((f) => f !== gone);
        continue;
      }
      for (const f of add) {
        m.subscribed.add(f);
        m.asked.set(f, this.substreamOf(m, f) ?? 2);
      }
      if (event.jsep) this.offer(group, m, event);
      return;
    }
  }

  /** Asks Janus to send `m` these feeds: its subscription grows, or starts (a handle that fails to join is let go). */
  private async subscribe(group: Group, m: MemberMedia, feeds: readonly string[]): Promise<PluginEvent> {
    // Each at the layer its tile needs (a simulcast target per stream; Janus's default is the highest).
    const streams = feeds.map((feed) => {
      const substream = this.substreamOf(m, feed);
      return substream === undefined ? { feed } : { feed, substream };
    });
    if (m.sub.handle) return m.sub.handle.message({ request: "update", subscribe: streams });
    const janus = await this.roomReady(group);
    const handle = await janus.attach();
    m.sub.handle = handle;
    handle.onEvent = (ev) => {
      // Janus offers again by itself when a publisher it forwards leaves.
      if (m.sub.handle === handle && ev.jsep?.type === "offer") this.offer(group, m, ev);
    };
    try {
      return await handle.message({ request: "join", ptype: "subscriber", room: group.room, streams });
    } catch (err) {
      // Joined nothing: an update on it would be refused ("unconfigured participant"); the next try starts afresh.
      if (m.sub.handle === handle) m.sub.handle = null;
      handle.detach();
      throw err;
    }
  }

  /**
   * The layer `m` asks of `feed` when subscribing to it, if it chose or guessed one (a line not
   * shown is subscribed, then turned off).
   */
  private substreamOf(m: MemberMedia, feed: string): 0 | 1 | 2 | undefined {
    const layer = m.layers.get(feed) ?? m.guess ?? undefined;
    return layer === undefined || layer === -1 ? undefined : layer;
  }

  private offer(group: Group, m: MemberMedia, event: PluginEvent) {
    const streams: SfuStream[] = [];
    const list = Array.isArray(event.data.streams) ? (event.data.streams as Record<string, unknown>[]) : [];
    const ended = new Set<string>();
    for (const s of list) {
      if (s.active === false) ended.add(String(s.mid));
      if (s.active === false || typeof s.feed_id !== "string" || (s.type !== "audio" && s.type !== "video")) continue;
      streams.push({ mid: String(s.mid), peer: s.feed_id, kind: s.type });
    }
    m.offerOut = true;
    // A line whose publisher left is no one's any more: a configure naming it would be refused whole
    // (and so would the layers of everyone else), e.g. after that person refreshed and published anew.
    m.streams = m.streams.filter((x) => !ended.has(x.mid));
    for (const s of streams) m.streams = [...m.streams.filter((x) => x.mid !== s.mid), s];
    this.deps.tell(group.room, m.id, { type: "sfu", pc: "sub", data: { description: event.jsep as Jsep }, streams });
  }

  private async start(group: Group, m: MemberMedia, answer: Jsep) {
    if (!m.sub.handle) return;
    await m.sub.handle.message({ request: "start" }, answer);
    m.offerOut = false;
    // Lines whose chosen layer is not the one Janus was asked for (a tile now off screen, a choice
    // that came after the subscription) get it; the others are left alone.
    const chosen = [...m.layers.keys()];
    if (chosen.length) await this.applyLayers(m, chosen);
    await this.renegotiate(group, m);
  }

  private forgetMedia(m: MemberMedia) {
    if (m.encodesDown) clearTimeout(m.encodesDown);
    m.encodesDown = null;
    m.encodes = 2;
    m.pub.handle = m.sub.handle = null;
    m.streams = [];
    m.pubFingerprint = null;
    m.publishing = false;
    m.subscribed.clear();
    m.asked.clear();
    m.offerOut = false;
  }

  private release(group: Group, m: MemberMedia) {
    this.unpublish(group, m);
    m.sub.handle?.detach();
    this.forgetMedia(m);
  }

  private close(group: Group) {
    if (group.directTimer) clearTimeout(group.directTimer);
    if (group.wantsTimer) clearTimeout(group.wantsTimer);
    this.unwatchSeats(group);
    for (const m of group.members.values()) this.release(group, m);
    this.rooms.delete(group.room);
    this.destroyRoom(group);
  }

  /** The Janus room goes, and the room's placement with it. */
  private destroyRoom(group: Group) {
    const ready = group.ready;
    if (group.at !== null || ready) this.placement.forget(group.room);
    group.ready = null;
    group.at = null;
    group.feeds.clear();
    if (!ready) return;
    ready
      .then(async (session) => {
        if (!session.alive) return;
        const handle = await session.attach();
        await handle.request({ request: "destroy", room: group.room }).catch(() => {});
        handle.detach();
      })
      .catch(() => {});
  }
}
