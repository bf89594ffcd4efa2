/**
 * Real Envoy for tests (DESIGN.md "Real components"): found by ENVOY_BIN, `envoy` on PATH, then the `.venv`
 * that `.ci/run` creates. Under CI (`CI=true`) a missing Envoy fails the suite; locally the suite skips with
 * one line naming the install command.
 *
 *   const envoy = envoyForTests();               // { binary } or { skip: "…" }
 *   test("…", { skip: envoy.skip }, async () => { const proxy = await startEnvoy({ binary: envoy.binary!, bootstrap }); … });
 */
import { envoyInstallHint, findEnvoy } from "../../cli/envoy/locate.js";

export { startEnvoy, validateEnvoyConfig, type EnvoyProcess } from "../../cli/envoy/process.js";

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
