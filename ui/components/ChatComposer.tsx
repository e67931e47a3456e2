/**
 * Writing a message: Enter sends, Shift+Enter starts a new line, `:smi` offers emoji shortcodes
 * (arrows move, Tab or Enter picks, Escape closes), a complete `:smile:` turns into 😄, and the
 * emoji picker (emoji-mart, loaded on first open) inserts at the caret.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ChatActor } from "../../machines/features/chat.ts";
import { CHAT_MAX_CHARS, chatLength } from "../../protocol/chat-wire.ts";
import { closedShortcodeAt, emojiFor, loadEmojiData, loadPickerModule, searchShortcodes, shortcodeAt, type Shortcode } from "./ChatEmoji.ts";

interface Suggestions {
  start: number;
  end: number;
  items: Shortcode[];
  active: number;
}

export function ChatComposer({ chat, open }: { chat: ChatActor; open: boolean }) {
  const [draft, setDraft] = useState("");
  const [suggest, setSuggest] = useState<Suggestions | null>(null);
  const [picker, setPicker] = useState<"closed" | "loading" | "open" | "failed">("closed");
  const field = useRef<HTMLTextAreaElement>(null);
  const pickerBox = useRef<HTMLDivElement>(null);
  const emojiButton = useRef<HTMLButtonElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const ids = useId();
  const length = chatLength(draft);
  const tooLong = length > CHAT_MAX_CHARS;

  useEffect(() => {
    if (open) field.current?.focus();
  }, [open]);
  useLayoutEffect(() => {
    if (pendingCaret.current !== null && field.current) {
      field.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [draft]);

  const replace = (start: number, end: number, insert: string) => {
    const value = field.current?.value ?? draft;
    setDraft(value.slice(0, start) + insert + value.slice(end));
    pendingCaret.current = start + insert.length;
    setSuggest(null);
  };

  const insertAtCaret = (text: string) => {
    const el = field.current;
    const start = el?.selectionStart ?? draft.length;
    const end = el?.selectionEnd ?? draft.length;
    replace(start, end, text);
    el?.focus();
  };

  const onChange = (value: string, caret: number) => {
    setDraft(value);
    const closed = closedShortcodeAt(value, caret);
    const typing = shortcodeAt(value, caret);
    if (!closed && !typing) return setSuggest(null);
    loadEmojiData()
      .then((data) => {
        if (field.current?.value !== value) return; // typed on meanwhile
        const exact = closed && emojiFor(data, closed.code);
        if (closed && exact) return replace(closed.start, caret, exact.native);
        const items = typing ? searchShortcodes(data, typing.query) : [];
        setSuggest(typing && items.length ? { start: typing.start, end: caret, items, active: 0 } : null);
      })
      .catch(() => setSuggest(null));
  };

  const send = () => {
    if (!draft.trim() || tooLong) return;
    chat.send({ type: "CHAT.SEND", text: draft });
    setDraft("");
    setSuggest(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (suggest) {
      const n = suggest.items.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setSuggest({ ...suggest, active: (suggest.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n });
        return;
      }
      if ((e.key === "Tab" || e.key === "Enter") && !e.shiftKey) {
        e.preventDefault();
        replace(suggest.start, suggest.end, suggest.items[suggest.active]!.native);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        setSuggest(null);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  };

  const togglePicker = async () => {
    if (picker === "open" || picker === "loading") return setPicker("closed");
    if (pickerBox.current?.firstElementChild) return setPicker("open");
    setPicker("loading");
    try {
      const [mod, data] = await Promise.all([loadPickerModule(), loadEmojiData()]);
      const element = new mod.Picker({
        data,
        set: "native",
        theme: "auto",
        previewPosition: "none",
        skinTonePosition: "search",
        dynamicWidth: true,
        autoFocus: true,
        onEmojiSelect: (emoji: { native?: string }) => {
          if (emoji.native) insertAtCaret(emoji.native);
          setPicker("closed");
        },
        onClickOutside: (ev: Event) => {
          if (!ev.composedPath().includes(emojiButton.current!)) setPicker((p) => (p === "open" ? "closed" : p));
        },
      });
      pickerBox.current?.replaceChildren(element);
      setPicker((p) => (p === "loading" ? "open" : p));
    } catch (err) {
      console.warn("emoji picker unavailable", err);
      setPicker("failed");
    }
  };

  const listId = `${ids}-shortcodes`;
  const limitId = `${ids}-limit`;
  return (
    <form
      className="chat-compose"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape" && picker === "open") {
          e.stopPropagation();
          setPicker("closed");
          field.current?.focus();
        }
      }}
    >
      <div className="chat-picker" ref={pickerBox} hidden={picker !== "open"} />
      {picker === "loading" && <p className="chat-hint">Loading emoji…</p>}
      {picker === "failed" && <p className="chat-hint">The emoji picker could not be loaded.</p>}
      {suggest && (
        <ul className="chat-suggest" id={listId} role="listbox" aria-label="Emoji shortcodes">
          {suggest.items.map((item, i) => (
            <li
              key={item.code}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === suggest.active}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the caret in the field
                replace(suggest.start, suggest.end, item.native);
              }}
            >
              <span aria-hidden="true" className="emoji chat-suggest-emoji">
                {item.native}
              </span>{" "}
              :{item.code}:
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={field}
        name="message"
        aria-label="Message"
        placeholder="Message (Enter sends, Shift+Enter: new line)"
        rows={2}
        value={draft}
        aria-invalid={tooLong || undefined}
        aria-describedby={limitId}
        aria-autocomplete="list"
        aria-controls={suggest ? listId : undefined}
        aria-activedescendant={suggest ? `${listId}-${suggest.active}` : undefined}
        onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
        onKeyDown={onKeyDown}
        onBlur={() => setSuggest(null)}
      />
      <div className="chat-actions">
        <button
          type="button"
          ref={emojiButton}
          className="chat-emoji-button"
          aria-label="Emoji"
          aria-expanded={picker === "open"}
          onClick={() => void togglePicker()}
        >
          <span aria-hidden="true" className="emoji">
            😀
          </span>
        </button>
        <p id={limitId} className={`chat-limit${tooLong ? " over" : ""}`} aria-live="polite">
          {tooLong
            ? `Too long: ${length} of ${CHAT_MAX_CHARS} characters. Shorten it to send.`
            : length > CHAT_MAX_CHARS - 200
              ? `${length} of ${CHAT_MAX_CHARS} characters`
              : ""}
        </p>
        <button type="submit" className="primary" disabled={tooLong || !draft.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}
