/**
 * The in-call features' chunk: chat, drawing and notifications, which a joiner never runs before
 * its first picture. Evaluating it puts their logics on the shelf the call machine's stand-ins
 * wait on (machines/lazy-logic.ts). The app's screens import it (ui/render.tsx), so it comes with
 * them; a page that needs the features sooner imports it itself.
 */
import { features } from "../lazy-logic.ts";
import { chatMachine } from "./chat.ts";
import { drawingMachine } from "./drawing.ts";
import { notificationsMachine } from "./notifications.ts";

export const featureLogics = { chat: chatMachine, drawing: drawingMachine, notifications: notificationsMachine };

features.provide(featureLogics);
