/**
 * Answer first, show later (machines/answer-first.ts): while an answer is expected or being made,
 * what waits for it runs once it has gone, in a task of its own; never later than the hold's limit.
 */
import { describe, expect, test } from "bun:test";
import { createActor, createMachine } from "xstate";
import { AnswerFirst } from "../machines/answer-first.ts";
import { type DenoisedMic, denoiseActorOf } from "../machines/media/denoise.ts";

const nextTask = () => new Promise((r) => setTimeout(r, 5));

test("what waits runs once the answer has gone, in a later task; nothing waits when nothing is held", async () => {
  const gate = new AnswerFirst();
  const ran: string[] = [];
  gate.after(() => ran.push("idle"));
  expect(ran).toEqual(["idle"]);
  gate.hold(1_000);
  gate.after(() => ran.push("toast"));
  gate.after(() => ran.push("chime"));
  await nextTask();
  expect(ran).toEqual(["idle"]);
  gate.release();
  expect(ran).toEqual(["idle"]); // not inside the task that sent the answer
  await nextTask();
  expect(ran).toEqual(["idle", "toast", "chime"]);
});

test("a hold ends by itself after its limit (an offer that never comes)", async () => {
  const gate = new AnswerFirst();
  const ran: string[] = [];
  gate.hold(30);
  gate.after(() => ran.push("toast"));
  expect(gate.held).toBe(true);
  await Bun.sleep(60);
  expect(gate.held).toBe(false);
  expect(ran).toEqual(["toast"]);
});

test("held again before what waited could run: it waits for that answer too", async () => {
  const gate = new AnswerFirst();
  const ran: string[] = [];
  gate.hold(1_000);
  gate.after(() => ran.push("toast"));
  gate.release();
  gate.hold(1_000);
  await nextTask();
  expect(ran).toEqual([]);
  gate.release();
  await nextTask();
  expect(ran).toEqual(["toast"]);
});

describe("a joiner's denoised microphone (media/denoise.ts)", () => {
  /** The denoise actor in a parent that records what it hands back; `make` resolves when the test says. */
  function run(gate: AnswerFirst) {
    const made: { resolve: (d: DenoisedMic) => void } = { resolve: () => {} };
    const make = () => new Promise<DenoisedMic>((r) => (made.resolve = r));
    const events: string[] = [];
    const parent = createMachine({
      invoke: { id: "denoise", src: denoiseActorOf(make, gate), input: { mic: { id: "raw" } as MediaStreamTrack } },
      on: { "*": { actions: ({ event }) => void events.push(event.type) } },
    });
    const actor = createActor(parent).start();
    const track = { id: "denoised", stopped: false } as unknown as MediaStreamTrack & { stopped: boolean };
    const pipeline: DenoisedMic = { track, setActive: () => {}, stop: () => void ((track as { stopped: boolean }).stopped = true) };
    return { events, actor, track, ready: () => made.resolve(pipeline) };
  }

  test("its track is handed over only once the other's picture shows, in a task of its own; at once when nothing waits", async () => {
    const idle = run(new AnswerFirst());
    idle.ready();
    await nextTask();
    expect(idle.events).toEqual(["DENOISE.TRACK"]);

    const gate = new AnswerFirst();
    const joiner = run(gate);
    gate.hold(1_000); // the offer went
    joiner.ready();
    await nextTask();
    expect(joiner.events).toEqual([]); // the raw microphone is still sent
    gate.release(); // the first remote frame
    expect(joiner.events).toEqual([]);
    await nextTask();
    expect(joiner.events).toEqual(["DENOISE.TRACK"]);
  });

  test("stopped while it waits: its track is stopped and never handed over", async () => {
    const gate = new AnswerFirst();
    const joiner = run(gate);
    gate.hold(1_000);
    joiner.ready();
    await nextTask();
    joiner.actor.stop();
    expect(joiner.track.stopped).toBe(true);
    gate.release();
    await nextTask();
    expect(joiner.events).toEqual([]);
  });
});
