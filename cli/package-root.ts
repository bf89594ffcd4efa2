import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding this package's package.json, found by walking up: the same code runs from `cli/`
 * (sources, under tsx in tests) and from `dist/cli/` (the published binary).
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "as-proxy-wasm") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("as-proxy-wasm: cannot find the package root");
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();
export const packageVersion: string = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version;

/**
 * True when this CLI runs from a git checkout of this repository (its `.git` and its own tests beside
 * package.json), false when it runs from an installed package (the tarball has neither).
 */
export function runsFromCheckout(root: string = packageRoot): boolean {
  return existsSync(join(root, ".git")) && existsSync(join(root, "test")) && existsSync(join(root, "tsconfig.json"));
}
