import { describe, expect, test } from "bun:test";
import { hueOf, initials } from "../../ui/avatar.ts";
import { clampDrag, cornerAfterKey, nearestCorner, nextCorner } from "../../ui/self-view.ts";

describe("a tile's initials", () => {
  test("first and last word, capitalised; one word gives one letter", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("grace brewster murray hopper")).toBe("GH");
    expect(initials("  linus ")).toBe("L");
    expect(initials("émile zola")).toBe("ÉZ");
  });
  test("a guest keeps their number; no name gives none (a person icon)", () => {
    expect(initials("Guest 3")).toBe("G3");
    expect(initials("Guest 12")).toBe("G12");
    expect(initials("")).toBeNull();
    expect(initials("   ")).toBeNull();
    expect(initials(null)).toBeNull();
  });
  test("a character outside the basic plane is kept whole", () => {
    expect(initials("😀 smile")).toBe("😀S");
  });
  test("each person keeps a colour of their own", () => {
    expect(hueOf("Ada")).toBe(hueOf("Ada"));
    expect(hueOf("Ada")).not.toBe(hueOf("Grace"));
    for (const key of ["", "a", "Guest 2", "x".repeat(500)]) expect(hueOf(key)).toBeWithin(0, 360);
  });
});

describe("where the self view goes", () => {
  test("a release snaps to the corner of the stage's quarter it is in", () => {
    expect(nearestCorner(10, 10, 800, 600)).toBe("top-left");
    expect(nearestCorner(790, 10, 800, 600)).toBe("top-right");
    expect(nearestCorner(10, 590, 800, 600)).toBe("bottom-left");
    expect(nearestCorner(500, 400, 800, 600)).toBe("bottom-right");
  });
  test("arrow keys change the edge or the side; other keys do nothing", () => {
    expect(cornerAfterKey("bottom-right", "ArrowUp")).toBe("top-right");
    expect(cornerAfterKey("bottom-right", "ArrowLeft")).toBe("bottom-left");
    expect(cornerAfterKey("top-left", "ArrowDown")).toBe("bottom-left");
    expect(cornerAfterKey("top-left", "ArrowRight")).toBe("top-right");
    expect(cornerAfterKey("top-left", "ArrowUp")).toBe("top-left");
    expect(cornerAfterKey("top-left", "Enter")).toBeNull();
  });
  test("Move self view goes round all four corners", () => {
    const seen = new Set<string>();
    let c = nextCorner("bottom-right");
    for (let i = 0; i < 4; i++, c = nextCorner(c)) seen.add(c);
    expect(seen.size).toBe(4);
  });
  test("a drag stays inside the stage, however far the pointer goes", () => {
    const stage = { left: 0, top: 50, width: 400, height: 700 };
    const view = { left: 280, top: 630, width: 110, height: 80 };
    expect(clampDrag(-1000, -1000, view, stage, 4)).toEqual({ dx: -276, dy: -576 });
    expect(clampDrag(1000, 1000, view, stage, 4)).toEqual({ dx: 6, dy: 36 });
    expect(clampDrag(-20, 10, view, stage, 4)).toEqual({ dx: -20, dy: 10 });
  });
});
