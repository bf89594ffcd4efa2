#!/usr/bin/env node
import { existsSync } from "node:fs";

// The published package ships dist/ (built by prepack); a git checkout builds it with `npm run build:ts`.
if (!existsSync(new URL("../dist/cli/index.js", import.meta.url))) {
  process.stderr.write("error: as-proxy-wasm is not built (no dist/cli/index.js)\nhint: in a checkout of as-proxy-wasm, run npm run build:ts\n");
  process.exit(1);
}
const { main } = await import("../dist/cli/index.js");

// A reader that stops early (`as-proxy-wasm push --help | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
main(process.argv);
