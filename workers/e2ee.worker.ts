/**
 * Module Web Worker: the encoded transforms of a group call's media (machines/transport/e2ee-media.ts).
 * Frames we publish are sealed with the media key of the epoch in use, frames we receive opened
 * with the key of the epoch they name (protocol/e2ee.ts, protocol/group-keys.ts). Built to build/public/workers/e2ee.js by scripts/build-worker.ts.
 *
 * Nothing passes unprotected: before the key arrives, outgoing frames are dropped (not sent in
 * the clear) and incoming ones too; an incoming frame that does not open is dropped, never handed
 * to the decoder as it came.
 *
 * Transforms arrive as `rtctransform` events (RTCRtpScriptTransform), or, in a browser without
 * it, as the streams of createEncodedStreams() posted to the worker.
 */
import { type FrameKind, openFrame, sealFrame } from "../protocol/e2ee.ts";

export interface TransformOptions {
  side: "send" | "receive";
  kind: FrameKind;
}

/** A key to open frames of `epoch` with; the epoch to seal with; an epoch no longer opened. */
export type E2eeWorkerMessage =
  | { type: "key"; epoch: number; key: CryptoKey }
  | { type: "use"; epoch: number }
  | { type: "forget"; epoch: number }
  | ({ type: "streams"; readable: ReadableStream; writable: WritableStream } & TransformOptions);

type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

const keys = new Map<number, CryptoKey>();
let current: number | null = null;

function protect(readable: ReadableStream, writable: WritableStream, { side, kind }: TransformOptions) {
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      if (frame.data.byteLength === 0) return controller.enqueue(frame);
      if (side === "send") {
        const key = current === null ? undefined : keys.get(current);
        if (!key || current === null) return;
        frame.data = await sealFrame(key, current, kind, frame.data);
        controller.enqueue(frame);
        return;
      }
      const plain = await openFrame((epoch) => keys.get(epoch), kind, frame.data);
      if (!plain) return;
      frame.data = plain;
      controller.enqueue(frame);
    },
  });
  readable
    .pipeThrough(transform)
    .pipeTo(writable)
    .catch(() => {}); // the connection closed
}

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onrtctransform = (event) => {
  const { readable, writable, options } = event.transformer;
  protect(readable, writable, options as TransformOptions);
};

scope.onmessage = (event: MessageEvent<E2eeWorkerMessage>) => {
  const msg = event.data;
  if (msg.type === "key") return void keys.set(msg.epoch, msg.key);
  if (msg.type === "use") return void (current = msg.epoch);
  if (msg.type === "forget") return void keys.delete(msg.epoch);
  protect(msg.readable, msg.writable, { side: msg.side, kind: msg.kind });
};
