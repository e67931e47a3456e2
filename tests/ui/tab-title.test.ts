import { afterEach, describe, expect, test } from "bun:test";
import { awaitingPicture } from "../../machines/answer-first.ts";
import { setTabTitle } from "../../ui/tab-title.ts";

/** What waited for the picture runs in a task of its own (a message) once the wait ends. */
const tasks = () => new Promise((r) => setTimeout(r, 5));

describe("the tab's title while the joiner waits for the other's picture (ui/tab-title.ts)", () => {
  afterEach(() => awaitingPicture.release());

  test("no wait (the person already there, a call under way): written at once", () => {
    const doc = { title: "Ready to join · OneLink" };
    setTabTitle("Waiting for someone to join · OneLink", doc);
    expect(doc.title).toBe("Waiting for someone to join · OneLink");
  });

  test("the joiner waiting for the picture: nothing written until it shows, then only the last title", async () => {
    const doc = { title: "Ready to join · OneLink" };
    const written: string[] = [];
    const watched = {
      get title() {
        return doc.title;
      },
      set title(t: string) {
        written.push(t);
        doc.title = t;
      },
    };
    awaitingPicture.hold(1_000);
    setTabTitle("Joining the call… · OneLink", watched);
    setTabTitle("Connecting… · OneLink", watched);
    setTabTitle("Connected · 2 people · OneLink", watched);
    await tasks();
    expect(written).toEqual([]);
    awaitingPicture.release(); // the first remote frame (ui Video)
    await tasks();
    expect(written).toEqual(["Connected · 2 people · OneLink"]);
  });
});
