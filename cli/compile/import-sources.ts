import { readFile } from "node:fs/promises";
import { unprovidedImportName } from "../../host/module-check.js";
import type { Verdict } from "../wasm/verdict.js";
import { displayPath } from "./project.js";

/** What a filter's source says to make asc import a function (asc names `Math.random`'s import `seed`). */
const SPELLED: Record<string, string | undefined> = { seed: "Math.random", abort: undefined };

/**
 * The verdict with each import no host provides pointed at the project source line that causes it
 * (`imports env.Date.now (Date.now at assembly/index.ts:4:10), which …`), searched in the files the compile read from the
 * project itself (not its node_modules).
 */
export async function locateUnprovidedImports(verdict: Verdict, sources: string[], projectDir: string, cwd: string): Promise<Verdict> {
  const own = [...new Set(sources)].filter((f) => f.startsWith(`${projectDir}/`) && !f.includes("/node_modules/") && f.endsWith(".ts"));
  const texts = await Promise.all(own.map(async (file) => ({ file, lines: (await readFile(file, "utf8")).split("\n") })));
  const locate = (problem: string): string => {
    const name = unprovidedImportName(problem);
    const spelled = name === undefined ? undefined : Object.hasOwn(SPELLED, name) ? SPELLED[name] : name;
    if (!spelled) return problem;
    for (const { file, lines } of texts) {
      const line = lines.findIndex((l) => l.includes(spelled) && !/^\s*\/\//.test(l));
      if (line >= 0)
        return problem.replace(`env.${name}`, `env.${name} (${spelled} at ${displayPath(file, cwd)}:${line + 1}:${lines[line].indexOf(spelled) + 1})`);
    }
    return problem;
  };
  return { ...verdict, problems: verdict.problems.map(locate) };
}
