import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import { join } from "node:path";
import { rememberDigest, type Descriptor } from "../descriptor.js";
import { MemoryStore } from "./memory.js";
import { receiveVerified } from "./reader.js";
import type { ChunkPusher, TransferOptions } from "./storage.js";

/**
 * Where `pull` receives an image: blobs of `mediaTypes` of 1 MiB or more (the module layer) are written to a
 * temporary file in `dir` as they arrive, hashed on the way (oras's file store does the same), the rest (manifest,
 * configs, a compat layer to unpack) stays in memory. The module then reaches its place by a rename, without a
 * copy in memory and with the write overlapping the download; a file is kept only once its size and digest
 * check out, and `discard` removes whatever was not moved.
 */
export class SpoolStore extends MemoryStore implements ChunkPusher {
  private readonly files = new Map<string, string>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly mediaTypes: readonly string[],
    private readonly threshold = 1024 * 1024,
  ) {
    super();
  }

  override async exists(descriptor: Descriptor): Promise<boolean> {
    return this.files.has(descriptor.digest) || super.exists(descriptor);
  }

  /** A spooled blob is read back from its file; it was verified on the way in. */
  override async fetch(descriptor: Descriptor): Promise<Uint8Array> {
    const file = this.files.get(descriptor.digest);
    return file === undefined ? super.fetch(descriptor) : readFile(file);
  }

  async pushChunks(descriptor: Descriptor, chunks: AsyncIterable<Uint8Array>, options: TransferOptions = {}): Promise<void> {
    if (descriptor.size < this.threshold || !this.mediaTypes.includes(descriptor.mediaType)) {
      const buffer = Buffer.allocUnsafe(descriptor.size);
      await receiveVerified(descriptor, chunks, (chunk, at) => void buffer.set(chunk, at), options.onProgress);
      rememberDigest(buffer, descriptor.digest);
      return this.push(descriptor, buffer);
    }
    const file = join(this.dir, `.${descriptor.digest.replace(/^sha256:/, "").slice(0, 16)}.${process.pid}.tmp`);
    this.pending.add(file);
    // A write stream, not one awaited write per chunk: the download goes on while earlier chunks are written
    // (in batches), and waits only when a MiB is queued.
    const out = createWriteStream(file, { highWaterMark: 1024 * 1024 });
    out.on("error", () => {}); // kept in `out.errored`, thrown below
    try {
      await receiveVerified(
        descriptor,
        chunks,
        async (chunk) => {
          if (out.errored) throw out.errored;
          if (!out.write(chunk)) await once(out, "drain");
        },
        options.onProgress,
      );
      out.end();
      await finished(out);
    } catch (error) {
      out.destroy();
      throw error;
    }
    this.files.set(descriptor.digest, file);
  }

  /** Moves a spooled blob to `path` (atomically: a rename in the same directory tree); false when it is in memory. */
  async moveTo(descriptor: Descriptor, path: string): Promise<boolean> {
    const file = this.files.get(descriptor.digest);
    if (file === undefined) return false;
    await rename(file, path);
    this.files.delete(descriptor.digest);
    this.pending.delete(file);
    return true;
  }

  /** Removes every temporary file not moved into place (a failed or refused pull leaves nothing behind). */
  async discard(): Promise<void> {
    await Promise.all([...this.pending].map((file) => rm(file, { force: true })));
    this.pending.clear();
    this.files.clear();
  }
}
