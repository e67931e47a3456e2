/**
 * A direct connection's parts as every call has them: the RTCPeerConnection and its negotiated data
 * channels (in the first offer), and the empty sending lines a connection made before the devices
 * are ready starts with. On their own, without the msgpack codec or the machines, so that the
 * page's first script (machines/head-start.ts) can make the pre-join screen's connection on a first
 * visit, which prepared.ts adopts.
 */
import { DataChannelId, FEATURE_CHANNELS, type FeatureChannel } from "../../protocol/channels.ts";
import { mark } from "../timeline.ts";
import { preferCodecs, SOFTWARE_ORDER } from "./codec-order.ts";

/** Candidates gathered before the offer asks for them: ready the moment it is made (a connection made before Join). */
export const CANDIDATE_POOL = 1;

/** A connection's parts as peer-connection.ts wires them: the pc and its negotiated data channels. */
export interface ConnectionParts {
  pc: RTCPeerConnection;
  control: RTCDataChannel;
  features: Map<FeatureChannel, RTCDataChannel>;
}

/** A new connection with the data channels every call has (negotiated, so they are in the first offer). */
export function openConnection(config: RTCConfiguration): ConnectionParts {
  const pc = new RTCPeerConnection({ ...config, bundlePolicy: "max-bundle" });
  const control = pc.createDataChannel("control", { negotiated: true, id: DataChannelId.control });
  control.binaryType = "arraybuffer";
  const features = new Map<FeatureChannel, RTCDataChannel>();
  for (const name of FEATURE_CHANNELS) {
    const channel = pc.createDataChannel(name, { negotiated: true, id: DataChannelId[name] });
    channel.binaryType = "arraybuffer";
    features.set(name, channel);
  }
  return { pc, control, features };
}

/**
 * Devices still starting: a sending line of each kind, in one stream (their sound and picture kept
 * in step), empty until their tracks come (replaceTrack: no renegotiation). Their senders.
 */
export function emptySendingLines(pc: RTCPeerConnection): RTCRtpSender[] {
  const placeholder = new MediaStream();
  return (["audio", "video"] as const).map((kind) => pc.addTransceiver(kind, { direction: "sendrecv", streams: [placeholder] }).sender);
}

/** What a connection made before Join is made for: the relay servers, the relay policy and the codec order. */
export interface ConnectionShape {
  iceServers: readonly unknown[];
  iceTransportPolicy: RTCIceTransportPolicy;
  videoCodecs?: string[];
}

/** One text per shape: a connection made by the page's first script fits a plan with the same (prepared.ts). */
export const shapeKey = (shape: ConnectionShape) =>
  JSON.stringify([shape.iceServers, shape.iceTransportPolicy, (shape.videoCodecs ?? SOFTWARE_ORDER).join(",")]);

/** Our codec order on its lines, then our offer set: resolves true once it is (false: it could not be made). */
export function setOffer(pc: RTCPeerConnection, videoCodecs: string[] = SOFTWARE_ORDER): Promise<boolean> {
  preferCodecs(pc, videoCodecs);
  return pc.setLocalDescription().then(
    () => {
      mark("offer-prepared");
      return true;
    },
    (err: unknown) => {
      console.warn("peer: could not prepare an offer", err);
      return false;
    },
  );
}
