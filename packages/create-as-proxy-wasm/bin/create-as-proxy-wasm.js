#!/usr/bin/env node
// `npm create as-proxy-wasm@latest <dir> [-- --template <name>]` runs this: it is `as-proxy-wasm init`, with the
// as-proxy-wasm this package depends on (so the new project depends on that version's range).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("as-proxy-wasm/package.json")), "bin/as-proxy-wasm.js");
const args = process.argv.slice(2);
if (args.length === 0 || args[0] === "-h" || args[0] === "--help") {
  const help = spawnSync(process.execPath, [cli, "init", "--help"], { encoding: "utf8" });
  (args.length === 0 ? process.stderr : process.stdout).write(
    (help.stdout ?? "")
      .replace(/^Usage: as-proxy-wasm init /m, "Usage: npm create as-proxy-wasm@latest -- ")
      .replace(/\$ as-proxy-wasm init /g, "$ npm create as-proxy-wasm@latest -- "),
  );
  process.exit(args.length === 0 ? 2 : 0);
}
const result = spawnSync(process.execPath, [cli, "init", ...args], { stdio: "inherit" });
if (result.error) {
  process.stderr.write(`error: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
