/**
 * Parts of the page that the first picture does not need (dialogs, panels opened on demand, the
 * QR code): each is a chunk of its own (signal-server/bundle.ts bundles with `splitting`), fetched
 * the first time the part shows, so the code that runs before the pre-join screen and the socket
 * is smaller. Shown inside `<Later>`: nothing while it loads (from the HTTP cache or the service
 * worker's after the first visit); a chunk that cannot load is the surrounding ErrorBoundary's to show.
 */
import { type ComponentType, lazy, type ReactNode, Suspense } from "react";

/** A component whose code is fetched when it first renders: `lazyPart(() => import("./X.tsx").then((m) => m.X))`. */
export function lazyPart<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(async () => ({ default: await load() }));
}

/** Where lazy parts render: nothing until their code is there. */
export function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={null}>{children}</Suspense>;
}
