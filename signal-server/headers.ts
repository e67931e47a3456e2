/**
 * Security headers on every response the server sends: the page may run only its own scripts, talk
 * only to its own origin, and cannot be framed by another site.
 *
 * What the app needs, and no more: its own scripts, plus WebAssembly compiled in the hand-tracking
 * worker ('wasm-unsafe-eval'); its own stylesheets (no inline <style>, no style attributes in
 * markup: React and the emoji picker set styles through the CSSOM, which CSP allows); images from
 * itself and data: (QR codes are data: URLs); the signal server's WebSocket and its own files
 * ('self' covers ws:/wss: to the same host in CSP Level 3); its own workers (the hand tracker, the
 * service worker).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Features the call uses, for this origin only; any frame (none is allowed anyway) gets none. */
export const PERMISSIONS_POLICY =
  "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self), picture-in-picture=(self), geolocation=(), payment=(), usb=()";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "permissions-policy": PERMISSIONS_POLICY,
  "cross-origin-opener-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** The response with every security header set (its other headers kept). */
export function withSecurityHeaders(res: Response): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.headers.set(name, value);
  return res;
}
