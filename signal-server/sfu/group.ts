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
 */
import type { CallMode, ServerMessage, SfuConnection, SfuLayer, SfuStream, SignalPayload, WithoutVersion } from "../../protocol/index.ts";
import { JanusError, type JanusHandle, JanusSession, type Jsep, type PluginEvent } from "./janus.ts";

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
}

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
}

interface Group {
  room: string;
  mode: CallMode;
  /** Back to direct once this fires (the group is down to two). */
  directTimer: ReturnType<typeof setTimeout> | null;
  members: Map<string, MemberMedia>;
  /** Janus's room exists (created once per group). */
  ready: Promise<void> | null;
}

/** How long members back on direct connections keep their media-server ones (their switch is make before break). */
const RELEASE_AFTER_DIRECT_MS = 15_000;

const fingerprintOf = (sdp: string) => /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? "";

export class Groups {
  private readonly rooms = new Map<string, Group>();
  private session: Promise<JanusSession> | null = null;
  private readonly groupFrom: number;
  private readonly log: (...args: unknown[]) => void;

  constructor(private readonly deps: GroupDeps) {
    this.groupFrom = deps.groupFrom ?? 3;
    this.log = deps.log ?? ((...args) => console.error("sfu:", ...args));
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
  joined(room: string, member: string, members: readonly string[]): CallMode {
    let group = this.rooms.get(room);
    if (!group) {
      group = { room, mode: "direct", directTimer: null, members: new Map(), ready: null };
      this.rooms.set(room, group);
    }
    for (const id of members) if (!group.members.has(id)) group.members.set(id, this.newMember(id));
    if (group.members.size >= this.groupFrom && group.directTimer) {
      clearTimeout(group.directTimer);
      group.directTimer = null;
    }
    if (group.mode === "direct" && this.available && members.length >= this.groupFrom) {
      group.mode = "sfu";
      for (const id of members) if (id !== member) this.deps.tell(room, id, { type: "mode", mode: "sfu" });
    }
    return group.mode;
  }

  /** Whether the media server still has this member's publishing connection (it may keep it). */
  holdsMedia(room: string, member: string): boolean {
    return this.rooms.get(room)?.members.get(member)?.publishing === true;
  }

  /** `member` left the room for good (hung up, or away past its grace). */
  left(room: string, member: string) {
    const group = this.rooms.get(room);
    const m = group?.members.get(member);
    if (!group || !m) return;
    this.release(group, m);
    group.members.delete(member);
    for (const other of group.members.values()) other.wanted.delete(member);
    if (group.members.size === 0) this.close(group);
    else if (group.mode === "sfu" && group.members.size < this.groupFrom && !group.directTimer) {
      group.directTimer = setTimeout(() => this.backToDirect(group), this.deps.directAfterMs ?? 5_000);
      group.directTimer.unref?.();
    }
  }

  /**
   * Down to two for a while: the members connect directly again (they keep their media-server
   * connections until the direct one carries the picture), and the Janus room goes a little later.
   */
  private backToDirect(group: Group) {
    group.directTimer = null;
    if (this.rooms.get(group.room) !== group || group.mode !== "sfu" || group.members.size >= this.groupFrom) return;
    group.mode = "direct";
    for (const id of group.members.keys()) this.deps.tell(group.room, id, { type: "mode", mode: "direct" });
    const release = setTimeout(() => {
      if (this.rooms.get(group.room) !== group || group.mode !== "direct") return;
      for (const m of group.members.values()) this.release(group, m);
      this.destroyRoom(group);
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
    this.queue(m.sub, () =>
      this.applyLayers(
        m,
        want.map((w) => w.peer),
      ),
    );
  }

  /** Tells Janus what to send on `m`'s video lines of these participants. */
  private async applyLayers(m: MemberMedia, peers: readonly string[]) {
    if (!m.sub.handle) return;
    const streams = m.streams
      .filter((s) => s.kind === "video" && peers.includes(s.peer))
      .map((s) => {
        const layer = m.layers.get(s.peer) ?? 2;
        return layer < 0 ? { mid: s.mid, send: false } : { mid: s.mid, send: true, substream: layer };
      });
    if (streams.length) await m.sub.handle.message({ request: "configure", streams });
  }

  /** Ends every group (the server is stopping). */
  stop() {
    for (const group of this.rooms.values()) this.close(group);
    this.rooms.clear();
    this.session?.then((s) => s.close()).catch(() => {});
    this.session = null;
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
    };
  }

  private queue(side: Side, op: () => Promise<void>) {
    side.chain = side.chain.then(op).catch((err) => this.log(err instanceof Error ? err.message : err));
  }

  private janus(): Promise<JanusSession> {
    if (!this.session) {
      const target = this.deps.targets[0] as SfuTarget;
      this.session = JanusSession.open(target.url, target.secret).then((s) => {
        s.onLost = (why) => {
          this.log(`lost Janus at ${target.url}: ${why}`);
          this.session = null;
          for (const group of this.rooms.values()) {
            group.ready = null;
            for (const m of group.members.values()) this.forgetMedia(m);
          }
        };
        return s;
      });
      this.session.catch(() => {
        this.session = null;
      });
    }
    return this.session;
  }

  private roomReady(group: Group): Promise<void> {
    if (!group.ready) {
      group.ready = (async () => {
        const janus = await this.janus();
        const handle = await janus.attach();
        try {
          await handle.request({
            request: "create",
            room: group.room,
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
      })();
      group.ready.catch(() => {
        group.ready = null;
      });
    }
    return group.ready;
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
      m.offerOut = false;
    }
    await this.roomReady(group);
    const handle = await (await this.janus()).attach();
    m.pub.handle = handle;
    m.pubFingerprint = fingerprint;
    handle.onUp = () => {
      if (m.pub.handle !== handle) return;
      m.publishing = true;
      for (const other of group.members.values()) if (other !== m) this.want(group, other, m.id);
    };
    handle.onHangup = () => {
      if (m.pub.handle === handle) m.publishing = false;
    };
    const join = { request: "joinandconfigure", ptype: "publisher", room: group.room, id: m.id, display: m.id, audio: true, video: true };
    let answer: PluginEvent;
    try {
      answer = await handle.message(join, offer);
    } catch (err) {
      // 436: Janus still holds a publisher of this id (its old connection): kick it and try once more.
      if (!(err instanceof JanusError && err.code === 436)) throw err;
      await handle.request({ request: "kick", room: group.room, id: m.id }).catch(() => {});
      answer = await handle.message(join, offer);
    }
    if (answer.jsep) this.deps.tell(group.room, m.id, { type: "sfu", pc: "pub", data: { description: answer.jsep } });
    // Whoever is already publishing, this member now receives.
    for (const other of group.members.values()) if (other !== m && other.publishing) this.want(group, m, other.id);
  }

  /** Its publisher ends: Janus offers every subscriber a smaller set, and a new one is subscribed afresh. */
  private unpublish(group: Group, m: MemberMedia) {
    for (const other of group.members.values()) other.subscribed.delete(m.id);
    m.pub.handle?.detach();
    m.pub.handle = null;
    m.pubFingerprint = null;
    m.publishing = false;
  }

  /** `m` should receive `feed`: its subscription grows when no offer of it is out. */
  private want(group: Group, m: MemberMedia, feed: string) {
    m.wanted.add(feed);
    this.queue(m.sub, () => this.renegotiate(group, m));
  }

  private async renegotiate(group: Group, m: MemberMedia) {
    if (m.offerOut || !group.members.has(m.id)) return;
    const add = [...m.wanted].filter((f) => !m.subscribed.has(f) && group.members.get(f)?.publishing);
    if (add.length === 0) return;
    let event: PluginEvent;
    if (!m.sub.handle) {
      await this.roomReady(group);
      const handle = await (await this.janus()).attach();
      m.sub.handle = handle;
      handle.onEvent = (ev) => {
        // Janus offers again by itself when a publisher it forwards leaves.
        if (m.sub.handle === handle && ev.jsep?.type === "offer") this.offer(group, m, ev);
      };
      event = await handle.message({ request: "join", ptype: "subscriber", room: group.room, streams: add.map((feed) => ({ feed })) });
    } else {
      event = await m.sub.handle.message({ request: "update", subscribe: add.map((feed) => ({ feed })) });
    }
    for (const f of add) m.subscribed.add(f);
    if (event.jsep) this.offer(group, m, event);
  }

  private offer(group: Group, m: MemberMedia, event: PluginEvent) {
    const streams: SfuStream[] = [];
    const list = Array.isArray(event.data.streams) ? (event.data.streams as Record<string, unknown>[]) : [];
    for (const s of list) {
      if (s.active === false || typeof s.feed_id !== "string" || (s.type !== "audio" && s.type !== "video")) continue;
      streams.push({ mid: String(s.mid), peer: s.feed_id, kind: s.type });
    }
    m.offerOut = true;
    for (const s of streams) m.streams = [...m.streams.filter((x) => x.mid !== s.mid), s];
    this.deps.tell(group.room, m.id, { type: "sfu", pc: "sub", data: { description: event.jsep as Jsep }, streams });
  }

  private async start(group: Group, m: MemberMedia, answer: Jsep) {
    if (!m.sub.handle) return;
    await m.sub.handle.message({ request: "start" }, answer);
    m.offerOut = false;
    // Lines that came with this offer get the layer chosen for their participant.
    const chosen = [...m.layers.keys()];
    if (chosen.length) await this.applyLayers(m, chosen);
    await this.renegotiate(group, m);
  }

  private forgetMedia(m: MemberMedia) {
    m.pub.handle = m.sub.handle = null;
    m.streams = [];
    m.pubFingerprint = null;
    m.publishing = false;
    m.subscribed.clear();
    m.offerOut = false;
  }

  private release(group: Group, m: MemberMedia) {
    this.unpublish(group, m);
    m.sub.handle?.detach();
    this.forgetMedia(m);
  }

  private close(group: Group) {
    if (group.directTimer) clearTimeout(group.directTimer);
    for (const m of group.members.values()) this.release(group, m);
    this.rooms.delete(group.room);
    this.destroyRoom(group);
  }

  private destroyRoom(group: Group) {
    if (!group.ready || !this.session) return;
    const session = this.session;
    const ready = group.ready;
    group.ready = null;
    ready
      .then(async () => {
        const handle = await (await session).attach();
        await handle.request({ request: "destroy", room: group.room }).catch(() => {});
        handle.detach();
      })
      .catch(() => {});
  }
}
