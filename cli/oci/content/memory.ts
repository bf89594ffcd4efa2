import { isManifestMediaType, type Descriptor } from "../descriptor.js";
import { NotFoundError } from "../errors.js";
import { verifyContent } from "./reader.js";
import type { Target } from "./storage.js";

/** A Target in memory: where an artifact is packaged before being copied out, and a fake for tests. */
export class MemoryStore implements Target {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly tags = new Map<string, Descriptor>();

  async exists(descriptor: Descriptor): Promise<boolean> {
    return this.blobs.has(descriptor.digest);
  }

  async fetch(descriptor: Descriptor): Promise<Uint8Array> {
    const bytes = this.blobs.get(descriptor.digest);
    if (!bytes) throw new NotFoundError(descriptor.digest);
    return bytes;
  }

  async push(descriptor: Descriptor, bytes: Uint8Array): Promise<void> {
    this.blobs.set(descriptor.digest, verifyContent(descriptor, bytes));
  }

  async resolve(reference: string): Promise<Descriptor> {
    const tagged = this.tags.get(reference);
    if (tagged) return tagged;
    throw new NotFoundError(reference);
  }

  async pushReference(descriptor: Descriptor, bytes: Uint8Array, reference: string): Promise<void> {
    if (!isManifestMediaType(descriptor.mediaType)) throw new Error(`cannot tag ${descriptor.mediaType}: not a manifest`);
    await this.push(descriptor, bytes);
    this.tags.set(reference, descriptor);
  }
}
