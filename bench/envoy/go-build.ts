// Builds the Go SDK filters (bench/envoy/go/<name>/main.go, github.com/proxy-wasm/proxy-wasm-go-sdk pinned in
// bench/envoy/go/go.mod) with the machine's upstream Go ≥ 1.24: `GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared`. The SDK comes from the Go module proxy; the .wasm is cached in .test-cache/bench-envoy/
// by the hash of the sources and the Go version (first build ~15 s, then instant).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { packageRoot } from "../../cli/package-root.js";

const run = promisify(execFile);
const goDir = join(dirname(fileURLToPath(import.meta.url)), "go");
export const cacheDir = join(packageRoot, ".test-cache", "bench-envoy");

/**
 * The first Go ≥ 1.24 among `go` on PATH and /usr/local/go/bin/go (Debian's golang-go, 1.19, must not shadow
 * a newer one), with its version; or why there is none.
 */
export async function findGo(): Promise<{ go: string; version: string } | { missing: string }> {
  const seen: string[] = [];
  for (const go of ["go", "/usr/local/go/bin/go"]) {
    const out = await run(go, ["env", "GOVERSION"]).then(
      (r) => r.stdout.trim(),
      () => "",
    );
    const m = /^go(\d+)\.(\d+)/.exec(out);
    if (!m) continue;
    if (Number(m[1]) > 1 || Number(m[2]) >= 24) return { go, version: out };
    seen.push(`${go} is ${out}`);
  }
  return { missing: seen.length ? `needs Go ≥ 1.24 (${seen.join(", ")})` : "no Go toolchain found (needs Go ≥ 1.24)" };
}

/** Builds bench/envoy/go/<name> to a cached .wasm; returns its path. */
export async function buildGoFilter(go: { go: string; version: string }, name: string): Promise<string> {
  const hash = createHash("sha256").update(go.version);
  for (const file of ["go.mod", "go.sum", join(name, "main.go")]) hash.update(await readFile(join(goDir, file)));
  const out = join(cacheDir, `go-${name}-${hash.digest("hex").slice(0, 16)}.wasm`);
  if (
    await stat(out).then(
      () => true,
      () => false,
    )
  )
    return out;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await run(go.go, ["build", "-buildmode=c-shared", "-o", tmp, `./${name}`], {
    cwd: goDir,
    env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm", GOFLAGS: "-mod=readonly -buildvcs=false" },
    maxBuffer: 4 << 20,
  });
  await rename(tmp, out);
  return out;
}
