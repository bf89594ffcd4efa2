#!/usr/bin/env node
import { existsSync } from "node:fs";

// The published package ships dist/ (built by prepack); a git checkout builds it with `npm run build:ts`.
if (!existsSync(new URL("../dist/cli/index.js", import.meta.url))) {
  process.stderr.write("error: as-proxy-wasm is not built (no dist/cli/index.js)\nhint: in a checkout of as-proxy-wasm, run npm run build:ts\n");
  process.exit(1);
}
// `build` compiles once and exits: binaryen, a large WebAssembly module, would pay V8's optimizing tier for
// nothing. Liftoff alone roughly halves a build's CPU time (first compile 3.7 → 1.8 s on 2 cores).
if (process.argv.slice(2).find((arg) => !arg.startsWith("-")) === "build") {
  const { setFlagsFromString } = await import("node:v8");
  setFlagsFromString("--liftoff-only");
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
