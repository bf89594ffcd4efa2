// `--config <json|@file>` and the flags like it (`--service-config`): one reader for every command, so a
// missing file or bad JSON reads the same in `run` and in `manifest`.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "./errors.js";

/** A configuration as given: inline text, or the text of the `@file` it names. */
export interface ConfigInput {
  /** The flag it came from, for messages. */
  flag: string;
  text: string;
  /** The file it was read from (absolute), when given as `@file`. */
  path?: string;
}

/** Reads `value` (inline text, or `@file` relative to `cwd`); a file that cannot be read is a usage error. */
export async function readConfigInput(value: string, cwd: string, flag = "--config"): Promise<ConfigInput> {
  if (!value.startsWith("@")) return { flag, text: value };
  const path = resolve(cwd, value.slice(1));
  try {
    return { flag, text: await readFile(path, "utf8"), path };
  } catch (error) {
    const problem = (error as NodeJS.ErrnoException).code === "EISDIR" ? "is a directory, expected a file" : "no such file";
    throw new UsageError(`${flag} ${value}: ${problem}`);
  }
}

/** The configuration's value: JSON, or YAML for a file whose name does not end in `.json`. */
export async function parseConfigInput({ flag, text, path }: ConfigInput): Promise<unknown> {
  if (path === undefined || path.endsWith(".json")) return parseJson(text, path ?? flag);
  const { parse } = await import("yaml");
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${path} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** JSON text, or a usage error saying where it came from (`what`: a flag or a file) and what is wrong. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what}: not valid JSON: ${(error as Error).message}`);
  }
}
