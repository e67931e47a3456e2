/**
 * The chat side panel: the messages the chat actor holds (snapshot.children.chat) and the
 * composer. A lazy part (ui/lazy.tsx), mounted by Chat.tsx the first time the chat opens; its
 * styles (chat.css) are imported there.
 */
import { useSelector } from "@xstate/react";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ChatActor, ChatMessage } from "../../machines/features/chat.ts";
import { useCallActor } from "../call-context.tsx";
import { isEncrypted, participantIds } from "../selectors.ts";
import { ChatComposer } from "./ChatComposer.tsx";
import { ChatText } from "./ChatText.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";

/**
 * Changes shortly after the browser loads a web font. Chromium caches how it shaped text while
 * a part of the emoji font was still loading (empty boxes) and reuses that for the same text
 * later; text in a slightly different font (an invisible letter-spacing step) is shaped anew.
 */
export function useFontEpoch(): number {
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    const fonts = typeof document !== "undefined" ? document.fonts : undefined;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const later = (ms: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        setEpoch((n) => n + 1);
      }, ms);
      timers.add(t);
    };
    const onLoaded = () => [100, 600].forEach(later);
    fonts?.addEventListener("loadingdone", onLoaded);
    return () => {
      fonts?.removeEventListener("loadingdone", onLoaded);
      timers.forEach(clearTimeout);
    };
  }, []);
  return epoch;
}

/**
 * Where messages go, said under an empty chat: straight to the other person in a call of two; in a
 * group relayed by the OneLink server (not the media server), sealed with the link's key when it has
 * one (README, end-to-end encryption).
 */
export function chatPrivacyNote(others: number, encrypted: boolean): string {
  if (others <= 1) return "Messages go straight to the other person, not through the server.";
  return encrypted
    ? "Messages are end-to-end encrypted: the server passes them on without reading them."
    : "In a group, messages pass through the server: this room has no key to encrypt them.";
}

/** A message that cannot be shown leaves the call, its video and its controls alone. */
export function ChatPanel({ chat }: { chat: ChatActor }) {
  const open = useSelector(chat, (s) => s.context.open);
  return (
    <ErrorBoundary name="Chat" className="at-top-right" hidden={!open} resetKey={open} onClose={() => chat.send({ type: "CHAT.CLOSE" })}>
      <ChatPanelOf chat={chat} />
    </ErrorBoundary>
  );
}

function ChatPanelOf({ chat }: { chat: ChatActor }) {
  const open = useSelector(chat, (s) => s.context.open);
  const messages = useSelector(chat, (s) => s.context.messages);
  const self = useSelector(chat, (s) => s.context.self);
  const muted = useSelector(chat, (s) => s.context.muted);
  const note = useSelector(useCallActor(), (s) => chatPrivacyNote(participantIds(s).length, isEncrypted(s)));
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const fontEpoch = useFontEpoch();

  // Follow new messages unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const el = log.current;
    if (el && open && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages, open]);

  return (
    <aside
      className="chat-panel"
      aria-label="Chat"
      hidden={!open}
      style={fontEpoch ? { letterSpacing: `${(fontEpoch % 50) / 1000}px` } : undefined}
      onKeyDown={(e) => {
        if (e.key === "Escape" && !e.defaultPrevented) chat.send({ type: "CHAT.CLOSE" });
      }}
    >
      <header className="chat-head">
        <h2>Chat</h2>
        <label className="chat-mute">
          <input type="checkbox" checked={muted} onChange={(e) => chat.send({ type: "CHAT.SET_MUTED", muted: e.target.checked })} />
          Mute notifications
        </label>
        <button type="button" className="chat-close" aria-label="Close chat" onClick={() => chat.send({ type: "CHAT.CLOSE" })}>
          <span aria-hidden="true">✕</span>
        </button>
      </header>
      <div
        className="chat-log"
        role="log"
        aria-label="Chat messages"
        ref={log}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {messages.length === 0 ? (
          <p className="chat-empty">No messages yet. {note}</p>
        ) : (
          <ol>
            {messages.map((m) => (
              <Message key={m.id} message={m} mine={m.from === self} />
            ))}
          </ol>
        )}
      </div>
      <ChatComposer chat={chat} open={open} />
    </aside>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

function Message({ message, mine }: { message: ChatMessage; mine: boolean }) {
  // The machine only keeps times a Date can hold; a message without one is still shown, untimed.
  const at = new Date(message.at);
  const timed = Number.isFinite(at.getTime());
  return (
    <li className={mine ? "mine" : "theirs"}>
      <p className="chat-meta">
        <span className="chat-who">{mine ? "You" : (message.name ?? "Them")}</span> {timed && <time dateTime={at.toISOString()}>{timeFormat.format(at)}</time>}
        {mine && <span className="chat-state">{message.ackedBy.length > 0 ? " · Delivered" : " · Not delivered yet"}</span>}
      </p>
      <p className="chat-text">
        <ChatText text={message.text} />
      </p>
    </li>
  );
}
