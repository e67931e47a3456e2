/**
 * The tab's title (ui/App.tsx `TabTitle`: how the call is going). Each new title is a message to
 * the browser, which lays out and paints its tab strip again: bench/join, ~3 ms of the browser's
 * CPU each, on the cores the joiner's way to its first picture needs (issue 21). While the joiner
 * waits for the other's picture (machines/answer-first.ts `awaitingPicture`, a second at most),
 * its titles wait too and only the last is written: "Joining the call…" and "Connecting…" each
 * last a few hundred ms between Join and that picture, on a page the person is looking at.
 */
import { awaitingPicture } from "../machines/answer-first.ts";

let wanted: string | null = null;

/** Makes `title` the tab's title now, or once the joiner's wait for the picture ends if a later one has not replaced it. */
export function setTabTitle(title: string, doc: { title: string } = document): void {
  wanted = title;
  awaitingPicture.after(() => {
    if (wanted !== null && doc.title !== wanted) doc.title = wanted;
  });
}
