/**
 * A lean sender for bench/group (bundled by run.ts and served by it with the app's built e2ee
 * worker; not part of the app). It is one more person in the room as the server and the others see it:
 *
 *   wire      the app's own socket actor (machines/link/socket.ts): `join`, the msgpack codec,
 *             pings, and relayed group messages sealed with the link's message key;
 *   publish   the app's own media-server actor (machines/transport/sfu.ts): one publishing
 *             connection, audio and video in the app's three simulcast layers (rids h, m, l),
 *             every frame sealed in the app's e2ee worker (/workers/e2ee.js) with the link's media
 *             key, so that the viewers open and decode it;
 *   name      a `media-state` with its name on the control channel, relayed to everyone when it
 *             joins and to each newcomer, as the app tells a participant (so tiles read "Bot N").
 *
 * What it leaves out is what makes a full page cost ~20% of a core on the bench's machine: it
 * receives nothing (the server's offers of its subscription are never answered, so Janus sends it
 * no audio and no video), renders nothing, runs no noise suppression or background effects, and
 * takes no part in the key exchange (it seals with the link's own keys, epoch 0, which every page
 * keeps: enough while nobody leaves). Its camera is Chromium's fake device; its microphone is
 * WebAudio (run.ts --bot-mic): silence, as a listener's is after the app's noise suppression (18 of
 * 20 people in a call are listening), which Opus's DTX sends as a packet every 400 ms; or room
 * noise, unprocessed; or a tone that never stops (the bench before 1 Dec: 16 people talking at once).
 *
 * One page holds several bots (each `startBot` call adds one): they share the page's renderer,
 * its WebRTC threads, one capture of the fake camera (each bot sends its own clone of the track)
 * and one AudioContext (its room noise, or an oscillator each), where a page per bot made each of these once per bot.
 */
import { createActor, enqueueActions, setup, type ActorRefFrom } from "xstate";
import { socketActor, type SocketEvent } from "../../machines/link/socket.ts";
import { type SfuEvent, sfuActor } from "../../machines/transport/sfu.ts";
import { deriveKeys } from "../../protocol/e2ee.ts";
import { KeyRing } from "../../protocol/group-keys.ts";
import type { IceServer } from "../../protocol/messages.ts";
import { encodeControl } from "../../protocol/peer-wire.ts";

export interface BotOptions {
  /** The OneLink server (its /ws), which lets the bot page's origin in (ALLOWED_ORIGINS). */
  server: string;
  room: string;
  /** The link's secret (its fragment). */
  secret: string;
  name: string;
  width: number;
  height: number;
  frameRate: number;
  /** What its microphone hears: nothing (zeros), room noise (~-60 dBFS), or a tone of `tone` Hz. */
  mic: "noise" | "silence" | "tone";
  tone: number;
}

/** What the bench reads of a bot (`startBot`'s result). */
export interface BotStatus {
  self: string | null;
  mode: string | null;
  pub: RTCPeerConnectionState | "new";
  /** Offers of a subscription the server made, left unanswered (the bot receives nothing). */
  subOffersIgnored: number;
  /** Participants told our name. */
  told: number;
  errors: string[];
}

/** The connections the app's actors make here (read by `botStats`). */
const connections: RTCPeerConnection[] = [];
const NativeConnection = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativeConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    connections.push(this);
  }
};

/** Each bot's camera track (its own clone), by name: its publishing connection is the one sending it. */
const cameras = new Map<string, MediaStreamTrack>();

/** The media server's Opus parameters for what we send (`usedtx=1`: discontinuous transmission). */
const opusFmtp = (sdp: string) => {
  const pt = /a=rtpmap:(\d+) opus\//i.exec(sdp)?.[1];
  return pt ? (new RegExp(`a=fmtp:${pt} (.*)`).exec(sdp)?.[1]?.trim() ?? "") : "";
};

/**
 * What each simulcast layer of a bot's camera has sent so far (when a viewer sees no picture of it),
 * and its microphone's line (kind "audio": packets sent).
 */
async function botStats(name: string): Promise<Record<string, unknown>[]> {
  const layers: Record<string, unknown>[] = [];
  const camera = cameras.get(name);
  for (const pc of connections) {
    if (pc.connectionState === "closed" || !pc.getSenders().some((s) => s.track === camera)) continue;
    (await pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type !== "outbound-rtp") return;
      const { kind, rid, frameWidth, framesSent, packetsSent, keyFramesEncoded, pliCount, firCount, nackCount, bytesSent, qualityLimitationReason, active } = r;
      if (kind === "audio") layers.push({ kind, packetsSent, bytesSent, opus: opusFmtp(pc.remoteDescription?.sdp ?? "") });
      else layers.push({ kind, rid, frameWidth, framesSent, keyFramesEncoded, pliCount, firCount, nackCount, bytesSent, qualityLimitationReason, active });
    });
  }
  return layers;
}
(window as unknown as { botStats: typeof botStats }).botStats = botStats;

interface BotContext {
  status: BotStatus;
  options: BotOptions;
  ring: KeyRing;
  stream: MediaStream;
  sfu: ActorRefFrom<typeof sfuActor> | null;
}

