/**
 * Toasts from the notifications actor the call runs (snapshot.children.notify): someone arrived
 * or left, the link was copied. A polite live region (not role="status": the call state is the
 * page's one status), always present so screen readers hear what is added to it. The toast of
 * the last person leaving is hidden from them: the status line says the same words, and once is
 * enough.
 */
import { useSelector } from "@xstate/react";
import type { NotificationsActor } from "../../machines/features/notifications.ts";
import { useCallActor } from "../call-context.tsx";
import { deferredView } from "../deferred-view.ts";
import { useChatActor } from "../feature-hooks.ts";

/** The notifications actor, seen as the call is (deferredView): a toast shows in a task of its own, after an answer being made. */
export function useNotifyActor(): NotificationsActor | undefined {
  const notify = useSelector(useCallActor(), (s) => s.children.notify as NotificationsActor | undefined);
  return notify && deferredView(notify);
}

export function Toasts() {
  const notify = useNotifyActor();
  const chat = useChatActor();
  const toasts = useSelector(notify, (s) => s?.context.toasts ?? []);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) =>
        t.action === "openChat" ? (
          // A chat preview: pressing it opens the chat (and the toast has done its job).
          <button
            key={t.id}
            type="button"
            className="toast toast-action"
            onClick={() => {
              chat?.send({ type: "CHAT.OPEN" });
              notify?.send({ type: "NOTIFY.DISMISS", id: t.id });
            }}
          >
            {t.text}
          </button>
        ) : (
          <p key={t.id} className="toast" aria-hidden={t.quiet || undefined}>
            {t.text}
          </p>
        ),
      )}
    </div>
  );
}
