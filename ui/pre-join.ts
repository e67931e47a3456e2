/**
 * Whether this page has shown the pre-join screen (ui/quick-lobby.ts or ui Lobby). A call page that has not shown it
 * took its seat back after a refresh. A module of its own, without React: the first pre-join screen sets it.
 */
export const preJoin = { shown: false };
