import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import asc from "assemblyscript/asc";
import { sdkAsconfig, sdkTransform } from "../../cli/asc.js";
import { packageRoot } from "../../cli/package-root.js";

/**
 * A fixture (`entry`, relative to the repository) as a user's debug build: names, and a source map beside it,
 * as `npx asc … --target debug --sourceMap -o <dir>/debug.wasm` writes them. Returns the module's path.
 */
export async function debugBuild(entry: string, dir: string): Promise<string> {
  const files: Record<string, Uint8Array | string> = {};
  const { error, stderr } = await asc.main(
    [entry, "--baseDir", packageRoot, "--config", sdkAsconfig, "--target", "debug", "--transform", sdkTransform, "--sourceMap", "--outFile", "debug.wasm"],
    { writeFile: (name: string, contents: Uint8Array | string) => void (files[name] = contents) },
  );
  if (error) throw new Error(`compiling ${entry} failed: ${stderr}`);
  await writeFile(join(dir, "debug.wasm"), files["debug.wasm"]!);
  await writeFile(join(dir, "debug.wasm.map"), files["debug.wasm.map"]!);
  return join(dir, "debug.wasm");
}
