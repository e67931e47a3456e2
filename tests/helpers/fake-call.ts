/**
 * A call whose browser is faked at its edges, for machine tests of the transport's connections
 * (prepared.test.ts, spare.test.ts): the call, transport, peer and connection machines are the
 * real ones; RTCPeerConnection is a fake that records what is done to it (and answers an offer as
 * a browser would: tracks added before it take its lines of their kind); signaling is a fake link
 * whose reports a test tells, and whose sends it reads.
 */
import { afterEach, beforeEach } from "bun:test";
import { type AnyActorRef, assign, createActor, fromCallback } from "xstate";
import type { ReturnIce } from "../../machines/storage.ts";
import { type CallEvent, callMachine } from "../../machines/call/call.ts";
import { hearersOf, type SignalingCommand, type SignalingInput, type SignalingReport } from "../../machines/link/signaling.ts";
import type { LocalMedia } from "../../machines/media/media.ts";
import { type Outgoing, SOFTWARE_ORDER } from "../../machines/transport/rtp-tuning.ts";
import { phaseOf } from "../../ui/selectors.ts";

/** Every fake connection made in the current test, in order. */
export const pcs: FakePc[] = [];
/** The calls made in the current test: stopped after it, so nothing of theirs runs on into the next. */
const live: AnyActorRef[] = [];

type Transceiver = {
  sender: FakeSender;
  receiver: { track: { kind: string } };
  direction: string;
  currentDirection: null;
  /** The line of a remote offer it took (null: none yet), and whether addTrack made it. */
  mid: string | null;
  added: boolean;
  /** Simulcast layers it was made with (addTransceiver's sendEncodings). */
  encodings: unknown[];
};

export interface FakeChannel {
  label: string;
  readyState: string;
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((e: { data: ArrayBuffer }) => void) | null;
  onclose: (() => void) | null;
  /** What the page sent over it. */
  sent: unknown[];
  send(data: unknown): void;
  close(): void;
}

