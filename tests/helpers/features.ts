/**
 * The in-call features' logics on the shelf before any test runs, as the app's screens put them
 * (ui/render.tsx): the machines' tests drive the call with its real chat, drawing and
 * notifications. tests/machines/lazy-logic.test.ts covers the time before they come, on a shelf of its own.
 */
import "../../machines/features/index.ts";
