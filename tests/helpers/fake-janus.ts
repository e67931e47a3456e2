/**
 * Janus as far as the server's subscriptions go (signal-server/sfu/group.ts drives it): it answers
 * the VideoRoom requests the server makes and records them. No media; a test brings a publisher's
 * connection up itself (`publisherHandle(id).onUp()`).
 */
import type { Jsep, PluginEvent } from "../../signal-server/sfu/janus.ts";
import { JanusError } from "../../signal-server/sfu/janus.ts";

type Body = Record<string, unknown> & { request?: string };

export class FakeHandle {
  onEvent: (event: PluginEvent) => void = () => {};
  onUp: () => void = () => {};
  onHangup: (reason: string) => void = () => {};
  /** The publisher this handle joined as, if it did. */
  publisher: string | null = null;
  detached = false;
  /** A subscriber's media lines so far. */
  readonly lines: { mid: string; feed_id: string; type: string }[] = [];
  constructor(private readonly janus: FakeJanus) {}
  async request(_body: Body) {
    return {};
  }
  async message(body: Body, _jsep?: Jsep): Promise<PluginEvent> {
    return this.janus.answer(this, body);
  }
  trickle() {}
  detach() {
    this.detached = true;
  }
}

/** Janus as far as subscriptions go: who publishes, and the subscriptions asked for. */
export class FakeJanus {
  alive = true;
  onLost: (why: string) => void = () => {};
  readonly handles: FakeHandle[] = [];
  /** Feeds Janus holds. */
  readonly publishers = new Set<string>();
  /** Every subscriber join or update: the feeds it named. */
  readonly subscriptions: { request: string; feeds: string[] }[] = [];
  /** Every subscriber join or update, as asked: each feed with the layer named for it, if any. */
  readonly asked: { request: string; streams: { feed: string; substream?: number }[] }[] = [];
  /** Every subscriber configure: the video lines (by mid) it changed. */
  readonly configures: { mid: string; send?: boolean; substream?: number }[][] = [];
  async attach() {
    const handle = new FakeHandle(this);
    this.handles.push(handle);
    return handle;
  }
  close() {}
  answer(handle: FakeHandle, body: Body): PluginEvent {
    switch (body.request) {
      case "joinandconfigure":
        handle.publisher = String(body.id);
        this.publishers.add(handle.publisher);
        return { data: { publishers: [] }, jsep: { type: "answer", sdp: "v=0\r\n" } };
      case "join":
      case "update": {
        const list = (body.request === "join" ? body.streams : body.subscribe) as { feed: string; substream?: number }[];
        const feeds = list.map((s) => s.feed);
        this.subscriptions.push({ request: body.request, feeds });
        this.asked.push({ request: body.request, streams: list });
        const missing = feeds.find((f) => !this.publishers.has(f));
        if (missing) throw new JanusError(428, `No such feed (${missing})`);
        // An update appends lines to the handle's (Janus numbers them on), listed with the old ones.
        const first = handle.lines.length;
        handle.lines.push(
          ...feeds.flatMap((feed, i) => [
            { mid: String(first + 2 * i), feed_id: feed, type: "audio" },
            { mid: String(first + 2 * i + 1), feed_id: feed, type: "video" },
          ]),
        );
        const streams = handle.lines;
        return { data: { streams }, jsep: { type: "offer", sdp: "v=0\r\n" } };
      }
      case "configure":
        if (Array.isArray(body.streams)) this.configures.push(body.streams as { mid: string }[]);
        return { data: {} };
      default:
        return { data: {} };
    }
  }
  publisherHandle(id: string) {
    return this.handles.find((h) => h.publisher === id);
  }
}
