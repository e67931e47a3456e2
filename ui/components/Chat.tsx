/**
 * The chat's parts that are always in the call's view: its button in the controls (with the
 * unread count) and the place of its panel, whose code (ChatPanel.tsx, with the composer and the
 * emoji completion) is a lazy part fetched the first time the chat opens, or once the call is up.
 * Messages live in the chat actor the call invokes while in a room (snapshot.children.chat), so
 * those that came before the panel's code are all shown when it mounts. Outside a room there is no
 * chat actor, and the button is disabled.
 */
import { useSelector } from "@xstate/react";
import { useId } from "react";
import type { ChatActor } from "../../machines/features/chat.ts";
import "../chat.css";
import { useChatActor } from "../feature-hooks.ts";
import { lazyPart, OnceWanted } from "../lazy.tsx";
import { Icon } from "./Icon.tsx";

const ChatPanel = lazyPart(() => import("./ChatPanel.tsx").then((m) => m.ChatPanel));

/** "Chat" in the call controls: pressed while the panel is open, with the unread count while closed. */
export function ChatButton() {
  const chat = useChatActor();
  const open = useSelector(chat, (s) => s?.context.open ?? false);
  const unread = useSelector(chat, (s) => s?.context.unread ?? 0);
  const descId = useId();
  const unreadText = unread === 1 ? "1 unread message" : `${unread} unread messages`;
  return (
    <>
      <button
        type="button"
        className="chat-toggle"
        aria-pressed={open}
        disabled={!chat}
        aria-describedby={unread > 0 ? descId : undefined}
        title={open ? "Close the chat" : "Open the chat"}
        onClick={() => chat?.send({ type: "CHAT.TOGGLE" })}
      >
        <Icon name="chat" />
        <span className="label">Chat</span>
        {unread > 0 && (
          <span key={unread} className="chat-unread" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      <span id={descId} hidden>
        {unreadText}
      </span>
    </>
  );
}

/** The chat panel, from the first time it opens on (then hidden while closed, keeping its draft and scroll). */
export function Chat() {
  const chat = useChatActor();
  return chat ? <ChatOf chat={chat} /> : null;
}

function ChatOf({ chat }: { chat: ChatActor }) {
  const open = useSelector(chat, (s) => s.context.open);
  return (
    <OnceWanted wanted={open}>
      <ChatPanel chat={chat} />
    </OnceWanted>
  );
}
