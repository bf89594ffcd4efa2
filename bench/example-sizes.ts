// The release size of every gallery example (each examples/<name> with an example.json), compiled as `build`
// compiles its project (compiles are cached in .test-cache), beside the size target.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../cli/package-root.js";
import { templateModule } from "../test/helpers/template-module.js";
import { formatTable, integer, ratio } from "./table.js";

export interface ExampleSize {
  name: string;
  bytes: number;
}

const examplesDir = join(packageRoot, "examples");

/** Builds every example (compiles are cached). */
export async function exampleSizes(): Promise<ExampleSize[]> {
  const names = readdirSync(examplesDir)
    .filter((name) => existsSync(join(examplesDir, name, "example.json")))
    .sort();
  const sizes: ExampleSize[] = [];
  for (const name of names) sizes.push({ name, bytes: (await templateModule(name)).length });
  return sizes;
}

/** One row per example: its bytes and their ratio to `target` (DESIGN.md's size target for the add-header filter). */
export function exampleSizesTable(sizes: ExampleSize[], target: number): string {
  const rows = sizes.map((s) => [s.name, integer(s.bytes), ratio(s.bytes, target)]);
  return formatTable([{ title: "example" }, { title: "bytes", right: true }, { title: `× ${integer(target)}`, right: true }], rows);
}
