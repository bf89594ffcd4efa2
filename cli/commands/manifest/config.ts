// The plugin configuration (--config, --service-config): read as JSON or YAML, checked against the filter
// project's schema; and the output, written only once everything is valid.
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { writeAtomically } from "../../atomic-write.js";
import { parseConfigInput, parseJson, readConfigInput } from "../../config-input.js";
import { CliError } from "../../errors.js";
import type { Io } from "../../io.js";
import type { WasmSource } from "../../manifests/index.js";
import { localModule, manifests, readInput } from "./module.js";
import type { CommonOptions } from "./options.js";

/** The `--config` value (or another flag's configuration for the same module), checked against the filter project's configuration schema when there is one. */
export async function checkedConfig(
  options: CommonOptions,
  source: WasmSource,
  io: Io,
  { value, flag, field }: { value?: string; flag: string; field: string } = { value: options.config, flag: "--config", field: "pluginConfig" },
): Promise<unknown> {
  if (value === undefined) return undefined;
  const config = await readConfig(value, io, flag);
  const schemaPath = options.configSchema ? resolve(io.cwd, options.configSchema) : projectConfigSchema(source, options, io);
  if (schemaPath) {
    const schema = parseJson((await readInput(schemaPath, "--config-schema")).toString("utf8"), schemaPath);
    (await manifests()).validatePluginConfig(schema, config, field, basename(schemaPath));
  }
  return config;
}

/** Name of the configuration schema a filter project declares at its root (as `init` templates do). */
const configSchemaFile = "config.schema.json";

/** The project of the local module (or of the working directory): nearest folder with a package.json. */
function projectConfigSchema(source: WasmSource, options: CommonOptions, io: Io): string | undefined {
  const module = localModule(source, options, io);
  let dir = module ? dirname(module) : io.cwd;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) {
      const schema = join(dir, configSchemaFile);
      return existsSync(schema) ? schema : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `--config '{"a":1}'` (JSON) or `--config @file` (JSON, or YAML for other file names). */
export async function readConfig(value: string, io: Io, flag = "--config"): Promise<unknown> {
  return parseConfigInput(await readConfigInput(value, io.cwd, flag));
}

/** Writes only once everything is built and valid, and atomically, so a failure leaves no partial output. */
export async function emit(yaml: string, options: { output?: string }, io: Io, file: { mode?: number } = {}): Promise<void> {
  if (options.output === undefined) {
    io.stdout.write(yaml);
    return;
  }
  try {
    await writeAtomically(resolve(io.cwd, options.output), yaml, file);
  } catch (error) {
    throw new CliError(`cannot write ${options.output}: ${(error as Error).message}`);
  }
}
