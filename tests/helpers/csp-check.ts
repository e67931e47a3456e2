/**
 * Preloaded for every test file (bunfig.toml): fails any test during which a page or worker of a
 * browser launched by tests/e2e/harness.ts reported a Content-Security-Policy violation. A global
 * hook here, because a hook in the harness module would only join the first file that imports it.
 */
import { afterAll, afterEach } from "bun:test";

const g = globalThis as { __onelinkCspViolations?: string[] };
g.__onelinkCspViolations ??= [];

function check() {
  const seen = g.__onelinkCspViolations!.splice(0);
  if (seen.length) throw new Error(`Content-Security-Policy violations (${seen.length}):\n${[...new Set(seen)].join("\n")}`);
}
afterEach(check);
afterAll(check);
