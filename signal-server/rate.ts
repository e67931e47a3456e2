/** The token bucket lives with the wire (protocol/bucket.ts): the pages bound their data channels with it too. */
export * from "../protocol/bucket.ts";
