import { describe, expect, test } from "bun:test";
import { isFull, occupancyText } from "../../ui/occupancy.ts";

describe("the pre-join line about who is in the call", () => {
  test("with no name known: how many people, as before", () => {
    expect(occupancyText(0, 2)).toBe("No one else is here yet");
    expect(occupancyText(1, 2)).toBe("1 person is in this call");
    expect(occupancyText(3, 20, [])).toBe("3 people are in this call");
  });

  test("everyone named: their names, up to three", () => {
    expect(occupancyText(1, 2, ["Ada"])).toBe("Ada is in this call");
    expect(occupancyText(2, 20, ["Ada", "Bob"])).toBe("Ada and Bob are in this call");
    expect(occupancyText(3, 20, ["Ada", "Bob", "Cy"])).toBe("Ada, Bob and Cy are in this call");
    expect(occupancyText(4, 20, ["Ada", "Bob", "Cy", "Dee"])).toBe("Ada, Bob and 2 others are in this call");
  });

  test("those with no name are guests; with many people, the rest are others", () => {
    expect(occupancyText(2, 20, ["Ada"])).toBe("Ada and 1 guest are in this call");
    expect(occupancyText(4, 20, ["Ada", "Bob"])).toBe("Ada, Bob and 2 guests are in this call");
    expect(occupancyText(5, 20, ["Ada", "Bob", "Cy"])).toBe("Ada, Bob and 3 others are in this call");
    expect(occupancyText(19, 20, ["Ada"])).toBe("Ada and 18 guests are in this call");
  });

  test("a full call says so whoever is in it; more names than people never shows more than the people", () => {
    expect(occupancyText(2, 2, ["Ada", "Bob"])).toBe("This call is full (2 people)");
    expect(occupancyText(5, 3, ["Ada"])).toBe("This call is full (3 people)");
    expect(occupancyText(1, 20, ["Ada", "Bob", "Cy"])).toBe("Ada is in this call");
  });

  test("full means no free seat: at or over its capacity, and never before the count is known", () => {
    expect(isFull({ people: 2, capacity: 2 })).toBe(true);
    expect(isFull({ people: 5, capacity: 3 })).toBe(true);
    expect(isFull({ people: 1, capacity: 2 })).toBe(false);
    expect(isFull({ people: 0, capacity: 20 })).toBe(false);
    expect(isFull(null)).toBe(false);
    expect(isFull(undefined)).toBe(false);
  });
});
