/** The floor's server (floor-server.ts) in a process of its own, for run.ts and trace.ts. */
import { resolve } from "node:path";
import { BUN } from "../../tests/e2e/harness.ts";

export async function startFloorServer(): Promise<{ url: string; port: number; stop: () => void }> {
  const proc = Bun.spawn([BUN, resolve(import.meta.dir, "floor-server.ts")], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let seen = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`floor server did not start: ${seen}`);
    seen += new TextDecoder().decode(value);
    const m = /Listening on (\d+)/.exec(seen);
    if (m) return { url: `http://127.0.0.1:${m[1]}`, port: Number(m[1]), stop: () => proc.kill() };
  }
}
