import { expect, test } from "bun:test";
import { chatPrivacyNote } from "../../ui/components/ChatPanel.tsx";

test("an empty chat says where messages go: straight to the other person only in a call of two", () => {
  expect(chatPrivacyNote(0, true)).toBe("Messages go straight to the other person, not through the server.");
  expect(chatPrivacyNote(1, false)).toBe("Messages go straight to the other person, not through the server.");
  // A group's messages are relayed by the OneLink server: never "straight to the other person".
  expect(chatPrivacyNote(3, true)).toContain("end-to-end encrypted");
  expect(chatPrivacyNote(3, true)).not.toContain("straight");
  expect(chatPrivacyNote(2, false)).toContain("pass through the server");
  expect(chatPrivacyNote(2, false)).not.toContain("encrypted:");
});
