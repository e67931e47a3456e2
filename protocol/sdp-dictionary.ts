/**
 * The SDP lines a browser writes the same way in every call (codecs, header extensions,
 * transport flags), in the order Chromium writes them, so a connection code can name a whole run
 * of them with two numbers. Lines not listed here travel as text, so any SDP still round-trips.
 *
 * This list is part of the code format: change it only together with the version in the prefix
 * (see serverless-code.ts), or old and new pages will read each other's codes wrong. A new
 * version only appends, so a page still reads the codes of older versions.
 */

const VIDEO_FEEDBACK = ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"];

/** A video codec with its feedback lines, its format parameters and its retransmission twin. */
function video(pt: number, codec: string, fmtp: string | null, rtx: number | null): string[] {
  return [
    `a=rtpmap:${pt} ${codec}/90000`,
    ...VIDEO_FEEDBACK.map((fb) => `a=rtcp-fb:${pt} ${fb}`),
    ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : []),
    ...(rtx === null ? [] : [`a=rtpmap:${rtx} rtx/90000`, `a=fmtp:${rtx} apt=${pt}`]),
  ];
}

const h264 = (mode: 0 | 1, profile: string) => `level-asymmetry-allowed=1;packetization-mode=${mode};profile-level-id=${profile}`;
const ext = (id: number, uri: string) => `a=extmap:${id} ${uri}`;
const WEBRTC = "http://www.webrtc.org/experiments/rtp-hdrext";

// Chromium's video codecs, each a block of lines; sections list them in the order negotiated.
const VP8 = video(96, "VP8", null, 97);
const H264 = [
  ...video(102, "H264", h264(1, "42001f"), 103),
  ...video(104, "H264", h264(0, "42001f"), 107),
  ...video(108, "H264", h264(1, "42e01f"), 109),
  ...video(114, "H264", h264(0, "42e01f"), 115),
  ...video(116, "H264", h264(1, "4d001f"), 117),
  ...video(39, "H264", h264(0, "4d001f"), 40),
];
const AV1 = video(45, "AV1", "level-idx=5;profile=0;tier=0", 46);
const VP9 = [...video(98, "VP9", "profile-id=0", 99), ...video(100, "VP9", "profile-id=2", 101)];
/** Redundancy and forward error correction, after the codecs. */
const VIDEO_REPAIR = ["a=rtpmap:118 red/90000", "a=rtpmap:119 rtx/90000", "a=fmtp:119 apt=118", "a=rtpmap:120 ulpfec/90000"];

const TRANSPORT = ["c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0"];
const SECTION_FLAGS = ["a=rtcp-mux", "a=rtcp-rsize", "a=rtcp-xr:rcvr-rtt=all"];

const VERSION_1: readonly string[] = [
  "v=0",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1 2",
  "a=extmap-allow-mixed",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
  ...TRANSPORT,
  "a=ice-options:trickle",
  "a=setup:actpass",
  "a=mid:0",
  ext(1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
  ext(2, `${WEBRTC}/abs-send-time`),
  ext(3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
  ext(4, "urn:ietf:params:rtp-hdrext:sdes:mid"),
  "a=sendrecv",
  ...SECTION_FLAGS,
  "a=rtpmap:111 opus/48000/2",
  "a=rtcp-fb:111 transport-cc",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=rtpmap:63 red/48000/2",
  "a=fmtp:63 111/111",
  "a=rtpmap:9 G722/8000",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:13 CN/8000",
  "a=rtpmap:110 telephone-event/48000",
  "a=rtpmap:126 telephone-event/8000",
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120",
  "a=mid:1",
  ext(14, "urn:ietf:params:rtp-hdrext:toffset"),
  ext(2, `${WEBRTC}/abs-send-time`),
  ext(13, "urn:3gpp:video-orientation"),
  ext(3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
  ext(5, `${WEBRTC}/playout-delay`),
  ext(6, `${WEBRTC}/video-content-type`),
  ext(7, `${WEBRTC}/video-timing`),
  ext(8, `${WEBRTC}/color-space`),
  ext(4, "urn:ietf:params:rtp-hdrext:sdes:mid"),
  ext(10, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"),
  ext(11, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"),
  ...VP8,
  ...H264,
  ...AV1,
  ...VP9,
  ...VIDEO_REPAIR,
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "a=mid:2",
  "a=sctp-port:5000",
  "a=max-message-size:262144",
  // Variants that appear in answers, receive-only sections and other browsers.
  "a=setup:active",
  "a=setup:passive",
  "a=recvonly",
  "a=sendonly",
  "a=inactive",
  "a=group:BUNDLE 0 1",
  "a=group:BUNDLE 0",
  "a=ice-options:trickle renomination",
  // What OneLink itself writes (rtp-tuning.ts): Opus tuned for speech, VP8 and VP9 first.
  "a=fmtp:111 minptime=10;useinbandfec=1;stereo=0;sprop-stereo=0",
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 107 108 109 114 115 116 117 39 40 45 46 118 119 120",
];

/** Version 2 adds OneLink's later video order (H264, VP8, VP9, AV1), so that it packs as one run. */
const ADDED_IN_2: readonly string[] = [
  "m=video 9 UDP/TLS/RTP/SAVPF 102 103 104 107 108 109 114 115 116 117 39 40 96 97 98 99 100 101 45 46 118 119 120",
  ...H264,
  ...VP8,
  ...VP9,
  ...AV1,
  ...VIDEO_REPAIR,
];

export const SDP_DICTIONARY: readonly string[] = [...VERSION_1, ...ADDED_IN_2];

/** How many of its lines each code version knows: a later version only appends. */
export const DICTIONARY_SIZE: Readonly<Record<number, number>> = { 1: VERSION_1.length, 2: SDP_DICTIONARY.length };
