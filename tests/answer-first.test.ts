/**
 * Answer first, show later (machines/answer-first.ts): while an answer is expected or being made,
 * what waits for it runs once it has gone, in a task of its own; never later than the hold's limit.
 */
import { expect, test } from "bun:test";
import { AnswerFirst } from "../machines/answer-first.ts";

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
