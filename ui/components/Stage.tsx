/**
 * The call stage: one tile per participant and our own self view. A grid that fits the window,
 * or one person large (pinned, sharing their screen, or the active speaker) over a strip of the
 * others; more people than fit page through. Each tile on screen asks the media server for the
 * simulcast layer that fits its size, a tile off screen for none (layout.ts decides).
 * What is around the stage (bars, panels, dialogs) lives in CallView.
 */
import { useSelector } from "@xstate/react";
import { type CSSProperties, memo, type RefObject, useCallback, useEffect, useRef, useState } from "react";
import type { TransportCommand } from "../../machines/transport/mesh.ts";
import type { Participant } from "../../machines/call/call.ts";
import type { SfuView } from "../../machines/transport/sfu.ts";
import { TRANSPORT_ID } from "../../machines/system-ids.ts";
import { useActiveSpeaker } from "../audio-level.ts";
import { useCallActor } from "../call-context.tsx";
import { arrange, columnsFor, layerFor, type LayoutMode, perPageFor, perStripFor } from "../layout.ts";
import { useSinkId, useStatsActor } from "../media-hooks.ts";
import { type CallSnapshot, callLink, displayName, participantIds, sameIds, sameStreams, streamsOf, type Phase } from "../selectors.ts";
import { Avatar } from "./Avatar.tsx";
import { DrawingLayer } from "./Drawing.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { LinkPanel } from "./LinkPanel.tsx";
import { SelfView } from "./SelfView.tsx";
import { Video } from "./Video.tsx";
import { Later, lazyPart } from "../lazy.tsx";
import "../stage.css";
// The name tags on the tiles, and the people list (a lazy part, People.tsx).
import "../people.css";

const ServerlessPanel = lazyPart(() => import("./ServerlessPanel.tsx").then((m) => m.ServerlessPanel));

/**
 * Columns for `n` tiles: as square a grid as fits a wide window, and fewer, taller rows' worth
 * on a tall one (a phone held upright shows one or two columns).
 */
export function gridFor(n: number): CSSProperties {
  const { wide, tall } = columnsFor(n);
  return { "--cols-wide": wide, "--cols-tall": tall } as CSSProperties;
}

/** Where a tile is: the grid, large, in the strip under the large one, or not on screen (only heard). */
type Place = "grid" | "focus" | "strip" | "away";

/**
 * The participants' tiles and our self view (none once the call is over: the camera is off then).
 * Memoized, as its tiles are: it renders for what it selects and its phase, not for its parent.
 */
export const Stage = memo(function Stage({ phase }: { phase: Phase }) {
  const actor = useCallActor();
  const ids = useSelector(actor, participantIds, sameIds);
  const streams = useSelector(actor, streamsOf, sameStreams);
  const screens = useSelector(actor, (s) => Object.values(s.context.peers).flatMap((p) => (p.screen ? [p.id] : [])), sameIds);
  const [mode, setMode] = useState<LayoutMode>("grid");
  // Whoever opened a link (the pre-join screen) or came back (a seat kept) may find people there:
  // the invite waits until the room says nobody is. Drawing it (its QR code) while joining cost
  // ~100 ms of the joiner's main thread between Join and the first frame (bench/join).
  const mayFindOthers = useSelector(actor, (s) => s.context.lobby || s.context.token !== null);
  const alone = phase === "waiting" || (!mayFindOthers && (phase === "joining" || phase === "preparing"));
  const [pinned, setPinned] = useState<string | null>(null);
  const togglePin = useCallback((id: string) => setPinned((p) => (p === id ? null : id)), []);
  const [page, setPage] = useState(0);
  const tilesRef = useRef<HTMLDivElement>(null);
  const box = useSize(tilesRef);
  const many = ids.length > 1;
  const speaker = useActiveSpeaker(streams, mode === "speaker" && many);
  const perStrip = perStripFor(box.width);
  const layout = arrange({ ids, mode, pinned, sharing: screens, speaker, page, perPage: perPageFor(box.width, box.height), perStrip });
  const shown = new Set(layout.onPage);
  // Everyone's ids too: a newcomer placed off the page changes nothing on it, yet must be told
  // (none), or the media server sends their video at the highest layer to a tile nobody sees.
  useReceiveShown(tilesRef, `${layout.focus}|${layout.onPage.join()}|${ids.join()}`);
  const placeOf = (id: string | null): Place =>
    id === null || !many ? "grid" : id === layout.focus ? "focus" : !shown.has(id) ? "away" : layout.focus ? "strip" : "grid";
  // The strip has a slot for each tile that fits (small tiles, whether or not all are taken); the
  // tiles on it are centred, shifted by half the slots left empty (stage.css).
  const style = layout.focus
    ? ({ "--strip": perStrip, "--strip-shift": Math.max(0, perStrip - (layout.onPage.length - 1)) / 2 } as CSSProperties)
    : gridFor(Math.max(1, layout.onPage.length));
  return (
    <>
      {/* One tile per participant (an empty one with the call link while nobody is here). */}
      <div className={`tiles${layout.focus ? " focused" : ""}`} ref={tilesRef} style={style}>
        {(ids.length > 0 ? ids : [null]).map((id, i) => (
          // The first tile keeps its place (and its video element) as people come and go.
          <RemoteTile
            key={i === 0 ? "first" : id}
            id={id}
            first={i === 0}
            alone={alone}
            place={placeOf(id)}
            pinned={many && id ? pinned === id : null}
            onPin={togglePin}
          />
        ))}
      </div>
      {many && (
        <div className="stage-tools">
          <button type="button" aria-pressed={mode === "speaker"} onClick={() => setMode((m) => (m === "speaker" ? "grid" : "speaker"))}>
            Speaker layout
          </button>
          {layout.pages > 1 && (
            <nav className="pager" aria-label="Pages of people">
              <button type="button" aria-label="Previous page" disabled={layout.page === 0} onClick={() => setPage(layout.page - 1)}>
                ‹
              </button>
              <span>
                {layout.page + 1} / {layout.pages}
              </span>
              <button type="button" aria-label="Next page" disabled={layout.page >= layout.pages - 1} onClick={() => setPage(layout.page + 1)}>
                ›
              </button>
            </nav>
          )}
        </div>
      )}
      {phase !== "ended" && phase !== "failed" && <SelfView /> /* out of the call the camera is off: no empty self view */}
    </>
  );
});

