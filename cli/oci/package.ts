import { OciInputError } from "./errors.js";
import { Annotation, describe, MediaType, sha256Parts, type Descriptor, type ImageManifest } from "./descriptor.js";
import { MemoryStore } from "./content/memory.js";
import type { Fetcher } from "./content/storage.js";
import { ContentError } from "./errors.js";
import { gzipDeterministic } from "./gzip.js";
import { tarOneFile } from "./tar.js";
import { declaredAbiVersions, readModuleInfo, type ModuleInfo } from "../wasm/module-info.js";

/**
 * Packages a .wasm in one of the two layouts Istio's image fetcher accepts (`pkg/wasm/imagefetcher.go`):
 *  - compat: an OCI image whose last (only) layer is `application/vnd.oci.image.layer.v1.tar+gzip` holding
 *    `plugin.wasm`; docker, skopeo and every registry handle it like any image.
 *  - oci: the solo-io Wasm artifact spec, exactly two layers: the runtime config
 *    (`application/vnd.module.wasm.config.v1+json`, also the manifest's config) and the raw module
 *    (`application/vnd.module.wasm.content.layer.v1+wasm`).
 * Layers carry title annotations so `oras pull` writes them as files. Bytes are reproducible: nothing
 * depends on the clock or the machine, so the same .wasm and options give the same digest.
 */
export type Variant = "compat" | "oci";
export const variants: Variant[] = ["compat", "oci"];

export const pluginFileName = "plugin.wasm";

/** The manifest annotation the compat variant carries (solo-io Wasm image spec, compat). */
export const variantAnnotation = "module.wasm.image/variant";

/** The oci variant's runtime config (solo-io Wasm image spec, `module.wasm.config.Runtime`). */
export interface WasmRuntimeConfig {
  type: "envoy_proxy";
  /** The Proxy-Wasm ABI versions the module declares (its `proxy_abi_version_*` exports), `v0.2.1` style. */
  abiVersions: string[];
  config: { rootIds?: string[] };
}

export interface PackageOptions {
  variant: Variant;
  /** Root ids the plugin answers to (Envoy's `root_id`), recorded in the oci variant's runtime config. */
  rootIds?: string[];
  /** RFC 3339 creation time: from SOURCE_DATE_EPOCH or fixed, never the clock. */
  created: string;
  /** Image annotations (source, revision, version…); `created` is added. */
  annotations?: Record<string, string>;
}

export interface PackagedArtifact {
  manifest: Descriptor;
  /** The manifest and every blob it names, tagged `reference` in the store. */
  store: MemoryStore;
}

/** The fixed creation time used when SOURCE_DATE_EPOCH is not set. */
export const defaultCreated = "1970-01-01T00:00:00Z";

export function createdFromEnv(env: NodeJS.ProcessEnv): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (!epoch) return defaultCreated;
  // reproducible-builds.org: a malformed value must fail, not quietly give another digest.
  if (!/^\d+$/.test(epoch))
    throw new OciInputError(
      `SOURCE_DATE_EPOCH "${epoch}" is not a whole number of seconds since 1970`,
      "unset it, or set it to e.g. $(git log -1 --format=%ct)",
    );
  return new Date(Number(epoch) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

export async function packageWasm(wasm: Uint8Array, options: PackageOptions, reference: string): Promise<PackagedArtifact> {
  const annotations = {
    [Annotation.Created]: options.created,
    ...(options.variant === "compat" ? { [variantAnnotation]: "compat" } : {}),
    ...options.annotations,
  };
  const blobs = options.variant === "compat" ? await compatBlobs(wasm, options.created) : ociBlobs(wasm, options.created, runtimeConfig(wasm, options.rootIds));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: blobs.config.descriptor,
    layers: blobs.layers.map((l) => l.descriptor),
    annotations: sortKeys(annotations),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const descriptor = describe(MediaType.ImageManifest, manifestBytes);
  const store = new MemoryStore();
  for (const blob of [blobs.config, ...blobs.layers]) await store.push(blob.descriptor, blob.bytes);
  await store.pushReference(descriptor, manifestBytes, reference);
  return { manifest: descriptor, store };
}

interface Blob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

async function compatBlobs(wasm: Uint8Array, created: string): Promise<{ config: Blob; layers: Blob[] }> {
  const tar = tarOneFile(pluginFileName, wasm, Math.floor(Date.parse(created) / 1000));
  const layer = await gzipDeterministic(tar);
  // A valid image config: diff_ids name the uncompressed layer, as runtimes and skopeo expect.
  const config = jsonBytes({
    created,
    architecture: "wasm",
    os: "wasip1",
    config: {},
    rootfs: { type: "layers", diff_ids: [sha256Parts(tar)] },
  });
  return {
    config: { descriptor: describe(MediaType.ImageConfig, config), bytes: config },
    layers: [{ descriptor: describe(MediaType.ImageLayerGzip, layer, { [Annotation.Title]: `${pluginFileName}.tar.gz` }), bytes: layer }],
  };
}

/** What the module itself declares, read from its exports: never a constant. */
function runtimeConfig(wasm: Uint8Array, rootIds: string[] | undefined): WasmRuntimeConfig {
  let info: ModuleInfo;
  try {
    info = readModuleInfo(wasm);
  } catch (error) {
    throw new OciInputError(`the module is not valid WebAssembly: ${(error as Error).message}`, "build it again: as-proxy-wasm build");
  }
  return { type: "envoy_proxy", abiVersions: declaredAbiVersions(info).map((v) => `v${v}`), config: rootIds?.length ? { rootIds } : {} };
}

function ociBlobs(wasm: Uint8Array, created: string, runtime: WasmRuntimeConfig): { config: Blob; layers: Blob[] } {
  // The runtime config of the spec (`type`, `abiVersions`, `config`), as the manifest config and as a layer.
  const config = jsonBytes({ created, ...runtime });
  return {
    config: { descriptor: describe(MediaType.WasmConfig, config), bytes: config },
    layers: [
      { descriptor: describe(MediaType.WasmConfig, config, { [Annotation.Title]: "runtime-config.json" }), bytes: config },
      { descriptor: describe(MediaType.WasmLayer, wasm, { [Annotation.Title]: pluginFileName }), bytes: wasm },
    ],
  };
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** What a pulled image says about its module, by the Wasm image spec. */
export interface ImageMetadata {
  /** The `module.wasm.image/variant` annotation (compat), when present. */
  variant?: string;
  abiVersions?: string[];
  rootIds?: string[];
}

/** Reads the variant annotation and, for the oci variant, its runtime config (the manifest's config blob). */
export async function readImageMetadata(manifest: ImageManifest, fetcher: Fetcher): Promise<ImageMetadata> {
  const variant = manifest.annotations?.[variantAnnotation];
  if (manifest.config.mediaType !== MediaType.WasmConfig) return variant === undefined ? {} : { variant };
  let runtime: Partial<WasmRuntimeConfig>;
  try {
    runtime = JSON.parse(Buffer.from(await fetcher.fetch(manifest.config)).toString("utf8")) as Partial<WasmRuntimeConfig>;
  } catch (error) {
    if (error instanceof SyntaxError) throw new ContentError(`${manifest.config.digest}: runtime config is not JSON`);
    throw error;
  }
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined);
  return { ...(variant === undefined ? {} : { variant }), abiVersions: strings(runtime.abiVersions) ?? [], rootIds: strings(runtime.config?.rootIds) ?? [] };
}
