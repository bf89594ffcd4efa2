#!/usr/bin/env node
import { main } from "../dist/cli/index.js";

// A reader that stops early (`as-proxy-wasm push --help | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
main(process.argv);
