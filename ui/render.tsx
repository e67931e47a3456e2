/**
 * The app's screens, drawn by React into #root: a chunk of its own, loaded by ui/main.tsx at once,
 * or after the first pre-join screen (ui/quick-lobby.ts) on a call link. React's first commit
 * empties #root, that screen with it: `beforeShown` runs in the render before it (what that screen
 * has focused is still there to read), `onShown` once it is done, before the page is painted.
 */
// First: the in-call features' code, so the call's chat, drawing and notifications are the real ones before anything draws them.
import "../machines/features/index.ts";
import { useLayoutEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import type { CallActor } from "../machines/call/call.ts";
import { App } from "./App.tsx";
import { CallContext } from "./call-context.tsx";
import { deferredView } from "./deferred-view.ts";
import { ErrorBoundary } from "./components/ErrorBoundary.tsx";

export interface Shown {
  beforeShown(): void;
  onShown(): void;
}

function Shown({ shown }: { shown: Shown }) {
  useState(() => shown.beforeShown());
  useLayoutEffect(() => shown.onShown(), []);
  return null;
}

export function renderApp(actor: CallActor, problem: "badLink" | "notFound" | null, shown: Shown = { beforeShown() {}, onShown() {} }) {
  createRoot(document.getElementById("root")!).render(
    <ErrorBoundary name="OneLink" fatal>
      <CallContext.Provider value={deferredView(actor)}>
        <App problem={problem} />
        <Shown shown={shown} />
      </CallContext.Provider>
    </ErrorBoundary>,
  );
}
