import { isManifestMediaType, MediaType, type Descriptor, type ImageManifest } from "./descriptor.js";
import { ContentError } from "./errors.js";
import type { ChunkFetcher, ChunkPusher, ReferenceFetcher, Target } from "./content/storage.js";

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
 * `dst` already has are skipped, the others copied up to three at once, and the manifest goes last under `dstRef`, so an interrupted copy leaves
 * no tag pointing at missing blobs and running it again finishes the job.
 */
export async function copy(src: Target, srcRef: string, dst: Target, dstRef: string, options: CopyOptions = {}): Promise<CopyResult> {
  const { descriptor, bytes } = fetchesReferences(src) ? await src.fetchReference(srcRef) : await resolveAndFetch(src, srcRef);
  const manifest = parseManifest(descriptor, bytes);
  const blobs = [...new Map([manifest.config, ...manifest.layers].map((blob) => [blob.digest, blob])).values()];
  await inParallel(blobs, concurrency, async (blob) => {
    if (await dst.exists(blob)) return options.onCopySkipped?.(blob);
    options.onCopyStart?.(blob);
    // Only when someone watches: reporting makes an upload go out in slices.
    const report = options.onProgress;
    const transfer = report ? { onProgress: (bytes: number) => report(blob, bytes) } : {};
    // A store that verifies as it receives gets the blob as it arrives (to disk), never whole in memory.
    if (fetchesChunks(src) && pushesChunks(dst)) await dst.pushChunks(blob, await src.fetchChunks(blob), transfer);
    else await dst.push(blob, await src.fetch(blob, transfer), transfer);
    options.onCopied?.(blob);
  });
  await dst.pushReference(descriptor, bytes, dstRef);
  return { descriptor, manifest };
}

function fetchesChunks(target: Target): target is Target & ChunkFetcher {
  return "fetchChunks" in target;
}

function pushesChunks(target: Target): target is Target & ChunkPusher {
  return "pushChunks" in target;
}

function fetchesReferences(target: Target): target is Target & ReferenceFetcher {
  return "fetchReference" in target;
}

async function resolveAndFetch(src: Target, reference: string): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
  const descriptor = await src.resolve(reference);
  return { descriptor, bytes: await src.fetch(descriptor) };
}

/**
 * Blobs copied at once, as oras-go's default: the small config's round trips overlap the module's upload.
 * Bounded, so an image of many layers does not hold them all in memory.
 */
const concurrency = 3;

/** Runs `work` over `items`, at most `limit` at a time; when one fails, waits for the others, then throws the first error. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => void errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length) throw errors[0];
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
