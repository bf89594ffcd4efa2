import { createGunzip } from "node:zlib";
import { MediaType, type Descriptor, type ImageManifest } from "./descriptor.js";
import { ContentError } from "./errors.js";
import type { Fetcher } from "./content/storage.js";
import { pluginFileName } from "./package.js";
import { findInTar } from "./tar.js";

const wasmMagic = [0x00, 0x61, 0x73, 0x6d];

/**
 * Gets the module out of a pulled image, trying Istio's image fetcher rules in its order (docker v2 image,
 * compat, oci), then a one-layer artifact as `oras push plugin.wasm` makes it (which Istio refuses but users
 * have). Every blob is fetched through `fetcher`, which verifies it.
 */
export async function extractWasm(manifest: ImageManifest, fetcher: Fetcher): Promise<{ wasm: Uint8Array; layout: string }> {
  const layers = manifest.layers ?? [];
  const last = layers.at(-1);
  if (manifest.mediaType === MediaType.DockerManifest) {
    if (last?.mediaType !== MediaType.DockerLayerGzip)
      throw new ContentError(`docker image: last layer is ${last?.mediaType ?? "missing"}, expected ${MediaType.DockerLayerGzip}`);
    return { wasm: await pluginFromTarGz(last, fetcher), layout: "docker" };
  }
  if (last?.mediaType === MediaType.ImageLayerGzip) return { wasm: await pluginFromTarGz(last, fetcher), layout: "compat" };
  const wasmLayer = ociModuleLayer(manifest);
  if (wasmLayer) return { wasm: await fetcher.fetch(wasmLayer), layout: "oci" };
  if (layers.length === 1) {
    const bytes = await fetcher.fetch(layers[0]);
    if (wasmMagic.every((b, i) => bytes[i] === b)) return { wasm: bytes, layout: "artifact" };
  }
  throw new ContentError(
    `not a Wasm image: expected a last layer ${MediaType.ImageLayerGzip} holding ${pluginFileName}, two layers with one ${MediaType.WasmLayer}, or a single .wasm layer; found ${layers.length} layer(s) ${layers.map((l) => l.mediaType).join(", ")}`,
  );
}

/** The layer that is the module itself when `extractWasm` finds the oci layout, so a store can move it into place unread. */
export function ociModuleLayer(manifest: ImageManifest): Descriptor | undefined {
  const layers = manifest.layers ?? [];
  if (manifest.mediaType === MediaType.DockerManifest || layers.at(-1)?.mediaType === MediaType.ImageLayerGzip || layers.length !== 2) return undefined;
  return layers.find((l) => l.mediaType === MediaType.WasmLayer);
}

async function pluginFromTarGz(layer: Descriptor, fetcher: Fetcher): Promise<Uint8Array> {
  const compressed = await fetcher.fetch(layer);
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  gunzip.end(compressed);
  let wasm: Uint8Array | undefined;
  try {
    wasm = await findInTar(gunzip, pluginFileName);
  } catch (error) {
    if (error instanceof ContentError) throw error;
    throw new ContentError(`${layer.digest}: layer is not gzip: ${(error as Error).message}`);
  } finally {
    gunzip.destroy();
  }
  if (!wasm) throw new ContentError(`${layer.digest}: ${pluginFileName} not found in the layer`);
  return wasm;
}
