import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { displayPath } from "./project.js";

/** asc's own summary and optimizer chatter, not about the user's code. */
const NOT_DIAGNOSTICS = [/^FAILURE \d+ \w+ error\(s\)$/, /^Last converge was suboptimal\.$/];

/**
 * Rewrites asc's diagnostics into the `file:line:column: error CODE: message` form editors and CI log
 * parsers link to, keeping asc's code frame under each. asc prints the location last ("└─ in
 * file(line,col)") and paths relative to its baseDir (the project); they become relative to `cwd`.
 */
export function formatDiagnostics(text: string, projectDir: string, cwd: string): string {
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => b.replace(/\s+$/, ""))
    .filter((b) => b && !NOT_DIAGNOSTICS.some((re) => re.test(b)));
  return blocks.map((block) => formatBlock(block, projectDir, cwd)).join("\n\n");
}

function formatBlock(block: string, projectDir: string, cwd: string): string {
  const lines = block.split("\n");
  const head = /^(ERROR|WARNING|INFO|PEDANTIC) ((?:TS|AS)\d+): (.*)$/.exec(lines[0]);
  const where = lines.map((l) => /└─ in (.+)\((\d+),(\d+)\)$/.exec(l)).find((m) => m !== null);
  if (!head || !where) return block;
  const file = sourcePath(where[1], projectDir, cwd);
  const frame = lines.slice(1).filter((l) => !l.includes("└─ in ") && l.trim() !== ":");
  // AS102 is asc's code for errors a transform or ERROR() raises: "User-defined: " says nothing to the user.
  const message = head[2] === "AS102" ? head[3].replace(/^User-defined: /, "") : head[3];
  return [`${file}:${where[2]}:${where[3]}: ${head[1].toLowerCase()} ${head[2]}: ${message}`, ...frame].join("\n");
}

/** How many errors (not warnings) asc reported. */
export function countErrors(text: string): number {
  return (text.match(/^ERROR /gm) ?? []).length;
}

/**
 * A diagnostic's file as a path the user can open: asc names package files `~lib/<package>/…` (they live
 * in the project's node_modules) and its standard library `~lib/…` (inside the compiler: kept as is).
 */
function sourcePath(file: string, projectDir: string, cwd: string): string {
  if (!file.startsWith("~lib/")) return displayPath(resolve(projectDir, file), cwd);
  const installed = join(projectDir, "node_modules", file.slice("~lib/".length));
  return existsSync(installed) ? displayPath(installed, cwd) : file;
}
