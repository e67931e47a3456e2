/**
 * Marks on the page's performance timeline (`performance.mark("ol:…")`) at each step from opening
 * a link to the first remote frame, so a benchmark (bench/join) can say where the time goes. The
 * first of each name is what counts; marking costs next to nothing and sends nothing anywhere.
 */
export type TimelineStep =
  | "script"
  | "devices"
  // The first pre-join screen drawn without React (ui/quick-lobby.ts), then the app's own screens in its place (ui/render.tsx).
  | "quick-lobby"
  | "app-shown"
  /** The app's screens' code asked for (ui/main.tsx loadApp): where the first screen hands over. */
  | "app-asked"
  | "peeked"
  // The peek's answer heard: by the page's first script (head-start.ts) if it came before the app
  // took the socket, else read on the pre-join screen's watch, or after Join on the socket it adopted.
  | "peek-answer"
  // The pre-join screen's connection made (prepared.ts), then its offer set.
  | "offer-preparing"
  | "offer-prepared"
  | "join"
  // The prepared offer read for the join to carry (it leaves with the join, machines/transport/prepared.ts).
  | "offer-with-join"
  | "joined"
  | "offer-sent"
  // The other side's answer read off the socket (how long its frame waited for our main thread), then applied.
  | "answer-in"
  | "answer"
  // The answering side (the person already in the room): the joiner's offer heard, our answer sent.
  | "offer-in"
  | "answer-sent"
  // The answer's frame handed to the socket (after any group messages queued before it were sealed).
  | "answer-wire"
  | "ice-connected"
  | "connected"
  | "first-frame"
  // The media server's path (machines/transport/sfu.ts): publishing, then receiving.
  | "sfu-offer-prepared"
  | "sfu-start"
  | "sfu-offer-sent"
  | "sfu-answer"
  | "sfu-pub-connected"
  | "sfu-sub-offer"
  | "sfu-sub-answered"
  | "sfu-sub-connected";

const marked = new Set<TimelineStep>();

export function mark(step: TimelineStep): void {
  if (marked.has(step) || typeof performance === "undefined" || !performance.mark) return;
  marked.add(step);
  performance.mark(`ol:${step}`);
}
