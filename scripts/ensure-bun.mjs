// npm may skip bun's postinstall (install scripts need approval in npm 11): run it ourselves.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const bunDir = dirname(require.resolve("bun/package.json"));
try {
  execFileSync(join(bunDir, "bin", "bun.exe"), ["--version"], { stdio: "ignore" });
} catch {
  execFileSync(process.execPath, ["install.js"], { cwd: bunDir, stdio: "inherit" });
}
