/**
 * The real cosign CLI for the signing interop tests: `github.com/sigstore/cosign/v2/cmd/cosign` built with
 * the machine's Go from the Go module proxy, once, into `.test-cache/` (measured on 2 cores: 4.3 min with
 * empty Go caches, 3.2 min with the modules cached) and reused by every run after. cosign runs offline: no
 * transparency log (`--tlog-upload=false`, `--insecure-ignore-tlog`), and its HTTPS client is pointed at a
 * closed loopback port, so the TUF root it tries to refresh is never fetched from the network (Go does not
 * proxy loopback, so the test registry is reached directly).
 */
import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, requireTool } from "./registry.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, "..", "..", ".test-cache");
export const cosignVersion = "v2.6.5";
/** cosign v2.6 needs Go 1.24 or later. */
const minimumGo = [1, 24];

let built: Promise<string> | undefined;

export function cosignBinary(): Promise<string> {
  built ??= build();
  return built;
}

async function build(): Promise<string> {
  requireTool("go");
  const { stdout } = await run("go", ["env", "GOVERSION"]);
  const [major, minor] = (/go(\d+)\.(\d+)/.exec(stdout)?.slice(1) ?? []).map(Number);
  if (!(major > minimumGo[0] || (major === minimumGo[0] && minor >= minimumGo[1]))) {
    throw new Error(`cosign ${cosignVersion} needs Go >= ${minimumGo.join(".")}, the go on PATH is ${stdout.trim()}: put a newer Go first on PATH`);
  }
  const binary = join(cacheDir, `cosign-${cosignVersion}`, "cosign");
  try {
    await access(binary);
    return binary;
  } catch {
    // not built yet
  }
  await mkdir(cacheDir, { recursive: true });
  const gobin = await mkdtemp(join(cacheDir, "cosign-build-"));
  try {
    await run("go", ["install", `github.com/sigstore/cosign/v2/cmd/cosign@${cosignVersion}`], {
      env: { ...process.env, GOBIN: gobin, GOCACHE: join(cacheDir, "go-build"), GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false", CGO_ENABLED: "0" },
      maxBuffer: 64 * 1024 * 1024,
    });
    await mkdir(dirname(binary), { recursive: true });
    await rename(join(gobin, "cosign"), binary);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
  return binary;
}

/** Runs cosign offline; resolves with its output, rejects (with stdout and stderr on the error) when it fails. */
export async function cosign(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  const binary = await cosignBinary();
  const closed = `http://127.0.0.1:${await freePort()}`;
  const home = await mkdtemp(join(tmpdir(), "cosign-home-"));
  try {
    return await run(binary, args, {
      env: { PATH: process.env.PATH, HOME: home, TUF_ROOT: join(home, "tuf"), HTTPS_PROXY: closed, HTTP_PROXY: closed, NO_PROXY: "", ...env },
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
