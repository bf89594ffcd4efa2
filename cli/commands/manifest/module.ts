// Where the module comes from (--image, --wasm) and what pins it: its kind, sha256 or image digest, and
// the filter type its exports show.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { CliError, UsageError } from "../../errors.js";
import type { Io } from "../../io.js";
import type { FilterType, WasmSource } from "../../manifests/index.js";
import type { CommonOptions, DigestOptions } from "./options.js";

/** The generators load on use (they bring ajv and yaml), keeping `--help` and other commands fast. */
export const manifests = () => import("../../manifests/index.js");

/** Envoy Gateway and Higress insert HTTP filters only: a network filter (by --type or the module's exports) is refused. */
export async function httpFilterOnly(options: CommonOptions, source: WasmSource, io: Io, proxy: string): Promise<void> {
  if ((await filterType(options, source, io)) === "NETWORK") {
    throw new UsageError(
      `--type: ${proxy} runs HTTP filters only (this is a NETWORK filter)`,
      "deploy a network filter with `manifest envoyfilter` or `manifest envoy`",
    );
  }
}

export function digestOnlyForImages(source: WasmSource, options: DigestOptions): void {
  if (source.kind !== "oci" && (options.digest !== undefined || options.ociLayout !== undefined)) {
    throw new UsageError(
      `${options.digest !== undefined ? "--digest" : "--oci-layout"}: applies to registry images only`,
      "for an http(s) or file url, pin the module with --sha256 or --wasm",
    );
  }
}

/** `--type`, or what the local module's exports say; HTTP without either. */
export async function filterType(options: CommonOptions, source: WasmSource, io: Io): Promise<FilterType> {
  const { filterTypes } = await manifests();
  if (options.type === undefined) return (await localModuleType(source, options, io)) ?? "HTTP";
  if (!filterTypes.includes(options.type as FilterType)) {
    throw new UsageError(`--type: must be one of ${filterTypes.join(", ")} (got "${options.type}")`);
  }
  return options.type as FilterType;
}

/** The filter type the exports of the module on this machine show, when there is one (see `moduleFilterType`). */
export async function localModuleType(source: WasmSource, options: CommonOptions, io: Io): Promise<FilterType | undefined> {
  const local = localModule(source, options, io);
  if (local === undefined || !isFile(local)) return undefined;
  return (await manifests()).moduleFilterType(await readInput(local, "--wasm"));
}

export async function classify(options: CommonOptions, io: Io): Promise<WasmSource> {
  return (await manifests()).classifyImage(options.image, io.cwd, isFile);
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The manifest digest for an `oci://` url, hex: pinned in the url, given by `--digest`, or looked up in the
 * OCI layout or the registry. An unreachable image is an error: an unpinned WasmPlugin is not what was asked.
 */
export async function ociDigest(source: Extract<WasmSource, { kind: "oci" }>, options: DigestOptions, io: Io): Promise<string> {
  const { digestHex } = await manifests();
  if (options.digest !== undefined) return digestHex(options.digest);
  if (source.digest !== undefined) return digestHex(source.digest);
  const { resolveManifestDigest, parseReference } = await import("../../oci/index.js");
  try {
    if (options.ociLayout !== undefined) {
      // A layout given without a tag is looked up by the image's tag: the one it will carry in the registry.
      const hasTag = /:[\w][\w.-]*$/.test(basename(options.ociLayout)) || options.ociLayout.includes("@");
      const layoutRef = hasTag ? options.ociLayout : `${options.ociLayout}:${parseReference(source.reference).reference}`;
      return digestHex(await resolveManifestDigest(resolve(io.cwd, layoutRef), { ociLayout: true, io }));
    }
    return digestHex(await resolveManifestDigest(source.reference, { plainHttp: options.plainHttp, io }));
  } catch (error) {
    if (!(error instanceof CliError) || error.hint) throw error;
    throw new CliError(error.message, error.exitCode, "pin it without a lookup: --digest sha256:… (from `push --json`)");
  }
}

/** sha256 of the module itself: `--sha256`, or computed from its local copy (which `--sha256`, when given too, must match). */
export async function moduleSha256(source: WasmSource, options: CommonOptions, io: Io): Promise<string | undefined> {
  const local = localModule(source, options, io);
  const computed = local
    ? createHash("sha256")
        .update(await readInput(local, "--wasm"))
        .digest("hex")
    : undefined;
  if (options.sha256 !== undefined && computed !== undefined && options.sha256 !== computed) {
    throw new UsageError(`--sha256: does not match ${local} (its sha256 is ${computed})`);
  }
  return options.sha256 ?? computed;
}

/** An http(s) url must be pinned: Envoy requires the sha256 of a remote module, and the WasmPlugin is pinned by design. */
export async function httpSha256(source: WasmSource, options: CommonOptions, io: Io): Promise<string> {
  const sha256 = await moduleSha256(source, options, io);
  if (sha256 === undefined) {
    throw new UsageError("--sha256: an http(s) url must be pinned by the module's sha256", "pass --sha256 <hex>, or --wasm <file> to compute it");
  }
  return sha256;
}

/** The module on this machine, if there is one: the `--image` file itself, or `--wasm`. */
export function localModule(source: WasmSource, options: CommonOptions, io: Io): string | undefined {
  if (source.kind === "file" && isFile(source.path)) return source.path;
  return options.wasm === undefined ? undefined : resolve(io.cwd, options.wasm);
}

/** A file a flag names, or a usage error naming the flag. */
export async function readInput(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new UsageError(`${flag}: cannot read ${path}`);
  }
}

/** What pins the module in a WasmPlugin: the image manifest digest (oci://), else the module's own sha256 (required for http(s)). */
export async function pinnedSha256(source: WasmSource, options: CommonOptions & DigestOptions, io: Io): Promise<string | undefined> {
  if (source.kind === "oci") return ociDigest(source, options, io);
  return source.kind === "http" ? httpSha256(source, options, io) : moduleSha256(source, options, io);
}
