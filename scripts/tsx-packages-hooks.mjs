// Module hooks of scripts/tsx.mjs (they run in Node's hooks thread).
import { readFile } from "node:fs/promises";

/** An ES module inside node_modules loads as it is, before tsx sees it. */
export async function load(url, context, nextLoad) {
  if (context.format === "module" && url.startsWith("file:") && url.includes("/node_modules/")) {
    return { format: "module", source: await readFile(new URL(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}
