/**
 * The web app and its assets as the real server sends them: the smallest encoding the browser
 * accepts (copies made at build time), content-hashed chunks cached for good, everything else
 * revalidated cheaply with an ETag, nothing outside the served folders. Needs `bun scripts/build.ts`
 * (npm test runs it first).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { APP_DIR } from "../signal-server/server.ts";
import { APP_ENTRY_ATTRIBUTE } from "../ui/app-entry.ts";
import { httpUrl, startTestServer, type App } from "./helpers/ws-client.ts";

let app: App;
beforeAll(() => {
  if (!existsSync(join(APP_DIR, "index.html"))) throw new Error("build/app is missing: run `bun scripts/build.ts` first");
  app = startTestServer();
});
afterAll(() => app.stop());

/** The raw response: Bun's fetch would otherwise undo the encoding for us. */
const raw = (path: string, headers: Record<string, string> = {}) =>
  fetch(httpUrl(app, path), { headers: { "accept-encoding": "identity", ...headers }, decompress: false });

/** A call link's page. */
async function page(): Promise<string> {
  const res = await raw("/c/some-room");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(res.headers.get("cache-control")).toBe("no-cache");
  return res.text();
}

/** The page's scripts, in order: [attributes, src]. */
async function scripts(): Promise<[string, string][]> {
  return [...(await page()).matchAll(/<script([^>]*) src="(\/chunk-[a-z0-9]+\.js)"/g)].map((m) => [m[1]!.trim(), m[2]!]);
}

/** The app's own code (not the head start): the page's module preload named as the entry (ui/app-entry.ts). */
async function mainChunk(): Promise<string> {
  const href = new RegExp(`<link rel="modulepreload" crossorigin href="(/chunk-[a-z0-9]+\\.js)" ${APP_ENTRY_ATTRIBUTE}>`).exec(await page())?.[1];
  expect(href).toBeDefined();
  return href!;
}

