/**
 * Real Envoy for tests (DESIGN.md "Real components"): found by ENVOY_BIN, `envoy` on PATH, then the `.venv`
 * that `.ci/run` creates. Under CI (`CI=true`) a missing Envoy fails the suite; locally the suite skips with
 * one line naming the install command.
 *
 *   const envoy = envoyForTests();               // { binary } or { skip: "…" }
 *   test("…", { skip: envoy.skip }, async () => { const proxy = await startEnvoy({ binary: envoy.binary!, bootstrap }); … });
 */
import assert from "node:assert/strict";
import { envoyInstallHint, findEnvoy } from "../../cli/envoy/locate.js";
import { startEnvoy, validateEnvoyConfig, type EnvoyProcess } from "../../cli/envoy/process.js";

export { startEnvoy, validateEnvoyConfig, type EnvoyProcess };

/**
 * Checks `bootstrap` with `envoy --mode validate`, then runs `body` against an Envoy started on it and stops
 * it; a failure carries Envoy's own complaints, which help more than a bare assertion.
 */
export async function withValidatedEnvoy(
  binary: string,
  bootstrap: Record<string, unknown>,
  body: (proxy: EnvoyProcess) => Promise<void>,
  concurrency = 1,
): Promise<void> {
  const validation = await validateEnvoyConfig(binary, bootstrap);
  assert.ok(validation.ok, `envoy --mode validate refused the bootstrap:\n${validation.problems.join("\n")}`);
  const proxy = await startEnvoy({ binary, bootstrap, concurrency });
  try {
    await body(proxy);
  } catch (error) {
    if (error instanceof Error && proxy.problems().length) error.message += `\n(envoy problems: ${proxy.problems().slice(-5).join(" | ")})`;
    throw error;
  } finally {
    await proxy.stop();
  }
}

export interface EnvoyForTests {
  binary: string | undefined;
  /** Set when Envoy is missing outside CI: the reason the Envoy tests skip. */
  skip: string | undefined;
}

let reported = false;

export function envoyForTests(): EnvoyForTests {
  const found = findEnvoy(undefined, process.env);
  if (found) return { binary: found.path, skip: undefined };
  if (process.env.CI === "true") throw new Error(`Envoy is required under CI and none was found: ${envoyInstallHint} (see .ci/run)`);
  const skip = `no Envoy: ${envoyInstallHint}`;
  if (!reported) {
    reported = true;
    process.stderr.write(`skipping the real-Envoy tests: ${skip}\n`);
  }
  return { binary: undefined, skip };
}
