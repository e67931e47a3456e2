/**
 * System ids: how the call's actors find each other in XState's system, so that no message has to
 * pass through the call on its way (the link to the transport, features to the transport and back,
 * the drawing to the toasts).
 */
export const LINK_ID = "link";
export const TRANSPORT_ID = "transport";
export const STATS_ID = "stats";
export const NOTIFY_ID = "notify";
