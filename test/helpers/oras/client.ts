/**
 * The real ORAS client of the interop tests: `main.go` beside this file, built over Debian's ORAS Go library
 * v1 (golang-oras-oras-go-dev) offline with GOPATH mode. The binary is cached in `.test-cache/` under the
 * hash of its source, so it is built once (≈15 s) and reused by every test run after.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireTool } from "../registry.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, "..", "..", "..", ".test-cache");
const gopath = "/usr/share/gocode";

let built: Promise<string> | undefined;

export function orasClient(): Promise<string> {
  built ??= build();
  return built;
}

async function build(): Promise<string> {
  requireTool("go");
  try {
    await access(join(gopath, "src", "oras.land", "oras-go", "pkg", "oras"));
  } catch {
    throw new Error("the ORAS Go library is not installed: apt-get install golang-oras-oras-go-dev (see .ci/run)");
  }
  const source = await readFile(join(here, "main.go"));
  const binary = join(cacheDir, `oras-client-${createHash("sha256").update(source).digest("hex").slice(0, 16)}`);
  try {
    await access(binary);
    return binary;
  } catch {
    // not built yet
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  await run("go", ["build", "-o", tmp, "."], {
    cwd: here,
    env: { ...process.env, GO111MODULE: "off", GOPATH: gopath, GOCACHE: join(cacheDir, "go-build"), GOFLAGS: "", CGO_ENABLED: "0" },
  });
  await rename(tmp, binary);
  return binary;
}

/** Runs the ORAS client; resolves with its stdout, rejects with its stderr. */
export async function oras(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const binary = await orasClient();
  const { stdout } = await run(binary, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  return stdout;
}
