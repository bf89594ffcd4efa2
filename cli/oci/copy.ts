import { isManifestMediaType, MediaType, type Descriptor, type ImageManifest } from "./descriptor.js";
import { ContentError } from "./errors.js";
import type { Target } from "./content/storage.js";

export interface CopyOptions {
  /** Before a blob is copied; `onProgress` calls follow (bytes fetched from `src`, then bytes pushed to `dst`). */
  onCopyStart?: (descriptor: Descriptor) => void;
  onProgress?: (descriptor: Descriptor, bytes: number) => void;
  onCopied?: (descriptor: Descriptor) => void;
  /** The destination already had it: nothing was uploaded. */
  onCopySkipped?: (descriptor: Descriptor) => void;
}

export interface CopyResult {
  descriptor: Descriptor;
  manifest: ImageManifest;
}

/**
 * Copies one image (a manifest, its config and layers) from `src` to `dst` (oras-go `Copy`): blobs that
 * `dst` already has are skipped, and the manifest goes last under `dstRef`, so an interrupted copy leaves
 * no tag pointing at missing blobs and running it again finishes the job.
 */
export async function copy(src: Target, srcRef: string, dst: Target, dstRef: string, options: CopyOptions = {}): Promise<CopyResult> {
  const descriptor = await src.resolve(srcRef);
  const bytes = await src.fetch(descriptor);
  const manifest = parseManifest(descriptor, bytes);
  const seen = new Set<string>();
  for (const blob of [manifest.config, ...manifest.layers]) {
    if (seen.has(blob.digest)) continue;
    seen.add(blob.digest);
    if (await dst.exists(blob)) {
      options.onCopySkipped?.(blob);
      continue;
    }
    options.onCopyStart?.(blob);
    const onProgress = (bytes: number) => options.onProgress?.(blob, bytes);
    await dst.push(blob, await src.fetch(blob, { onProgress }), { onProgress });
    options.onCopied?.(blob);
  }
  await dst.pushReference(descriptor, bytes, dstRef);
  return { descriptor, manifest };
}

/** An image manifest (OCI or docker schema 2); indexes name several images and are refused with a clear error. */
export function parseManifest(descriptor: Descriptor, bytes: Uint8Array): ImageManifest {
  if (descriptor.mediaType === MediaType.ImageIndex || descriptor.mediaType === MediaType.DockerManifestList) {
    throw new ContentError(`${descriptor.digest} is an image index (${descriptor.mediaType}); push or pull a single image`);
  }
  if (!isManifestMediaType(descriptor.mediaType)) throw new ContentError(`${descriptor.digest}: unsupported manifest type ${descriptor.mediaType}`);
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(Buffer.from(bytes).toString("utf8")) as ImageManifest;
  } catch {
    throw new ContentError(`${descriptor.digest}: manifest is not JSON`);
  }
  if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers)) {
    throw new ContentError(`${descriptor.digest}: not an image manifest (schemaVersion 2 with config and layers)`);
  }
  return { ...manifest, mediaType: manifest.mediaType ?? descriptor.mediaType };
}
