/**
 * A client of Janus's WebSocket API (the OneLink server is Janus's only client; browsers never
 * speak to it). One session per Janus server; a handle per publisher or subscriber. Requests are
 * matched to answers by transaction; plugin events that answer no request go to the handle's
 * `onEvent`, and the session's loss (socket closed, Janus gone) to `onLost`.
 */

type Json = Record<string, unknown>;

export interface Jsep {
  type: "offer" | "answer";
  sdp: string;
}

/** What a plugin said: its data, and a description when it brings one. */
export interface PluginEvent {
  data: Json;
  jsep?: Jsep;
}

export class JanusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (msg: Json) => void;
  reject: (err: Error) => void;
  /** "message" requests are acked first and answered by an event later. */
  async: boolean;
  timer: ReturnType<typeof setTimeout>;
}

/** How long Janus may take to answer one request. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Janus drops a session after 60 s without a sign of life. */
const KEEPALIVE_MS = 20_000;

let transactions = 0;
const nextTransaction = () => `t${(++transactions).toString(36)}`;

export class JanusSession {
  private readonly pending = new Map<string, Pending>();
  private readonly handles = new Map<number, JanusHandle>();
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private lost = false;
  id = 0;
  /** The session is gone (Janus stopped, the socket closed): every handle with it. */
  onLost: (why: string) => void = () => {};

  private constructor(
    private readonly ws: WebSocket,
    private readonly secret: string,
  ) {}

  /** Opens a socket to Janus and creates a session on it. */
  static async open(url: string, secret: string): Promise<JanusSession> {
    const ws = new WebSocket(url, "janus-protocol");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Janus at ${url} did not answer`)), REQUEST_TIMEOUT_MS);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`Janus at ${url} could not be reached`));
      };
    });
    const session = new JanusSession(ws, secret);
    ws.onmessage = (e) => session.receive(e.data);
    ws.onclose = () => session.gone("the connection to Janus closed");
    ws.onerror = () => {};
    const created = await session.send({ janus: "create" });
    session.id = Number((created.data as Json).id);
    session.keepalive = setInterval(() => {
      // A Janus that stops answering (hung, or its host unreachable) is as good as gone.
      session.send({ janus: "keepalive", session_id: session.id }).catch(() => {
        if (session.lost) return;
        session.gone("Janus stopped answering");
        ws.close();
      });
    }, KEEPALIVE_MS);
    return session;
  }

  get alive() {
    return !this.lost;
  }

  /** A handle on the VideoRoom plugin. */
  async attach(): Promise<JanusHandle> {
    const res = await this.send({ janus: "attach", session_id: this.id, plugin: "janus.plugin.videoroom" });
    const handle = new JanusHandle(this, Number((res.data as Json).id));
    this.handles.set(handle.id, handle);
    return handle;
  }

  close() {
    if (this.lost) return;
    this.send({ janus: "destroy", session_id: this.id }).catch(() => {});
    this.gone("closed");
    this.ws.close();
  }

  /** @internal */
  forget(handle: JanusHandle) {
    this.handles.delete(handle.id);
  }

  /** @internal Sends one request; resolves with Janus's answer (for "message": the plugin's event). */
  send(body: Json, async = false): Promise<Json> {
    if (this.lost) return Promise.reject(new Error("The Janus session is gone"));
    const transaction = nextTransaction();
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`Janus did not answer ${String(body.janus)} in time`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, { resolve, reject, async, timer });
      this.ws.send(JSON.stringify({ ...body, transaction, apisecret: this.secret }));
    });
  }

  private receive(raw: unknown) {
    let msg: Json;
    try {
      msg = JSON.parse(String(raw)) as Json;
    } catch {
      return;
    }
    const transaction = typeof msg.transaction === "string" ? msg.transaction : "";
    const pending = transaction ? this.pending.get(transaction) : undefined;
    const kind = msg.janus;
    if (pending) {
      if (kind === "ack" && pending.async) return; // the event comes later
      this.pending.delete(transaction);
      clearTimeout(pending.timer);
      if (kind === "error") {
        const error = (msg.error ?? {}) as Json;
        pending.reject(new JanusError(Number(error.code ?? 0), String(error.reason ?? "Janus refused the request")));
        return;
      }
      const data = ((msg.plugindata as Json | undefined)?.data ?? undefined) as Json | undefined;
      if (data && (data.error_code !== undefined || data.error !== undefined)) {
        pending.reject(new JanusError(Number(data.error_code ?? 0), String(data.error ?? "The video room refused the request")));
        return;
      }
      pending.resolve(msg);
      return;
    }
    const handle = this.handles.get(Number(msg.sender));
    if (!handle) return;
    if (kind === "event") {
      const data = ((msg.plugindata as Json | undefined)?.data ?? {}) as Json;
      handle.onEvent({ data, ...(msg.jsep ? { jsep: msg.jsep as Jsep } : {}) });
    } else if (kind === "webrtcup") handle.onUp();
    else if (kind === "hangup") handle.onHangup(String(msg.reason ?? ""));
    else if (kind === "detached") this.handles.delete(handle.id);
  }

  private gone(why: string) {
    if (this.lost) return;
    this.lost = true;
    clearInterval(this.keepalive);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`Janus: ${why}`));
    }
    this.pending.clear();
    this.handles.clear();
    this.onLost(why);
  }
}

export class JanusHandle {
  /** A plugin event that answers no request of ours (a publisher left, an offer renegotiated by Janus). */
  onEvent: (event: PluginEvent) => void = () => {};
  /** Its PeerConnection is up (ICE and DTLS done). */
  onUp: () => void = () => {};
  onHangup: (reason: string) => void = () => {};
  private detached = false;

  constructor(
    private readonly session: JanusSession,
    readonly id: number,
  ) {}

  private base() {
    return { session_id: this.session.id, handle_id: this.id };
  }

  /** A request the plugin answers at once (create, exists, kick, list…): its data. */
  async request(body: Json): Promise<Json> {
    const res = await this.session.send({ janus: "message", ...this.base(), body });
    return ((res.plugindata as Json | undefined)?.data ?? {}) as Json;
  }

  /** A request the plugin answers with an event (join, configure, start, update…). */
  async message(body: Json, jsep?: Jsep): Promise<PluginEvent> {
    const res = await this.session.send({ janus: "message", ...this.base(), body, ...(jsep ? { jsep } : {}) }, true);
    const data = ((res.plugindata as Json | undefined)?.data ?? {}) as Json;
    return { data, ...(res.jsep ? { jsep: res.jsep as Jsep } : {}) };
  }

  /** One of the browser's candidates for this handle's PeerConnection (null: gathering done). */
  trickle(candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null) {
    if (this.detached) return;
    const body = candidate ? { candidate } : { candidate: { completed: true } };
    this.session.send({ janus: "trickle", ...this.base(), ...body }).catch(() => {});
  }

  /** Ends the handle (and its PeerConnection with Janus). */
  detach() {
    if (this.detached) return;
    this.detached = true;
    this.session.forget(this);
    if (this.session.alive) this.session.send({ janus: "detach", ...this.base() }).catch(() => {});
  }
}
