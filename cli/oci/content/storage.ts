import type { Descriptor } from "../descriptor.js";

/**
 * Small role interfaces that compose, as in oras-go's `content/storage.go` and `target.go`: a registry
 * repository, an OCI image layout and the memory store all implement `Target`, so `copy` moves an
 * artifact between any two of them.
 */
export interface Fetcher {
  /** Returns the bytes of `descriptor`, verified against its size and digest. */
  fetch(descriptor: Descriptor, options?: TransferOptions): Promise<Uint8Array>;
}

export interface Pusher {
  /** Stores `bytes` as `descriptor`. Manifests are pushed with `push` too, before being tagged. */
  push(descriptor: Descriptor, bytes: Uint8Array, options?: TransferOptions): Promise<void>;
}

/**
 * A store that hands a blob over as it arrives, unverified (a registry's download): the receiver hashes and
 * checks it on the way (`receiveVerified`), so a large blob can go to disk without a whole copy in memory.
 */
export interface ChunkFetcher {
  fetchChunks(descriptor: Descriptor): Promise<AsyncIterable<Uint8Array>>;
}

/** A store that takes a blob as it arrives and verifies it itself (`copy` streams from a `ChunkFetcher` into it). */
export interface ChunkPusher {
  pushChunks(descriptor: Descriptor, chunks: AsyncIterable<Uint8Array>, options?: TransferOptions): Promise<void>;
}

export interface TransferOptions {
  /** Reports bytes moved so far, for progress bars; stores that move bytes at once may never call it. */
  onProgress?: (bytes: number) => void;
}

export interface ReadOnlyStorage extends Fetcher {
  exists(descriptor: Descriptor): Promise<boolean>;
}

export type Storage = ReadOnlyStorage & Pusher;

/** Resolves a tag and fetches its manifest in one request (oras-go `ReferenceFetcher`): a round trip less than resolve + fetch. */
export interface ReferenceFetcher {
  fetchReference(reference: string): Promise<{ descriptor: Descriptor; bytes: Uint8Array }>;
}

export interface Target extends Storage {
  /** Resolves a tag or digest to the manifest's descriptor; throws `NotFoundError` when absent. */
  resolve(reference: string): Promise<Descriptor>;
  /**
   * Stores a manifest and points `reference` (a tag) at it in one step. Copies call it last, after every
   * blob the manifest names is stored, so a tag never points at missing content.
   */
  pushReference(descriptor: Descriptor, bytes: Uint8Array, reference: string): Promise<void>;
}
