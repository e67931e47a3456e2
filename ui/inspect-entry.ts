export { createBrowserInspector } from "@statelyai/inspect";
