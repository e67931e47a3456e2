/**
 * XState stops an actor that throws but leaves that actor's own children running (its source
 * says as much). A parent that restarts a failed child calls this first, so the failed child's
 * connections, trackers and timers do not go on beside the new ones.
 */
export function stopChildrenOfFailed(failed: unknown) {
  const snapshot = (failed as { getSnapshot?: () => { children?: Record<string, unknown> } } | undefined)?.getSnapshot?.();
  // `_stop` is how XState itself stops a child: `stop()` refuses for an actor that has a parent.
  for (const child of Object.values(snapshot?.children ?? {})) (child as { _stop?: () => void })._stop?.();
}
