import { describe, expect, test } from "bun:test";
import { createActor, fromPromise, SimulatedClock } from "xstate";
import { burstToast, chatPreview, notificationsMachine, PREVIEW_CHARS, TOAST_LIMIT, TOASTS } from "../../machines/features/notifications.ts";

function harness(opts: { copy?: () => Promise<void>; share?: () => Promise<void>; canShare?: boolean } = {}) {
  const sounds: string[] = [];
  const shared: string[] = [];
  const machine = notificationsMachine.provide({
    actions: { arrivalSound: () => void sounds.push("up"), departureSound: () => void sounds.push("down") },
    actors: {
      copyText: fromPromise<void, string>(() => (opts.copy ?? (() => Promise.resolve()))()),
      shareLink: fromPromise<void, string>(({ input }) => {
        shared.push(input);
        return (opts.share ?? (() => Promise.resolve()))();
      }),
    },
    guards: { canShare: () => opts.canShare ?? true },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { clock, input: {} }).start();
  const texts = () => actor.getSnapshot().context.toasts.map((t) => t.text);
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { actor, clock, sounds, shared, texts, settle };
}

describe("notifications", () => {
  test("arrivals and departures chime and show a toast that goes after five seconds", () => {
    const h = harness();
    h.actor.send({ type: "NOTIFY.ARRIVED" });
    expect(h.sounds).toEqual(["up"]);
    expect(h.texts()).toEqual([TOASTS.arrived]);
    h.clock.increment(1_000);
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "left", who: "Grace" });
    h.clock.increment(3_000); // another burst
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "gone", who: "Linus" });
    expect(h.sounds).toEqual(["up", "down", "down"]);
    expect(h.texts()).toEqual([TOASTS.arrived, "Grace hung up", "Linus left"]);
    // The status line says who left; their toasts are shown but not announced a second time.
    expect(h.actor.getSnapshot().context.toasts.map((t) => t.quiet)).toEqual([false, true, true]);
    h.clock.increment(1_000);
    expect(h.texts()).toEqual(["Grace hung up", "Linus left"]);
    h.clock.increment(4_000);
    expect(h.texts()).toEqual([]);
  });

  test('a participant with a name is named in their toasts; one without is "the other person"', () => {
    const h = harness();
    h.actor.send({ type: "NOTIFY.ARRIVED", who: "Ada" });
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "left", who: "Ada" });
    h.clock.increment(2_000);
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "gone", who: "Grace" });
    // Ada's arrival toast went when she hung up: two toasts never say opposite things.
    expect(h.texts()).toEqual(["Ada hung up", "Grace left"]);
    h.actor.send({ type: "NOTIFY.ARRIVED", who: null });
    expect(h.texts().at(-1)).toBe(TOASTS.arrived);
  });

  test('a later toast about the same person replaces the earlier one: "hung up" then "is here" leaves only "is here"', () => {
    const h = harness();
    h.actor.send({ type: "NOTIFY.ARRIVED" });
    h.clock.increment(2_500);
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "left" });
    expect(h.texts()).toEqual([TOASTS.hungUp]);
    h.clock.increment(2_500);
    h.actor.send({ type: "NOTIFY.ARRIVED" });
    expect(h.texts()).toEqual([TOASTS.arrived]);
    // The replaced toast's timer went with it: the new one stays its full five seconds.
    h.clock.increment(4_900);
    expect(h.texts()).toEqual([TOASTS.arrived]);
    h.clock.increment(100);
    expect(h.texts()).toEqual([]);
    // Someone else's news is not touched; a chat preview is not either.
    h.actor.send({ type: "NOTIFY.SHOW", text: chatPreview("Ada", "hello"), action: "openChat" });
    h.actor.send({ type: "NOTIFY.ARRIVED", who: "Grace" });
    h.clock.increment(2_500);
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "gone", who: "Ada" });
    expect(h.texts()).toEqual(["Ada: hello", "Grace is here", "Ada left"]);
  });

  test("the chat opened another way: every chat preview goes, other toasts stay", () => {
    const h = harness();
    h.actor.send({ type: "NOTIFY.SHOW", text: chatPreview("Ada", "one"), action: "openChat" });
    h.actor.send({ type: "NOTIFY.ARRIVED", who: "Grace" });
    h.actor.send({ type: "NOTIFY.SHOW", text: chatPreview("Ada", "two"), action: "openChat" });
    expect(h.texts()).toEqual(["Ada: one", "Grace is here", "Ada: two"]);
    h.actor.send({ type: "NOTIFY.DISMISS_ACTION", action: "openChat" });
    expect(h.texts()).toEqual(["Grace is here"]);
  });

  test("a chat preview names the sender and shows the start of the text, on one line", () => {
    expect(chatPreview("Ada", "  see\n you   soon ")).toBe("Ada: see you soon");
    expect(chatPreview(undefined, "hi")).toBe("Someone: hi");
    const long = chatPreview("Ada", "x".repeat(200));
    expect([...long].length).toBe("Ada: ".length + PREVIEW_CHARS);
    expect(long.endsWith("…")).toBe(true);
  });

  test("many arrivals at once make one chime and one toast naming them; a departure with others still here is announced", () => {
    const h = harness();
    for (const who of ["Ada", "Grace", null, "Linus", "Alan"]) {
      h.actor.send({ type: "NOTIFY.ARRIVED", who });
      h.clock.increment(1_500); // each within the burst of the one before
    }
    expect(h.sounds).toEqual(["up"]);
    expect(h.texts()).toEqual(["Ada, Grace and 3 others are here"]);
    h.clock.increment(5_000);
    expect(h.texts()).toEqual([]);
    // A quiet moment later, a new burst chimes again.
    h.actor.send({ type: "NOTIFY.ARRIVED", who: "Barbara" });
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "left", who: "Ada", quiet: false });
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "left", who: "Grace", quiet: false });
    expect(h.sounds).toEqual(["up", "up", "down"]);
    expect(h.texts()).toEqual(["Barbara is here", "Ada and Grace hung up"]);
    expect(h.actor.getSnapshot().context.toasts.map((t) => t.quiet)).toEqual([false, false]);
    // An arrival between two departures ends their run: each is news (a chime and a toast of its own).
    h.actor.send({ type: "NOTIFY.ARRIVED", who: "Ada" });
    h.actor.send({ type: "NOTIFY.DEPARTED", reason: "left", who: "Ada", quiet: false });
    expect(h.sounds).toEqual(["up", "up", "down", "up", "down"]);
    // Each replaces the toast before it that named Ada.
    expect(h.texts()).toEqual(["Barbara is here", "Ada hung up"]);
  });

  test("a burst in words", () => {
    expect(burstToast("arrived", ["Ada", "Grace"], "left")).toBe("Ada and Grace are here");
    expect(burstToast("arrived", [null, null, null], "left")).toBe("3 people are here");
    expect(burstToast("departed", ["Ada", null], "gone")).toBe("Ada and 1 other left");
    expect(burstToast("departed", ["Ada"], "gone")).toBe("Ada left");
  });

  test(`at most ${TOAST_LIMIT} toasts at once: the oldest goes first`, () => {
    const h = harness();
    for (const n of [1, 2, 3, 4]) h.actor.send({ type: "NOTIFY.SHOW", text: `t${n}` });
    expect(h.texts()).toEqual(["t2", "t3", "t4"]);
    h.actor.send({ type: "NOTIFY.DISMISS", id: 3 });
    expect(h.texts()).toEqual(["t2", "t4"]);
  });

  test("copying the link says whether it worked", async () => {
    const ok = harness();
    ok.actor.send({ type: "INVITE.COPY", link: "https://x/c/1" });
    await ok.settle();
    expect(ok.texts()).toEqual([TOASTS.copied]);
    const denied = harness({ copy: () => Promise.reject(new Error("denied")) });
    denied.actor.send({ type: "INVITE.COPY", link: "https://x/c/1" });
    await denied.settle();
    expect(denied.texts()).toEqual([TOASTS.notCopied]);
  });

  test("sharing opens the share sheet where there is one; only a failure is a toast", async () => {
    const ok = harness();
    ok.actor.send({ type: "INVITE.SHARE", link: "https://x/c/1" });
    await ok.settle();
    expect(ok.shared).toEqual(["https://x/c/1"]);
    expect(ok.texts()).toEqual([]);
    const none = harness({ canShare: false });
    none.actor.send({ type: "INVITE.SHARE", link: "https://x/c/1" });
    expect(none.shared).toEqual([]);
    const failed = harness({ share: () => Promise.reject(new Error("no")) });
    failed.actor.send({ type: "INVITE.SHARE", link: "https://x/c/1" });
    await failed.settle();
    expect(failed.texts()).toEqual([TOASTS.notShared]);
  });
});
