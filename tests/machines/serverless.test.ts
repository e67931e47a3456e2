/**
 * Serverless calls at the machine level: two call actors, each with a fake peer that "gathers"
 * the fixture's Chromium description and candidates, exchange codes the way two people would.
 */
import { describe, expect, test } from "bun:test";
import { createActor, fromCallback, fromPromise } from "xstate";
import { callMachine } from "../../machines/call/call.ts";
import { meshTransport, type TransportEvent } from "../../machines/transport/mesh.ts";
import type { LocalMedia } from "../../machines/media/media.ts";
import type { PeerCommand, PeerInput } from "../../machines/transport/peer.ts";
import { CodesUnreachable, serverlessLink, type ServerlessRole } from "../../machines/link/serverless.ts";
import type { SignalPayload } from "../../protocol/index.ts";
import { type ConnectionCode, encodeCode, unixNow } from "../../protocol/serverless-code.ts";
import { statusText } from "../../ui/selectors.ts";
import fixture from "../fixtures/chromium-sdp.json";

interface FakePeer {
  input: PeerInput;
  received: SignalPayload[];
  controls: PeerCommand[];
  stopped: boolean;
}

/** Says what a real peer would trickle: its description, each candidate, then the end of gathering. */
function gather(kind: "offer" | "answer", say: (data: SignalPayload) => void) {
  say({ description: fixture[kind].description as { type: "offer" | "answer"; sdp: string } });
  for (const candidate of fixture[kind].candidates) say({ candidate });
  say({ candidate: null });
}

/** `actors`: the link's own code reader or maker, replaced (to fail as a site gone would make them). */
function person(
  role: ServerlessRole,
  actors: { decode?: ReturnType<typeof fromPromise<never, unknown>>; encode?: ReturnType<typeof fromPromise<string, unknown>> } = {},
) {
  const peers: FakePeer[] = [];
  const copied: string[] = [];
  const machine = callMachine.provide({
    actors: {
      // The local media machine answers MEDIA.START with MEDIA.READY (here: nothing to send).
      localMedia: fromCallback(({ sendBack, receive }) =>
        receive((e) => e.type === "MEDIA.START" && sendBack({ type: "MEDIA.READY", local: { stream: null, issue: null } satisfies LocalMedia })),
      ) as never,
      signaling: fromCallback(() => {
        throw new Error("a serverless call must not open the signaling link");
      }) as never,
      serverlessLink: serverlessLink.provide({
        actors: { copyText: fromPromise<void, string>(async ({ input }) => void copied.push(input)), ...(actors as Record<string, never>) },
      }),
      transport: meshTransport.provide({
        actors: {
          peer: fromCallback<PeerCommand, PeerInput>(({ input, receive, sendBack }) => {
            const record: FakePeer = { input, received: [], controls: [], stopped: false };
            peers.push(record);
            const say = (data: SignalPayload) => sendBack({ type: "PEER.SIGNAL_OUT", peer: input.peer, session: input.session, data } as TransportEvent);
            receive((c) => {
              if (c.type !== "PEER.SIGNAL_IN") return void record.controls.push(c);
              record.received.push(c.data);
              // Our offer is answered only by the answerer's peer, created from that offer.
              if ("description" in c.data && c.data.description.type === "offer") queueMicrotask(() => gather("answer", say));
            });
            if (input.firstSignal) record.received.push(input.firstSignal);
            if (input.firstSignal && "description" in input.firstSignal) queueMicrotask(() => gather("answer", say));
            if (input.initiator) queueMicrotask(() => gather("offer", say));
            return () => (record.stopped = true);
          }) as never,
        },
      }),
    },
    actions: { loadSeat: () => {}, saveSeat: () => {}, forgetSeat: () => {}, showRoomInAddressBar: () => {}, showHomeInAddressBar: () => {} },
    delays: { presumedGone: 40 },
  });
  const actor = createActor(machine, { input: { signalingUrl: "ws://nowhere/ws" } }).start();
  actor.send({ type: "START_SERVERLESS", role });
  const view = () => actor.getSnapshot().context.serverless!;
  const status = () => statusText(actor.getSnapshot());
  /** What a peer connection reports goes to the transport, as it does in the app. */
  const fromPeer = (e: TransportEvent) => actor.system.get("transport")!.send(e);
  return { actor, fromPeer, peers, copied, view, status };
}

