import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../atomic-write.js";
import { Annotation, isDigest, MediaType, type Descriptor } from "./descriptor.js";
import { NotFoundError } from "./errors.js";
import { verifyContent } from "./content/reader.js";
import type { Target } from "./content/storage.js";

interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/**
 * An OCI image layout directory (image-spec `image-layout.md`): `oci-layout`, `index.json` and
 * `blobs/sha256/<hex>`; tags are `org.opencontainers.image.ref.name` annotations in the index, as skopeo
 * (`oci:<dir>:<tag>`) and oras (`--oci-layout <dir>:<tag>`) write them. The embedded default: no server.
 */
export class OciLayout implements Target {
  constructor(readonly dir: string) {}

  async exists(descriptor: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.blobPath(descriptor.digest))).size === descriptor.size;
    } catch {
      return false;
    }
  }

  async fetch(descriptor: Descriptor): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      const file = await readFile(this.blobPath(descriptor.digest));
      bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    } catch {
      throw new NotFoundError(`${this.dir}@${descriptor.digest}`);
    }
    return verifyContent(descriptor, bytes);
  }

  async push(descriptor: Descriptor, bytes: Uint8Array): Promise<void> {
    verifyContent(descriptor, bytes);
    await this.ensureLayout();
    await writeAtomically(this.blobPath(descriptor.digest), bytes);
  }

  async pushReference(descriptor: Descriptor, bytes: Uint8Array, reference: string): Promise<void> {
    await this.push(descriptor, bytes);
    const index = await this.readIndex();
    const manifests = index.manifests.filter((m) => m.annotations?.[Annotation.RefName] !== reference);
    manifests.push({ ...descriptor, annotations: { [Annotation.RefName]: reference } });
    await writeAtomically(join(this.dir, "index.json"), Buffer.from(JSON.stringify({ ...index, manifests }, null, 2)));
  }

  async resolve(reference: string): Promise<Descriptor> {
    const { manifests } = await this.readIndex();
    const found = isDigest(reference)
      ? manifests.find((m) => m.digest === reference)
      : manifests.find((m) => m.annotations?.[Annotation.RefName] === reference);
    if (!found) throw new NotFoundError(`${this.dir}:${reference}`);
    return { mediaType: found.mediaType, digest: found.digest, size: found.size };
  }

  private blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(":");
    return join(this.dir, "blobs", algorithm, hex);
  }

  private async readIndex(): Promise<LayoutIndex> {
    try {
      return JSON.parse(await readFile(join(this.dir, "index.json"), "utf8")) as LayoutIndex;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: [] };
      throw error;
    }
  }

  private async ensureLayout(): Promise<void> {
    await mkdir(join(this.dir, "blobs", "sha256"), { recursive: true });
    await writeFile(join(this.dir, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
  }
}