test("a call link's page starts with the head start: a small classic script of its own, run as the parser reaches it, which imports the app's code, named as a module preload", async () => {
  const all = await scripts();
  // Its one script: neither async nor deferred nor a module, it runs as the parser reaches it. No
  // module script: the page's load would wait for it to have run (ui/head-start.ts).
  expect(all.map(([attributes]) => attributes)).toEqual([""]);
  expect(await page()).not.toContain('type="module"');
  const first = all[0];
  const entry = await mainChunk();
  expect(entry).not.toBe(first![1]);
  const head = await raw(first![1]);
  expect(head.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  const text = await head.text();
  // It asks for the devices and opens the socket, and is small: none of the app's libraries come with it.
  expect(text).toContain("getUserMedia");
  expect(text).toContain("WebSocket");
  // On a first visit it makes the pre-join screen's connection while the app's code comes.
  expect(text).toContain("RTCPeerConnection");
  expect(text.length).toBeLessThan(10_000);
  // A classic script's top level is the page's: its own names stay inside it.
  expect(text.trimStart().startsWith("(()=>{")).toBe(true);
  // It imports the app's code by the preload's address, found in the page (not bundled into it).
  expect(text).toContain(APP_ENTRY_ATTRIBUTE);
  expect(text).toContain("import(");
});

test("a call link serves the app, and its script comes in the best encoding the browser accepts", async () => {
  const chunk = await mainChunk();
  const plain = await raw(chunk);
  expect(plain.headers.get("content-encoding")).toBeNull();
  expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect(plain.headers.get("vary")).toBe("accept-encoding");
  const bytes = new Uint8Array(await plain.arrayBuffer());
  expect(bytes.length).toBeGreaterThan(100_000);

  const br = await raw(chunk, { "accept-encoding": "gzip, deflate, br" });
  expect(br.headers.get("content-encoding")).toBe("br");
  expect(br.headers.get("content-type")).toBe(plain.headers.get("content-type"));
  const brBytes = new Uint8Array(await br.arrayBuffer());
  expect(brBytes.length).toBeLessThan(bytes.length / 2);
  expect(new Uint8Array(brotliDecompressSync(brBytes))).toEqual(bytes);

  const gz = await raw(chunk, { "accept-encoding": "br;q=0, gzip" });
  expect(gz.headers.get("content-encoding")).toBe("gzip");
  expect(new Uint8Array(gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toEqual(bytes);
});

test("the app's script leaves out what only a call uses: those parts come in chunks of their own, all kept by the service worker", async () => {
  const main = await (await raw(await mainChunk())).text();
  const worker = await (await raw("/sw.js")).text();
  const kept = JSON.parse(/const PRECACHE = (\[[^\]]*\]);/.exec(worker)?.[1] ?? "[]") as string[];
  const chunks = await Promise.all(kept.filter((f) => f.endsWith(".js")).map(async (f) => (await raw(f)).text()));
  // Words only each part's own code has: the chat panel, the drawing, the people list, hand tracking, the serverless codes.
  for (const words of ["Mute notifications", "Pen thickness", "People in this call", "setNumHands", "a=extmap-allow-mixed", "Connection codes"]) {
    expect({ words, inMain: main.includes(words) }).toEqual({ words, inMain: false });
    expect({ words, chunks: chunks.filter((c) => c.includes(words)).length }).toEqual({ words, chunks: 1 });
  }
});

test("built assets are compressed too, and an unchanged one revalidates with a 304", async () => {
  const first = await raw("/emoji/native.json", { "accept-encoding": "br" });
  expect(first.status).toBe(200);
  expect(first.headers.get("content-encoding")).toBe("br");
  expect(first.headers.get("cache-control")).toBe("no-cache");
  const etag = first.headers.get("etag");
  expect(etag).toBeTruthy();
  JSON.parse(brotliDecompressSync(new Uint8Array(await first.arrayBuffer())).toString());

  const again = await raw("/emoji/native.json", { "accept-encoding": "br", "if-none-match": etag! });
  expect(again.status).toBe(304);
  expect(await again.text()).toBe("");
  // Another encoding is another representation: its own tag, so the brotli one does not match it.
  const plain = await raw("/emoji/native.json", { "if-none-match": etag! });
  expect(plain.status).toBe(200);
  expect(plain.headers.get("etag")).not.toBe(etag);

  const wasm = await raw("/mediapipe/wasm/vision_wasm_internal.wasm", { "accept-encoding": "br" });
  expect(wasm.headers.get("content-type")).toBe("application/wasm"); // what instantiateStreaming needs
  expect(wasm.headers.get("content-encoding")).toBe("br");
  await wasm.arrayBuffer();
});

test("nothing outside the served folders, and odd paths are plain 404s", async () => {
  for (const path of ["/%2e%2e/package.json", "/..%2f..%2fpackage.json", "/%E0%A4%A", "/index.html.br", "/nope.js"]) {
    const res = await raw(path);
    expect(res.status, path).toBe(404);
    await res.arrayBuffer();
  }
});

test("an unknown address answers 404 with the app's own styled page, under the same rules as every page", async () => {
  for (const path of ["/nope", "/a/b/nope/", "/c"]) {
    const res = await raw(path, { "if-none-match": "*" });
    expect(res.status, path).toBe(404);
    expect(res.headers.get("content-type"), path).toContain("text/html");
    expect(res.headers.get("content-security-policy"), path).toContain("style-src 'self'");
    const html = await res.text();
    // Styled by the app's own stylesheet and script (which say "Page not found"); nothing inline.
    expect(html, path).toMatch(/<link rel="stylesheet"[^>]* href="\/[^"]+\.css"/);
    expect(html, path).toMatch(/<link rel="modulepreload"[^>]* href="\/chunk-[a-z0-9]+\.js"/);
    expect(html, path).not.toMatch(/<style|\sstyle=|<script(?![^>]*\ssrc=)/);
  }
  // Files that are not there stay short plain 404s: no page where a script or image was asked for.
  const missing = await raw("/nope.js");
  expect(missing.status).toBe(404);
  expect(await missing.text()).toBe("Not found");
});
