import { expect, test } from "bun:test";
import { routeOf } from "../../ui/route.ts";

test("a call link opens its room; a link that cannot be a room is a bad link, not the start page", () => {
  expect(routeOf("/")).toEqual({ kind: "home" });
  expect(routeOf("/c/team-standup")).toEqual({ kind: "call", room: "team-standup" });
  expect(routeOf("/c/team-standup/")).toEqual({ kind: "call", room: "team-standup" });
  for (const path of ["/c/a%20b", "/c/", "/c", "/c/%E0%A4%A", "/c/a/b"]) expect(routeOf(path), path).toEqual({ kind: "badLink" });
});

test("any other address is a page that does not exist", () => {
  for (const path of ["/nope", "/call/abc", "/cc/abc"]) expect(routeOf(path), path).toEqual({ kind: "notFound" });
});
