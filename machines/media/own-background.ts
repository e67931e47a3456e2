/**
 * "Your own image" as a background: the picture is made smaller (at most 1280x720, JPEG) and kept
 * in this browser's localStorage as a data: URL. It never leaves the browser: the worker paints it
 * into the outgoing video, and nothing else reads it. Read back only if it still looks like what
 * saveOwnImage writes.
 */
import { readStored, writeStored } from "../storage.ts";

export const OWN_IMAGE_KEY = "onelink.backgroundImage";
const PREFIX = "data:image/jpeg;base64,";
/** A 1280x720 JPEG at 0.85 is ~150-400 KB; localStorage holds ~5 MB per origin. */
const MAX_CHARS = 2_000_000;

export const isOwnImage = (text: string) => text.length <= MAX_CHARS && text.startsWith(PREFIX) && /^[A-Za-z0-9+/]+=*$/.test(text.slice(PREFIX.length));

export function loadOwnImage(): Blob | null {
  const text = readStored("local", OWN_IMAGE_KEY, isOwnImage);
  if (!text) return null;
  const bytes = Uint8Array.from(atob(text.slice(PREFIX.length)), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: "image/jpeg" });
}

/** Keeps `file` (any image the browser decodes) as the own background; false when it cannot be read or kept. */
export async function saveOwnImage(file: Blob): Promise<boolean> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return false;
  }
  const scale = Math.min(1, 1280 / bitmap.width, 720 / bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const url = canvas.toDataURL("image/jpeg", 0.85);
  return isOwnImage(url) && writeStored("local", OWN_IMAGE_KEY, url);
}