/** The element's size, kept up to date. */
function useSize(ref: RefObject<HTMLElement | null>) {
  const [size, setSize] = useState({ width: 1280, height: 720 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      const { width, height } = el.getBoundingClientRect();
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** Settle time before telling the media server what the tiles need (a resize or a page turn comes in steps). */
const VIEW_SETTLE_MS = 300;

/**
 * Measures each tile (`data-peer`) after the layout or a size changes and tells the transport
 * what to receive: the layer that fits each tile on screen, none for a tile off screen. Told
 * again to a new transport (a rejoin).
 */
function useReceiveShown(tilesRef: RefObject<HTMLDivElement | null>, layoutKey: string) {
  const actor = useCallActor();
  const transport = useSelector(actor, (s) => s.children[TRANSPORT_ID] ?? null);
  const sent = useRef("");
  useEffect(() => {
    const el = tilesRef.current;
    if (!el || !transport) return;
    sent.current = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const measure = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const box = el.getBoundingClientRect();
        const view: SfuView = {};
        for (const tile of el.querySelectorAll<HTMLElement>("[data-peer]")) {
          const r = tile.getBoundingClientRect();
          const visible = r.width > 0 && r.height > 0 && r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom;
          view[tile.dataset.peer!] = layerFor({ visible, width: r.width }, window.devicePixelRatio || 1);
        }
        const key = JSON.stringify(view);
        if (key === sent.current || key === "{}") return;
        sent.current = key;
        transport.send({ type: "TRANSPORT.VIEW", view } satisfies TransportCommand);
      }, VIEW_SETTLE_MS);
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    for (const tile of el.querySelectorAll("[data-peer]")) observer.observe(tile);
    measure();
    return () => {
      observer.disconnect();
      clearTimeout(timer);
    };
  }, [tilesRef, transport, layoutKey]);
}

interface TileProps {
  id: string | null;
  first: boolean;
  /** Nobody else is here (or can be yet): the first tile shows the call link. */
  alone: boolean;
  place: Place;
  /** With two or more people, whether this tile is pinned (its Pin button); null: no button. */
  pinned: boolean | null;
  /** Pins or unpins the tile of this id (one function for all tiles, so a tile's props stay the same). */
  onPin: (id: string) => void;
}

/** What a tile shows of its participant: a new roster entry with the same of these draws nothing new. */
const TILE_FIELDS = ["stream", "video", "audio", "screen", "starting"] as const;
type TileView = Pick<Participant, (typeof TILE_FIELDS)[number]>;
const tileViewOf = (s: CallSnapshot, id: string | null): TileView | null => {
  const p = id ? s.context.peers[id] : undefined;
  return p ? (Object.fromEntries(TILE_FIELDS.map((k) => [k, p[k]])) as TileView) : null;
};
const sameTileView = (a: TileView | null, b: TileView | null) => a === b || (a !== null && b !== null && TILE_FIELDS.every((k) => a[k] === b[k]));

/** A frozen picture (stuck-picture.ts) brings a new connection to that person at most this often. */
const RENEW_AGAIN_MS = 30_000;

/**
 * Someone's picture, watched for a freeze while the call's stats say its frames are decoded
 * (stuck-picture.ts): then a new connection to them, at most once in RENEW_AGAIN_MS. Its own
 * component, so that the stats' news (each sample can flip "decoding") draws this element alone,
 * not the whole tile.
 */
function RemoteVideo({ id, stream, label, sinkId }: { id: string | null; stream: MediaStream | null; label: string; sinkId: string }) {
  const actor = useCallActor();
  const decoding = useSelector(useStatsActor(), (s) => (id ? (s?.context.byPeer[id]?.summary.received.fps ?? 0) > 0 : false));
  const transport = useSelector(actor, (s) => s.children[TRANSPORT_ID] ?? null);
  const renewedAt = useRef(Number.NEGATIVE_INFINITY);
  const onStuck = useCallback(() => {
    if (!id || !transport || performance.now() - renewedAt.current < RENEW_AGAIN_MS) return;
    renewedAt.current = performance.now();
    transport.send({ type: "TRANSPORT.RENEW", peer: id } satisfies TransportCommand);
  }, [id, transport]);
  return <Video stream={stream} label={label} className="remote-video" sinkId={sinkId} decoding={decoding} onStuck={onStuck} />;
}

/** A participant's video, their drawing and what they have turned off; the first tile also holds the call link and codes. */
const RemoteTile = memo(function RemoteTile({ id, first, alone, place, pinned, onPin }: TileProps) {
  const actor = useCallActor();
  const peer = useSelector(actor, (s) => tileViewOf(s, id), sameTileView);
  const name = useSelector(actor, (s) => (id ? displayName(s, id) : null));
  const room = useSelector(actor, (s) => s.context.room);
  const secret = useSelector(actor, (s) => s.context.secret);
  const serverless = useSelector(actor, (s) => s.context.serverless !== null);
  const sinkId = useSinkId();
  // A double tap (or click) switches between the whole picture and the picture filling the tile.
  const [fit, setFit] = useState<"auto" | "contain" | "cover">("auto");
  const remoteCamOff = peer !== null && !peer.video;
  // They joined before their camera opened (a webcam takes 0.3-1 s): nothing comes on its line yet.
  const camStarting = peer !== null && !remoteCamOff && peer.starting === true;
  // Camera off, starting, or no picture yet: their initials instead of a black void.
  const noPicture = peer !== null && (remoteCamOff || camStarting || !peer.stream);
  const classes = ["remote", place, peer?.stream ? "" : "empty", noPicture ? "no-picture" : "", peer?.screen ? "screen" : "", fit === "auto" ? "" : fit]
    .filter(Boolean)
    .join(" ");
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut for the picture's framing; nothing is lost without it (the default frames each kind of video)
    <div className={classes} data-peer={id ?? undefined} onDoubleClick={() => setFit((f) => (f === "cover" ? "contain" : "cover"))}>
      <ErrorBoundary name="The other person's video" className="at-center">
        <RemoteVideo id={id} stream={peer?.stream ?? null} label={name ? `Remote video: ${name}` : "Remote video"} sinkId={sinkId} />
      </ErrorBoundary>
      <ErrorBoundary name="The drawing" className="at-top-left">
        <DrawingLayer which="remote" peer={id} />
      </ErrorBoundary>
      {noPicture && <Avatar name={name} colourKey={name ?? id ?? ""} micOff={!peer.audio} />}
      {pinned !== null && id && name && (
        <button type="button" className="pin" aria-label={pinned ? `Unpin ${name}` : `Pin ${name}`} onClick={() => onPin(id)}>
          {pinned ? "Unpin" : "Pin"}
        </button>
      )}
      {/* What is off and who it is, in one column at the bottom left: the labels never overlap. */}
      {peer && (
        <div className="tile-labels">
          <div className="remote-flags" aria-live="polite">
            {remoteCamOff && <span className="flag">Their camera is off</span>}
            {camStarting && <span className="flag">Their camera is starting…</span>}
            {!peer.audio && <span className="flag">Their microphone is muted</span>}
            {peer.screen && <span className="flag">They are sharing their screen</span>}
          </div>
          {name && (
            <span className="name-tag" aria-hidden="true">
              {name}
            </span>
          )}
        </div>
      )}
      {first && alone && room && (
        <ErrorBoundary name="The call link" className="at-center">
          <LinkPanel link={callLink(room, secret)} encrypted={secret !== null} />
        </ErrorBoundary>
      )}
      {first && serverless && (
        <ErrorBoundary name="The connection codes" className="at-center">
          <Later>
            <ServerlessPanel />
          </Later>
        </ErrorBoundary>
      )}
    </div>
  );
});
