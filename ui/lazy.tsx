/**
 * Parts of the page that the pre-join screen and the first picture do not need (dialogs, panels
 * opened on demand, the chat, the drawing, the QR code): each is a chunk of its own
 * (signal-server/bundle.ts bundles with `splitting`), fetched the first time the part shows, or
 * all together once a call is up (preloadLazyParts), so the code that runs before the pre-join
 * screen and the socket is smaller. Shown inside `<Later>`: nothing while it loads (from the HTTP
 * cache or the service worker's after the first visit); a chunk that cannot load is the
 * surrounding ErrorBoundary's to show. What such a part shows lives in the machines (messages,
 * strokes), never in the part: one mounted late shows all that came before it.
 *
 * A lazy part's CSS is imported by an eager module (its shell), not by the part: Bun writes the
 * CSS of a lazily imported module to a file of its own that nothing loads.
 */
import { type ComponentType, lazy, type ReactNode, Suspense, useState, useSyncExternalStore } from "react";

const loaders = new Set<() => Promise<unknown>>();

/** A thenable that calls back at once: React.lazy then renders the part in the same render, without a fallback. */
function settled<T>(value: T): PromiseLike<T> {
  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose; React.lazy reads a synchronous one's value in the same render
  return { then: (onFulfilled) => onFulfilled?.(value) as never };
}

/** Code other than a component's to fetch with the lazy parts (the hand tracking's, machines/features/hands-on-demand.ts). */
export function preloadAlso(load: () => Promise<unknown>) {
  loaders.add(load);
}

/** A component whose code is fetched when it first renders: `lazyPart(() => import("./X.tsx").then((m) => m.X))`. */
export function lazyPart<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | null = null;
  const fetchPart = () =>
    load().then((part) => {
      loaded = part;
      return part;
    });
  loaders.add(fetchPart);
  // Once preloaded, the part shows in the render that asks for it (no empty frame first).
  return lazy(() => (loaded ? settled({ default: loaded }) : fetchPart().then((part) => ({ default: part }))) as Promise<{ default: ComponentType<P> }>);
}

/**
 * Fetches every lazy part's code now, so that a panel opened later shows at once. Called once a
 * call shows its first remote picture (CallView), off the way to it; a part that fails to load
 * here is tried again when it is shown.
 */
export function preloadLazyParts() {
  const all = [...loaders].map((load) => load().catch(() => {}));
  loaders.clear();
  void Promise.all(all).then(() => {
    preloaded = true;
    for (const l of preloadListeners) l();
  });
}

let preloaded = false;
const preloadListeners = new Set<() => void>();
const onPreloaded = (l: () => void) => {
  preloadListeners.add(l);
  return () => void preloadListeners.delete(l);
};
/** Whether the lazy parts' code has been fetched (preloadLazyParts): a part may then show before it is needed, at no cost. */
export const usePreloaded = () => useSyncExternalStore(onPreloaded, () => preloaded);

/** Where lazy parts render: nothing until their code is there. */
export function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={null}>{children}</Suspense>;
}

/**
 * A lazy part rendered from the first time `wanted` is true on, and kept after (hidden by the part
 * itself), so that what it holds (a draft, a scroll position) survives closing it.
 */
export function OnceWanted({ wanted, children }: { wanted: boolean; children: ReactNode }) {
  const [seen, setSeen] = useState(wanted);
  if (wanted && !seen) setSeen(true);
  return seen || wanted ? <Later>{children}</Later> : null;
}