export class FakePc {
  onicecandidate: ((e: { candidate: { toJSON(): object } | null }) => void) | null = null;
  onicecandidateerror: ((e: object) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  ontrack: ((e: { track: FakeTrack }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange = null;
  onsignalingstatechange: (() => void) | null = null;
  localDescription: { type: string; sdp: string } | null = null;
  signalingState = "stable";
  connectionState = "new";
  closed = false;
  remoteDescription: { type: string; sdp: string } | null = null;
  offers = 0;
  answers = 0;
  /** How many times a sender's parameters were read (each tuning of a sender with a track reads them). */
  parametersRead = 0;
  channels: string[] = [];
  replaced: (string | null)[] = [];
  /** How many times a sender was given other streams (setStreams: a browser renegotiates for it). */
  streamsSet = 0;
  transceivers: Transceiver[] = [];
  constructor(public config: RTCConfiguration) {
    pcs.push(this);
  }
  /** The data channels made, by label: a test opens them and sends over them (`open`, `receive`). */
  dataChannels: Record<string, FakeChannel> = {};
  createDataChannel(label: string) {
    this.channels.push(label);
    const channel: FakeChannel = {
      label,
      readyState: "connecting",
      binaryType: "blob",
      onopen: null,
      onmessage: null,
      onclose: null,
      sent: [],
      send(data) {
        channel.sent.push(data);
      },
      close() {},
    };
    this.dataChannels[label] = channel;
    return channel;
  }
  /** The channel `label` opens (both sides' negotiated channels are up). */
  open(label: string) {
    const channel = this.dataChannels[label]!;
    channel.readyState = "open";
    channel.onopen?.();
  }
  /** The other side sends `data` over the channel `label`. */
  receive(label: string, data: Uint8Array) {
    this.dataChannels[label]!.onmessage?.({ data: new Uint8Array(data).buffer });
  }
  /** The connection's state becomes `state`, as the browser tells it. */
  becomes(state: string) {
    this.connectionState = state;
    (this.onconnectionstatechange as (() => void) | null)?.();
  }
  private transceiver(kind: string, track: FakeTrack | null, direction: string, added = false) {
    const sender: FakeSender = {
      track,
      replaceTrack: async (t) => {
        sender.track = t;
        this.replaced.push(t?.id ?? null);
      },
      setStreams: () => {
        this.streamsSet++;
      },
      getParameters: () => {
        this.parametersRead++;
        return { encodings: [] };
      },
      setParameters: async () => {},
    };
    this.transceivers.push({ sender, receiver: { track: { kind } }, direction, currentDirection: null, mid: null, added, encodings: [] });
    return sender;
  }
  addTrack(track: FakeTrack) {
    // After an offer was applied, the line of its kind that sends nothing yet takes the track (as a browser does).
    const free = this.transceivers.find((t) => t.receiver.track.kind === track.kind && t.mid !== null && !t.sender.track);
    if (free) {
      free.sender.track = track;
      free.direction = "sendrecv";
      return free.sender;
    }
    return this.transceiver(track.kind, track, "sendrecv", true);
  }
  /** A kind or a track, as the browser takes either; the transceiver made. */
  addTransceiver(what: string | FakeTrack, init: { direction: string; sendEncodings?: unknown[] }) {
    if (typeof what === "string") this.transceiver(what, null, init.direction);
    else this.transceiver(what.kind, what, init.direction);
    const made = this.transceivers.at(-1)!;
    made.encodings = init.sendEncodings ?? [];
    return made;
  }
  getTransceivers() {
    return this.transceivers;
  }
  getSenders() {
    return this.transceivers.map((t) => t.sender);
  }
  getConfiguration() {
    return this.config;
  }
  setConfiguration(config: RTCConfiguration) {
    this.config = config;
  }
  async setLocalDescription(_made?: { type: string; sdp: string }) {
    if (this.signalingState === "have-remote-offer") {
      this.answers++;
      this.localDescription = { type: "answer", sdp: `v=0\r\no=fake ${pcs.indexOf(this)} ${this.answers}\r\n` };
      // As a browser does: the state's event before the promise resolves.
      this.signalingState = "stable";
      this.onsignalingstatechange?.();
      return;
    }
    this.offers++;
    this.localDescription = { type: "offer", sdp: `v=0\r\no=fake ${pcs.indexOf(this)} ${this.offers}\r\n` };
    this.signalingState = "have-local-offer";
  }
  /**
   * An offer (from `offerSdp`: one audio and one video line) is applied as JSEP says: each line takes
   * a transceiver addTrack made of its kind, or a new receive-only one; their tracks arrive.
   */
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
    if (description.type !== "offer") {
      this.signalingState = "stable";
      this.onsignalingstatechange?.();
      return;
    }
    this.signalingState = "have-remote-offer";
    for (const [mid, kind] of ["audio", "video"].entries()) {
      const added = this.transceivers.find((x) => x.receiver.track.kind === kind && x.added && x.mid === null);
      if (!added) this.transceiver(kind, null, "recvonly");
      (added ?? this.transceivers.at(-1)!).mid = String(mid);
      this.ontrack?.({ track: track(`their-${kind}`, kind as "audio" | "video") });
    }
  }
  async createOffer() {
    return { type: "offer", sdp: `v=0\r\no=fake ${pcs.indexOf(this)} ${this.offers + 1}\r\n` };
  }
  async addIceCandidate() {}
  async getStats() {
    return new Map();
  }
  restartIce() {}
  close() {
    this.closed = true;
    this.signalingState = "closed";
  }
  /** The browser found a candidate (the fake's ICE agent). */
  gather(candidate: string) {
    // As a browser does: the local description lists what was gathered.
    if (this.localDescription) this.localDescription = { ...this.localDescription, sdp: `${this.localDescription.sdp}a=${candidate}\r\n` };
    this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate, sdpMid: "0", sdpMLineIndex: 0 }) } });
  }
}
export interface FakeTrack {
  id: string;
  kind: "audio" | "video";
  enabled: boolean;
  getSettings(): object;
}
interface FakeSender {
  track: FakeTrack | null;
  replaceTrack(t: FakeTrack | null): Promise<void>;
  setStreams(): void;
  getParameters(): { encodings: unknown[] };
  setParameters(): Promise<void>;
}

export const track = (id: string, kind: "audio" | "video"): FakeTrack => ({ id, kind, enabled: true, getSettings: () => ({}) });
export const streamOf = (...tracks: FakeTrack[]) =>
  ({
    id: tracks.map((t) => t.id).join("+"),
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === "audio"),
    getVideoTracks: () => tracks.filter((t) => t.kind === "video"),
  }) as unknown as MediaStream;

export const ICE = [{ urls: ["turn:turn.test:3478"], username: "1:lobby-ab12cd34", credential: "c" }];
/** Microtasks, and the task in which a preparation is made (after the page paints: here, a timer). */
export const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 1));
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** `holdDevices`: the camera and microphone are not ready until `devicesReady()` (else at once). */
/**
 * `guess`: the pre-join screen prepares on a guess when it shows before its peek has answered
 * (setup.ts prepareGuess); not by default, as the tests tell the room (`room`) after the screen shows.
 */
