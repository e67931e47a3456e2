import { describe, expect, spyOn, test } from "bun:test";
import { assign, createActor, enqueueActions, fromCallback, setup } from "xstate";
import { LAZY_QUEUE_MAX, lazyLogic, LogicShelf } from "../../machines/lazy-logic.ts";

/** A feature: it logs its entry and every ADD with the count it saw in its own snapshot before it, and runs a child. */
const counter = setup({
  types: {
    context: {} as { count: number; log: string[]; from: string },
    input: {} as { from: string },
    events: {} as { type: "ADD"; n: number } | { type: "PING" },
  },
  actors: {
    pinger: fromCallback(({ sendBack }) => {
      sendBack({ type: "PING" });
    }),
  },
}).createMachine({
  context: ({ input }) => ({ count: 0, log: [], from: input.from }),
  entry: assign({ log: ({ context }) => [...context.log, "entry"] }),
  invoke: { src: "pinger" },
  on: {
    ADD: {
      actions: enqueueActions(({ enqueue, event, self }) => {
        const before = self.getSnapshot().context.count;
        enqueue.assign({ count: ({ context }) => context.count + event.n, log: ({ context }) => [...context.log, `add ${event.n} after ${before}`] });
      }),
    },
    PING: { actions: assign({ log: ({ context }) => [...context.log, "ping"] }) },
  },
});

/** A call that runs the feature under a system id, as the call machine runs chat and drawing. */
function call(shelf: LogicShelf) {
  const parent = setup({ actors: { feature: lazyLogic<typeof counter>("counter", shelf) } }).createMachine({
    initial: "on",
    states: { on: { invoke: { id: "feature", systemId: "feature", src: "feature", input: { from: "the call" } }, on: { OFF: "off" } }, off: {} },
  });
  const actor = createActor(parent).start();
  return { actor, feature: () => actor.system.get("feature") as ReturnType<typeof createActor<typeof counter>> | undefined };
}

describe("a logic whose code comes later (machines/lazy-logic.ts)", () => {
  test("events sent before the code are kept, then handled in order, each after the snapshot before it; its child runs", () => {
    const shelf = new LogicShelf();
    const { feature } = call(shelf);
    for (const n of [1, 2, 3]) feature()!.send({ type: "ADD", n });
    expect(shelf.waiting).toBe(1);
    expect(feature()!.getSnapshot().status).toBe("active");
    expect(feature()!.getSnapshot().context.count).toBeUndefined();
    shelf.provide({ counter });
    expect(shelf.waiting).toBe(0);
    const { context } = feature()!.getSnapshot();
    expect(context.from).toBe("the call");
    expect(context.count).toBe(6);
    // Entry first, the child's ping (it starts with the real snapshot), then the kept events, each seeing the count before it.
    expect(context.log).toEqual(["entry", "ping", "add 1 after 0", "add 2 after 1", "add 3 after 3"]);
    feature()!.send({ type: "ADD", n: 4 });
    expect(feature()!.getSnapshot().context.count).toBe(10);
  });

  test("once the code is in, an actor is the real one from its first snapshot", () => {
    const shelf = new LogicShelf();
    shelf.provide({ counter });
    const { feature } = call(shelf);
    expect(feature()!.getSnapshot().context.log).toEqual(["entry", "ping"]);
    expect(shelf.waiting).toBe(0);
  });

  test("an actor stopped before its code came is forgotten, and the code's arrival does not wake it", () => {
    const shelf = new LogicShelf();
    const { actor, feature } = call(shelf);
    const waiting = feature()!;
    waiting.send({ type: "ADD", n: 1 });
    actor.send({ type: "OFF" });
    expect(shelf.waiting).toBe(0);
    expect(waiting.getSnapshot().status).toBe("stopped");
    shelf.provide({ counter });
    expect(waiting.getSnapshot().status).toBe("stopped");
    expect(actor.getSnapshot().value).toBe("off");
  });

  test("a flood before the code keeps the first LAZY_QUEUE_MAX events and says how many it dropped", () => {
    const shelf = new LogicShelf();
    const { feature } = call(shelf);
    for (let i = 0; i < LAZY_QUEUE_MAX + 5; i++) feature()!.send({ type: "ADD", n: 1 });
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    shelf.provide({ counter });
    expect(feature()!.getSnapshot().context.count).toBe(LAZY_QUEUE_MAX);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(["OneLink: 5 events for counter came before its code and were dropped"]);
    warn.mockRestore();
  });
});
