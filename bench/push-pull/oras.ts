// The real `oras` CLI, built from the Go module proxy (`go install oras.land/oras/cmd/oras@<version>`) by the
// machine's Go and cached in .test-cache/ under its version: the first build takes ~15 s, later runs reuse it.
import { execFile } from "node:child_process";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../../cli/package-root.js";
import { findGo } from "../envoy/go-build.js";

const run = promisify(execFile);

/** Pinned, so figures from different days compare the same client. */
export const orasVersion = "v1.3.6";

/** Path of the oras binary, building it first if needed; or why it cannot be built. */
export async function orasCli(): Promise<{ path: string } | { missing: string }> {
  const dir = join(packageRoot, ".test-cache", `oras-cli-${orasVersion}`);
  const path = join(dir, "oras");
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return { path };
  const go = await findGo();
  if ("missing" in go) return { missing: `oras ${orasVersion} is built with Go: ${go.missing}` };
  const tmp = `${dir}.${process.pid}.tmp`;
  await mkdir(tmp, { recursive: true });
  try {
    await run(go.go, ["install", `oras.land/oras/cmd/oras@${orasVersion}`], {
      env: { ...process.env, GOBIN: tmp, GOFLAGS: "-buildvcs=false", CGO_ENABLED: "0" },
      maxBuffer: 4 << 20,
    });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    return { missing: `go install oras.land/oras/cmd/oras@${orasVersion} failed: ${(error as Error).message.split("\n")[0]}` };
  }
  return { path };
}
