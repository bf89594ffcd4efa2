import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

/**
 * The record beside a build's output (`<output>.inputs.json`) that lets the next build skip the compiler:
 * the options, a hash of every file the compiler read, and the hash of the output it produced.
 */
export interface BuildStamp {
  key: string;
  sources: Record<string, string>;
  output: string;
}

export function stampPath(output: string): string {
  return `${output}.inputs.json`;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function makeStamp(key: string, sources: string[], output: Uint8Array): Promise<BuildStamp> {
  const hashes: Record<string, string> = {};
  for (const file of [...new Set(sources)].sort()) hashes[file] = sha256(await readFile(file));
  return { key, sources: hashes, output: sha256(output) };
}

/** The output, when the stamp matches the options, every recorded input and the output file itself. */
export async function upToDateOutput(output: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const stamp = JSON.parse(await readFile(stampPath(output), "utf8")) as BuildStamp;
    if (stamp.key !== key) return undefined;
    for (const [file, hash] of Object.entries(stamp.sources)) {
      if (sha256(await readFile(file)) !== hash) return undefined;
    }
    const bytes = new Uint8Array(await readFile(output));
    return sha256(bytes) === stamp.output ? bytes : undefined;
  } catch {
    return undefined; // no stamp, an input gone, or no output: build
  }
}
