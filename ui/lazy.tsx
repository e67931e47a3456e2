/**
 * Parts of the page that the first picture does not need (dialogs, panels opened on demand, the
 * QR code): each is a chunk of its own (signal-server/bundle.ts bundles with `splitting`), fetched
 * the first time the part shows, so the code that runs before the pre-join screen and the socket
 * is smaller. Shown inside `<Later>`: nothing while it loads (from the HTTP cache or the service
 * worker's after the first visit); a chunk that cannot load is the surrounding ErrorBoundary's to show.
 */
import { type ComponentType, lazy, type ReactNode, Suspense } from "react";

const loaders = new Set<() => Promise<unknown>>();

/** A component whose code is fetched when it first renders: `lazyPart(() => import("./X.tsx").then((m) => m.X))`. */
export function lazyPart<P extends object>(load: () => Promise<ComponentType<P>>) {
  loaders.add(load);
  return lazy(async () => ({ default: await load() }));
}

/**
 * Fetches every lazy part's code now, so that a dialog opened later shows at once. Called once a
 * call is up and has settled (CallView), off the way to the first picture; a part that fails to
 * load here is tried again when it is shown.
 */
export function preloadLazyParts() {
  for (const load of loaders) load().catch(() => {});
  loaders.clear();
}

/** Where lazy parts render: nothing until their code is there. */
export function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={null}>{children}</Suspense>;
}
