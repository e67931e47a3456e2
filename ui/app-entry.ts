/**
 * How the page names the app's code (signal-server/bundle.ts writes it, ui/head-start.ts imports
 * it, ui/main.tsx reads its address): a module preload, not a module script (see ui/head-start.ts).
 */
export const APP_ENTRY_ATTRIBUTE = "data-app-entry";
export const APP_ENTRY_SELECTOR = `link[rel="modulepreload"][${APP_ENTRY_ATTRIBUTE}]`;

/** The preload the bundled page names the app's entry chunk with, if it does. */
export const appEntryPreload = (doc: Pick<Document, "querySelector"> = document): string | null =>
  doc.querySelector<HTMLLinkElement>(APP_ENTRY_SELECTOR)?.href ?? null;

/** The app's entry chunk's address: the preload the bundled page names, else the page's module script (development). */
export const appEntryUrl = (doc: Pick<Document, "querySelector"> = document): string | null =>
  appEntryPreload(doc) ?? doc.querySelector<HTMLScriptElement>('script[type="module"][src]')?.src ?? null;