const botMachine = setup({
  types: {
    input: {} as Omit<BotContext, "sfu">,
    context: {} as BotContext,
    events: {} as SocketEvent | SfuEvent,
  },
  actors: { socket: socketActor, sfu: sfuActor },
}).createMachine({
  id: "bot",
  context: ({ input }) => ({ ...input, sfu: null }),
  invoke: {
    id: "socket",
    src: "socket",
    input: ({ context }) => ({
      url: `${context.options.server.replace(/^http/, "ws")}/ws`,
      room: context.options.room,
      messageKeys: context.ring,
      // It receives nothing: it asks for no more than the lowest layer of anyone, so that it keeps
      // no publisher's higher layers on (dynacast) that no screen shows.
      layer: 0,
    }),
  },
  on: {
    "SOCKET.MESSAGE": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const msg = event.msg;
        /** Our name, as the app says it: a media-state on the control channel, relayed by the server. */
        const announce = (peer?: string) => {
          status.told++;
          const data = encodeControl({ type: "media-state", audio: true, video: true, name: context.options.name });
          enqueue.sendTo("socket", { type: "SOCKET.SEND", msg: { type: "relay", channel: "control", data, ...(peer ? { peer } : {}) } });
        };
        const startPublishing = (iceServers: IceServer[]) =>
          enqueue.assign(({ spawn }) => ({
            sfu: spawn("sfu", { input: { iceServers, iceTransportPolicy: "all", stream: context.stream, extraAudio: null, keys: context.ring, view: null } }),
          }));
        const status = context.status;
        switch (msg.type) {
          case "joined":
            status.self = msg.self;
            status.mode = msg.mode;
            if (msg.mode !== "sfu") status.errors.push("joined a call of two: a bot only joins a group (the 4th person or later)");
            else if (!context.sfu) startPublishing(msg.iceServers);
            announce();
            return;
          case "peer-joined":
            announce(msg.peer);
            return;
          case "mode":
            status.mode = msg.mode;
            return;
          case "sfu":
            if (msg.pc === "sub") {
              if ("description" in msg.data) status.subOffersIgnored++;
              return; // never answered: Janus sends us nothing
            }
            if (context.sfu) enqueue.sendTo(context.sfu, { type: "SFU.SIGNAL_IN", pc: "pub", data: msg.data });
            return;
          case "sfu-layers":
            if (context.sfu) enqueue.sendTo(context.sfu, { type: "SFU.LAYERS", max: msg.max });
            return;
          case "error":
            status.errors.push(`${msg.code}: ${msg.text}`);
            return;
        }
      }),
    },
    "SOCKET.CLOSED": { actions: ({ context, event }) => context.status.errors.push(`socket closed: ${event.code} ${event.reason}`) },
    "SFU.SIGNAL_OUT": {
      actions: enqueueActions(({ event, enqueue }) => {
        if (event.pc === "pub") enqueue.sendTo("socket", { type: "SOCKET.SEND", msg: { type: "sfu", pc: "pub", data: event.data } });
      }),
    },
    "SFU.STATE": {
      actions: ({ context, event }) => {
        if (event.pc === "pub") context.status.pub = event.state;
      },
    },
  },
});

/**
 * The page's one capture of the fake camera and one AudioContext, shared by its bots, with one
 * room-noise and one silent microphone (each bot sends its own clone of the one it uses).
 */
let shared: Promise<{ camera: MediaStreamTrack; audio: AudioContext; noise: MediaStreamTrack; silence: MediaStreamTrack }> | null = null;
function sharedMedia(options: BotOptions) {
  shared ??= (async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: options.width, height: options.height, frameRate: options.frameRate },
      audio: false,
    });
    const audio = new AudioContext();
    await audio.resume(); // the bench's browsers allow autoplay; this only makes sure
    // Room noise: white noise at about -60 dBFS (rms), a quiet room through a laptop's microphone.
    const buffer = audio.createBuffer(1, audio.sampleRate * 2, audio.sampleRate);
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) samples[i] = (Math.random() * 2 - 1) * 0.0017;
    const source = audio.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    const noise = audio.createMediaStreamDestination();
    source.connect(noise);
    source.start();
    // Silence: zeros (a destination with nothing connected sends no audio at all, not even silence).
    const zero = audio.createConstantSource();
    zero.offset.value = 0;
    const silence = audio.createMediaStreamDestination();
    zero.connect(silence);
    zero.start();
    return { camera: stream.getVideoTracks()[0]!, audio, noise: noise.stream.getAudioTracks()[0]!, silence: silence.stream.getAudioTracks()[0]! };
  })();
  return shared;
}

/** A bot's microphone (see BotOptions.mic). */
function microphone(media: Awaited<ReturnType<typeof sharedMedia>>, options: BotOptions): MediaStreamTrack {
  if (options.mic !== "tone") return media[options.mic].clone();
  const tone = media.audio.createOscillator();
  tone.frequency.value = options.tone;
  const quiet = media.audio.createGain();
  quiet.gain.value = 0.05;
  const out = media.audio.createMediaStreamDestination();
  tone.connect(quiet).connect(out);
  tone.start();
  return out.stream.getAudioTracks()[0]!;
}

/**
 * One more bot in this page: joins, publishes, and resolves once its publishing connection is up
 * (rejects on an error or after `timeoutMs`).
 */
async function startBot(options: BotOptions, timeoutMs = 120_000): Promise<BotStatus> {
  const media = await sharedMedia(options);
  const video = media.camera.clone();
  cameras.set(options.name, video);
  const stream = new MediaStream([microphone(media, options), video]);
  const ring = new KeyRing(deriveKeys(options.secret, options.room), options.room);
  const status: BotStatus = { self: null, mode: null, pub: "new", subOffersIgnored: 0, told: 0, errors: [] };
  createActor(botMachine, { input: { status, options, ring, stream } }).start();
  const started = performance.now();
  while (status.pub !== "connected") {
    if (status.errors.length || status.pub === "failed" || performance.now() - started > timeoutMs)
      throw new Error(`bot ${options.name} not publishing: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

(window as unknown as { startBot: typeof startBot }).startBot = startBot;
