export * from "./messages.ts";
export * from "./validate.ts";
export * from "./codec.ts";
export * from "./peer-wire.ts";
