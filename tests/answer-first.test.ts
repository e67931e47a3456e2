/**
 * Answer first, show later (machines/answer-first.ts): while an answer is expected or being made,
 * what waits for it runs once it has gone, in a task of its own; never later than the hold's limit.
 */
import { describe, expect, test } from "bun:test";
import { createActor, createMachine } from "xstate";
import { AnswerFirst, PictureShown } from "../machines/answer-first.ts";
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

describe("what waits for the page's first remote picture (the panels' code, on either side of a call)", () => {
  test("runs its settling time after the picture shows, in a task of its own, once; after it, its settling time from then", async () => {
    const picture = new PictureShown();
    const ran: string[] = [];
    picture.after(() => ran.push("panels"), 30, 1_000);
    await Bun.sleep(50);
    expect(ran).toEqual([]); // no picture yet
    picture.shown();
    expect(ran).toEqual([]); // not inside the frame's callback
    await nextTask();
    expect(ran).toEqual([]); // nor at once: the other side's picture may still be on its way
    await Bun.sleep(50);
    expect(ran).toEqual(["panels"]);
    picture.shown();
    await Bun.sleep(50);
    expect(ran).toEqual(["panels"]);
    picture.after(() => ran.push("later"), 0, 1_000);
    expect(ran).toEqual(["panels"]);
    await nextTask();
    expect(ran).toEqual(["panels", "later"]);
  });

  test("no picture comes (their camera is off): it runs after its limit; cancelled, never", async () => {
    const picture = new PictureShown();
    const ran: string[] = [];
    picture.after(() => ran.push("panels"), 0, 20);
    const cancel = picture.after(() => ran.push("cancelled"), 0, 20);
    cancel();
    await Bun.sleep(60);
    expect(ran).toEqual(["panels"]);
    picture.shown();
    await nextTask();
    expect(ran).toEqual(["panels"]);
  });
});

describe("a joiner's denoised microphone (media/denoise.ts)", () => {
  /**
   * The denoise actor in a parent that records what it hands back; `make` is counted and resolves
   * when the test says (`ready`, once it has been called).
   */
  function run(gate: AnswerFirst, startMs = 0, heard = true, compiled: Promise<void> = Promise.resolve()) {
    const made: { calls: number; resolve: (d: DenoisedMic) => void; heard: boolean[]; contexts: number } = {
      calls: 0,
      resolve: () => {},
      heard: [],
      contexts: 0,
    };
    // As denoiseMic: the compile, then `ready`, then the context (counted), then what the test resolves.
    const make = async (_mic: MediaStreamTrack, on: boolean, ready: () => Promise<void>) => {
      made.calls++;
      made.heard.push(on);
      await compiled;
      await ready();
      made.contexts++;
      return new Promise<DenoisedMic>((r) => (made.resolve = r));
    };
    const events: string[] = [];
    const parent = createMachine({
      invoke: { id: "denoise", src: denoiseActorOf(make, gate, startMs), input: { mic: { id: "raw" } as MediaStreamTrack, heard } },
      on: { "*": { actions: ({ event }) => void events.push(event.type) } },
    });
    const actor = createActor(parent).start();
    const track = { id: "denoised", stopped: false } as unknown as MediaStreamTrack & { stopped: boolean };
    const pipeline: DenoisedMic = {
      track,
      setActive: () => {},
      setHeard: (on) => void made.heard.push(on),
      stop: () => void ((track as { stopped: boolean }).stopped = true),
    };
    return { events, actor, track, made, ready: () => made.resolve(pipeline) };
  }

  test("its track is handed over only once the other's picture shows, in a task of its own; at once when nothing waits", async () => {
    const idle = run(new AnswerFirst());
    await nextTask();
    idle.ready();
    await nextTask();
    expect(idle.events).toEqual(["DENOISE.TRACK"]);

    const gate = new AnswerFirst();
    const joiner = run(gate);
    await nextTask(); // being made when the offer goes
    gate.hold(1_000); // the offer went
    joiner.ready();
    await nextTask();
    expect(joiner.events).toEqual([]); // the raw microphone is still sent
    gate.release(); // the first remote frame
    expect(joiner.events).toEqual([]);
    await nextTask();
    expect(joiner.events).toEqual(["DENOISE.TRACK"]);
  });

  test("Join pressed before it is made: nothing of it is made until the other's picture shows", async () => {
    const gate = new AnswerFirst();
    const joiner = run(gate, 20);
    gate.hold(1_000); // Join at once: the offer went before the pipeline was begun
    await Bun.sleep(60);
    expect(joiner.made.calls).toBe(0);
    gate.release(); // the first remote frame
    await nextTask();
    expect(joiner.made.calls).toBe(1);
    joiner.ready();
    await nextTask();
    expect(joiner.events).toEqual(["DENOISE.TRACK"]);
  });

  test("begun before Join and still compiling then: its AudioContext waits for the other's picture", async () => {
    const gate = new AnswerFirst();
    let compile = () => {};
    const joiner = run(gate, 20, true, new Promise<void>((r) => (compile = r)));
    await Bun.sleep(40); // begun: the wasm compiles
    expect(joiner.made.calls).toBe(1);
    gate.hold(1_000); // Join
    compile();
    await nextTask();
    expect(joiner.made.contexts).toBe(0);
    gate.release(); // the first remote frame
    await nextTask();
    expect(joiner.made.contexts).toBe(1);
  });

  test("on the pre-join screen for longer than its delay, it is made before Join, once", async () => {
    const person = run(new AnswerFirst(), 20);
    expect(person.made.calls).toBe(0);
    await Bun.sleep(60);
    expect(person.made.calls).toBe(1);
    person.ready();
    await nextTask();
    expect(person.events).toEqual(["DENOISE.TRACK"]);
  });

  test("made while nobody may hear us, it is made asleep; told while it is being made, it follows the latest word", async () => {
    const alone = run(new AnswerFirst(), 0, false);
    await nextTask();
    expect(alone.made.heard).toEqual([false]);
    alone.actor.getSnapshot().children.denoise!.send({ type: "DENOISE.HEARD", on: true }); // someone came while it was made
    alone.ready();
    await nextTask();
    expect(alone.made.heard).toEqual([false, true]);
    alone.actor.getSnapshot().children.denoise!.send({ type: "DENOISE.HEARD", on: false });
    expect(alone.made.heard).toEqual([false, true, false]);
  });

  test("stopped while it waits: its track is stopped and never handed over; stopped before it starts, nothing is made", async () => {
    const gate = new AnswerFirst();
    const joiner = run(gate);
    await nextTask();
    gate.hold(1_000);
    joiner.ready();
    await nextTask();
    joiner.actor.stop();
    expect(joiner.track.stopped).toBe(true);
    gate.release();
    await nextTask();
    expect(joiner.events).toEqual([]);

    const early = run(new AnswerFirst(), 20);
    early.actor.stop();
    await Bun.sleep(60);
    expect(early.made.calls).toBe(0);
  });
});
