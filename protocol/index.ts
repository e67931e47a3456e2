export * from "./messages.ts";
export * from "./validate.ts";
export * from "./codec.ts";