export function harness(opts: { token?: string; returnIce?: ReturnIce; handoverLimit?: number; holdDevices?: boolean; guess?: boolean } = {}) {
  const sent: SignalingCommand[] = [];
  let occupancy: ((o: { people: number; iceServers?: typeof ICE }) => void) | null = null;
  const watched: (string | null)[] = [];
  let stream = streamOf(track("mic-1", "audio"), track("cam-1", "video"));
  let media: ((e: CallEvent) => void) | null = null;
  let held = false;
  let link: SignalingInput | null = null;
  const machine = callMachine.provide({
    actors: {
      warmSocket: fromCallback(() => undefined) as never,
      roomWatch: fromCallback<{ type: string }, { url: string | null }>(({ input, sendBack }) => {
        watched.push(input.url);
        if (input.url) occupancy = (o) => sendBack({ type: "ROOM.OCCUPANCY", capacity: 20, names: [], ...o });
        return () => {
          occupancy = null;
        };
      }) as never,
      localMedia: fromCallback<{ type: string }>(({ sendBack, receive }) => {
        media = sendBack as never;
        receive((e) => {
          if (e.type !== "MEDIA.START") return;
          if (opts.holdDevices) held = true;
          else sendBack({ type: "MEDIA.READY", local: { stream, issue: null } satisfies LocalMedia });
        });
      }) as never,
      signaling: fromCallback<SignalingCommand, SignalingInput>(({ receive, input }) => {
        link = input;
        receive((c) => void sent.push(c));
      }) as never,
    },
    actions: {
      loadSeat: assign({ token: opts.token ?? null, returnIce: opts.returnIce ?? null }),
      saveSeat: () => {},
      forgetSeat: () => {},
      ...(opts.guess ? {} : { prepareGuess: () => {} }),
      showRoomInAddressBar: () => {},
      showHomeInAddressBar: () => {},
    },
    ...(opts.handoverLimit !== undefined ? { delays: { handoverLimit: opts.handoverLimit } } : {}),
  });
  const actor = createActor(machine, { input: { signalingUrl: "ws://test/ws" } }).start();
  live.push(actor);
  const report = (e: SignalingReport) => {
    const transport = actor.system.get("transport");
    for (const to of hearersOf(e)) (to === "call" ? actor : transport)?.send(e as never);
  };
  const signals = () => sent.flatMap((c) => (c.type === "SIGNALING.SEND" && c.msg.type === "signal" ? [c.msg] : []));
  /** What went to the media server (its publishing and receiving connections' signals). */
  const sfuSignals = () => sent.flatMap((c) => (c.type === "SIGNALING.SEND" && c.msg.type === "sfu" ? [c.msg] : []));
  return {
    actor,
    sent,
    signals,
    sfuSignals,
    watched,
    report,
    room: (o: { people: number; iceServers?: typeof ICE }) => occupancy?.(o),
    /** What the link's join would carry (machines/link/socket.ts asks the same): the prepared offer, or none. */
    joinOffer: async () => (await link?.offers?.forJoin()) ?? null,
    /** With `holdDevices`: the camera and microphone asked for are ready now (`outgoing`: with what to send of them, as local media says it). */
    devicesReady: (outgoing?: Outgoing) => {
      if (!held) throw new Error("no devices asked for, or not held");
      held = false;
      media?.({ type: "MEDIA.READY", local: { stream, issue: null, ...(outgoing ? { outgoing } : {}) } });
    },
    /** What local media would say to send of the call's stream. */
    outgoingOf: (s: MediaStream = stream): Outgoing => ({
      audio: s.getAudioTracks()[0] ?? null,
      video: s.getVideoTracks()[0] ?? null,
      extraAudio: null,
      videoMode: "camera",
      maxBitrateKbps: 2500,
      maxFramerate: 30,
      videoCodecs: SOFTWARE_ORDER,
    }),
    /** A device picked on the pre-join screen: the call's stream changes. */
    newStream: (s: MediaStream) => {
      stream = s;
      media?.({ type: "MEDIA.OUTGOING", local: { stream: s, issue: null } });
    },
    phase: () => phaseOf(actor.getSnapshot()),
  };
}

/** A remote offer as the fake reads it (the SDP itself is not parsed). */
export const offer = (n = 1) => ({ description: { type: "offer" as const, sdp: `v=0\r\no=their ${n}\r\n` } });

/** The fake browser for the tests of this file: installed before each, taken away after. */
export function useFakeBrowser() {
  const browser = globalThis as { RTCPeerConnection?: unknown; MediaStream?: unknown };
  beforeEach(() => {
    pcs.length = 0;
    browser.RTCPeerConnection = FakePc;
    // The remote stream a connection fills as tracks arrive.
    browser.MediaStream = class {
      tracks: unknown[] = [];
      addTrack(t: unknown) {
        this.tracks.push(t);
      }
    };
  });
  afterEach(() => {
    for (const actor of live.splice(0)) actor.stop();
    delete browser.RTCPeerConnection;
    delete browser.MediaStream;
  });
}