async function until(what: string, check: () => boolean, timeout = 3_000) {
  const end = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("serverless call", () => {
  test("offer code, answer code, connected: one peer each, no server, statuses say what to do next", async () => {
    const a = person("offerer");
    const b = person("answerer");
    await until("B to ask for the offer code", () => b.status() === "Paste the offer code");
    await until("A's offer code", () => a.view().code !== null);
    expect(a.status()).toBe("Share this offer code, then paste the answer code");
    expect(a.view().code).toMatch(/^OL2o\./);
    expect(a.peers).toHaveLength(1);
    expect(a.peers[0]!.input).toMatchObject({ peer: "answerer", initiator: true, polite: true, noServer: true, iceServers: [] });

    b.actor.send({ type: "CODE.PASTE", code: a.view().code! });
    await until("B's answer code", () => b.view().code !== null);
    expect(b.status()).toBe("Share this answer code");
    expect(b.view().code).toMatch(/^OL2a\./);
    expect(b.peers).toHaveLength(1);
    const bPeer = b.peers[0]!;
    expect(bPeer.input).toMatchObject({ peer: "offerer", initiator: false, polite: false, noServer: true });
    // The offer as the first signal, then its candidates and the end of them, in order.
    expect(bPeer.received[0]).toEqual({ description: fixture.offer.description as never });
    expect(bPeer.received).toHaveLength(fixture.offer.candidates.length + 2);
    expect(bPeer.received.at(-1)).toEqual({ candidate: null });

    a.actor.send({ type: "CODE.PASTE", code: b.view().code! });
    await until("A to apply the answer", () => a.peers[0]!.received.length === fixture.answer.candidates.length + 2);
    expect(a.peers[0]!.received[0]).toEqual({ description: fixture.answer.description as never });
    expect(a.status()).toBe("Connecting…");

    for (const p of [a, b]) p.fromPeer({ type: "PEER.STATUS", peer: p.peers[0]!.input.peer, status: "connected" });
    expect(a.status()).toBe("Connected · 2 people");
    expect(b.status()).toBe("Connected · 2 people");
    expect(a.view().connected).toBe(true);
    // A later drop reads as one, not as "share this code"; with no server to say so, a connection
    // that stays lost means they are gone (a closed tab), and one that comes back resumes the call.
    b.fromPeer({ type: "PEER.STATUS", peer: "offerer", status: "unstable" });
    expect(b.status()).toBe("Reconnecting…");
    await until("B to presume A gone", () => b.status() === "The other person left the call");
    b.fromPeer({ type: "PEER.STATUS", peer: "offerer", status: "connected" });
    expect(b.status()).toBe("Connected · 2 people");
    a.actor.stop();
    b.actor.stop();
  });

  test("the code reader failing to load (the site gone before it was kept) says so and waits, not 'checking' for ever", async () => {
    const b = person("answerer", {
      decode: fromPromise<never, unknown>(async () => {
        throw new TypeError("Failed to fetch dynamically imported module");
      }),
    });
    await until("B waiting for an offer", () => b.view().stage === "awaitingOffer");
    b.actor.send({ type: "CODE.PASTE", code: "OL2o.whatever" });
    await until("an error", () => b.view().error !== null);
    expect(b.view().error).toMatch(/could not load the part of OneLink that reads codes/);
    expect(b.view().stage).toBe("awaitingOffer");
    expect(b.status()).toBe("Paste the offer code");
    expect(b.peers).toHaveLength(0);
    b.actor.stop();
  });

  test("the code maker failing to load says so and keeps what was gathered: Try again makes the code from it, with no new peer", async () => {
    let attempts = 0;
    const a = person("offerer", {
      encode: fromPromise<string, Omit<ConnectionCode, "created">>(async ({ input }) => {
        if (++attempts === 1) throw new CodesUnreachable("TypeError: Failed to fetch dynamically imported module");
        return encodeCode({ ...input, created: unixNow() });
      }) as never,
    });
    await until("an error", () => a.view().error !== null);
    expect(a.view().stage).toBe("unreachable");
    expect(a.status()).toMatch(/could not load the part of OneLink that makes codes: the site cannot be reached\. Try again once you are online/);
    expect(a.view().code).toBeNull();
    a.actor.send({ type: "CODE.PASTE", code: "OL2a.early" }); // no answer before our offer
    expect(a.view().stage).toBe("unreachable");

    a.actor.send({ type: "CODE.RETRY" });
    await until("A's offer code", () => a.view().code !== null);
    expect(attempts).toBe(2);
    expect(a.view().code).toMatch(/^OL2o\./);
    expect(a.view().error).toBeNull();
    expect(a.status()).toBe("Share this offer code, then paste the answer code");
    expect(a.peers).toHaveLength(1);
    a.actor.stop();
  });

  test("a code that cannot be made for another reason says to reload, with no Try again", async () => {
    const a = person("offerer", {
      encode: fromPromise<string, unknown>(async () => {
        throw new RangeError("too long");
      }),
    });
    await until("an error", () => a.view().error !== null);
    expect(a.view().stage).toBe("failed");
    expect(a.status()).toBe("This browser could not prepare a connection code. Reload the page and try again.");
    a.actor.send({ type: "CODE.RETRY" });
    expect(a.view().stage).toBe("failed");
    a.actor.stop();
  });

  test("bad codes are refused with a message and the exchange waits for a good one", async () => {
    const a = person("offerer");
    const b = person("answerer");
    await until("A's offer code", () => a.view().code !== null);
    const offer = a.view().code!;

    b.actor.send({ type: "CODE.PASTE", code: "definitely not a code" });
    await until("an error", () => b.view().error !== null);
    expect(b.view().error).toMatch(/not a OneLink code/);
    expect(b.status()).toBe("Paste the offer code");
    expect(b.peers).toHaveLength(0);

    b.actor.send({ type: "CODE.PASTE", code: offer.slice(0, offer.length / 2) });
    await until("a truncation error", () => /incomplete/.test(b.view().error ?? ""));

    // A pastes their own offer code where the answer goes.
    a.actor.send({ type: "CODE.PASTE", code: offer });
    await until("a direction error", () => /This is an offer code/.test(a.view().error ?? ""));
    expect(a.peers[0]!.received).toHaveLength(0);

    // An answer to another offer (say, from an earlier tab) is refused too.
    const other = person("offerer");
    await until("the other offer code", () => other.view().code !== null);
    b.actor.send({ type: "CODE.PASTE", code: other.view().code! });
    await until("B's answer", () => b.view().code !== null);
    expect(b.view().error).toBeNull();
    a.actor.send({ type: "CODE.PASTE", code: b.view().code! });
    await until("a stale-answer error", () => /different offer code/.test(a.view().error ?? ""));
    expect(a.status()).toBe("Share this offer code, then paste the answer code");
    expect(a.peers[0]!.received).toHaveLength(0);
    for (const p of [a, b, other]) p.actor.stop();
  });

  test("Copy puts our code on the clipboard through the link; hang up and rejoin starts a new exchange", async () => {
    const a = person("offerer");
    await until("A's offer code", () => a.view().code !== null);
    const first = a.view().code!;
    a.actor.send({ type: "CODE.COPY" });
    await until("copied", () => a.view().copied);
    expect(a.copied).toEqual([first]);

    a.actor.send({ type: "HANG_UP" });
    expect(a.peers[0]!.stopped).toBe(true);
    a.actor.send({ type: "REJOIN" });
    await until("a new offer code", () => a.view().code !== null && a.view().code !== first);
    expect(a.peers).toHaveLength(2);
    expect(a.peers[1]!.input.session).not.toBe(a.peers[0]!.input.session);
    a.actor.send({ type: "EXIT" });
    expect(a.actor.getSnapshot().matches("idle")).toBe(true);
    a.actor.stop();
  });
});
