/**
 * The call as the page's components see it (ui/call-context.tsx `deferredView`): while the call's
 * view is first drawn hidden (`hiddenDraw`), they hear of nothing new and read the snapshot they
 * had; once it is drawn, of the latest one, once.
 */
import { expect, test } from "bun:test";
import { assign, createActor, createMachine } from "xstate";
import { deferredView, hiddenDraw } from "../../ui/call-context.tsx";

const counter = createMachine({
  context: { n: 0 },
  on: { INC: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});
const nextTask = () => new Promise((r) => setTimeout(r, 5));

test("while the call's view is drawn hidden, components hear of no change; then of the latest, once", async () => {
  const actor = createActor(counter).start();
  const view = deferredView(actor);
  const heard: number[] = [];
  view.subscribe((s) => heard.push(s.context.n));

  actor.send({ type: "INC" });
  await nextTask();
  expect(heard).toEqual([1]); // not held: in a task of its own, as ever

  hiddenDraw.hold(1_000);
  actor.send({ type: "INC" });
  actor.send({ type: "INC" });
  await nextTask();
  await nextTask();
  expect(heard).toEqual([1]);
  expect(view.getSnapshot().context.n).toBe(1); // what the draw reads does not change under it

  hiddenDraw.release();
  await nextTask();
  expect(heard).toEqual([1, 3]);
  expect(view.getSnapshot().context.n).toBe(3);
  actor.stop();
});

test("a draw that does not finish holds nothing past its limit", async () => {
  const actor = createActor(counter).start();
  const view = deferredView(actor);
  const heard: number[] = [];
  view.subscribe((s) => heard.push(s.context.n));
  hiddenDraw.hold(30);
  actor.send({ type: "INC" });
  await nextTask();
  expect(heard).toEqual([]);
  await Bun.sleep(60);
  expect(heard).toEqual([1]);
  actor.stop();
});
