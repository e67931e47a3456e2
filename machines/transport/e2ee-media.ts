/**
 * End-to-end encryption of the media-server path's media: every frame our publishing connection
 * sends is sealed, every frame our receiving connection gets is opened, in a worker
 * (workers/e2ee.worker.ts, served as /workers/e2ee.js) so the main thread does no crypto.
 *
 * RTCRtpScriptTransform where the browser has it (Chromium since 141, Firefox, Safari);
 * otherwise createEncodedStreams(), whose connections must be made with
 * `encodedInsertableStreams: true` (see `rtcConfig`).
 */
import type { FrameKind } from "../../protocol/e2ee.ts";
import type { KeyRing, RingChange } from "../../protocol/group-keys.ts";
import type { E2eeWorkerMessage } from "../../workers/e2ee.worker.ts";

export const E2EE_WORKER_URL = "/workers/e2ee.js";

interface EncodedStreams {
  readable: ReadableStream;
  writable: WritableStream;
}
type WithStreams = { createEncodedStreams?: () => EncodedStreams };

const hasScriptTransform = () => typeof RTCRtpScriptTransform !== "undefined";

export interface MediaEncryption {
  /** What the connections must be made with for this browser's way of transforming frames. */
  rtcConfig: Partial<RTCConfiguration>;
  sender(sender: RTCRtpSender, kind: FrameKind): void;
  receiver(receiver: RTCRtpReceiver): void;
  close(): void;
}

/**
 * Transforms for a call's media keys, following its key ring as epochs come and go (a key may
 * still be being derived: frames wait for it by being dropped).
 */
export function mediaEncryption(ring: KeyRing): MediaEncryption {
  const worker = new Worker(E2EE_WORKER_URL, { type: "module", name: "e2ee" });
  const post = (msg: E2eeWorkerMessage, transfer: Transferable[] = []) => worker.postMessage(msg, transfer);
  let closed = false;
  // Keys are derived asynchronously: changes reach the worker through one chain, in their order.
  let told: Promise<unknown> = Promise.resolve();
  const tell = (change: RingChange) => {
    told = told
      .then(async () => {
        const msg: E2eeWorkerMessage = change.type === "add" ? { type: "key", epoch: change.epoch, key: await change.keys.media } : change;
        if (!closed) post(msg);
      })
      .catch((err) => console.error("e2ee: no media key", err));
  };
  const unsubscribe = ring.subscribe(tell);
  const script = hasScriptTransform();
  const done = new WeakSet<RTCRtpSender | RTCRtpReceiver>();

  function attach(end: RTCRtpSender | RTCRtpReceiver, side: "send" | "receive", kind: FrameKind) {
    if (done.has(end) || closed) return;
    done.add(end);
    if (script) {
      end.transform = new RTCRtpScriptTransform(worker, { side, kind });
      return;
    }
    const { readable, writable } = (end as unknown as WithStreams).createEncodedStreams!();
    post({ type: "streams", side, kind, readable, writable }, [readable as unknown as Transferable, writable as unknown as Transferable]);
  }

  return {
    rtcConfig: script ? {} : ({ encodedInsertableStreams: true } as Partial<RTCConfiguration>),
    sender: (sender, kind) => attach(sender, "send", kind),
    receiver: (receiver) => attach(receiver, "receive", receiver.track.kind === "audio" ? "audio" : "video"),
    close() {
      closed = true;
      unsubscribe();
      worker.terminate();
    },
  };
}
