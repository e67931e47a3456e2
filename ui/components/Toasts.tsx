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

export function useNotifyActor(): NotificationsActor | undefined {
  return useSelector(useCallActor(), (s) => s.children.notify as NotificationsActor | undefined);
}

export function Toasts() {
  const toasts = useSelector(useNotifyActor(), (s) => s?.context.toasts ?? []);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <p key={t.id} className="toast" aria-hidden={t.quiet || undefined}>
          {t.text}
        </p>
      ))}
    </div>
  );
}
