import { createHash } from "node:crypto";

/** An OCI content descriptor: what a manifest says about a blob (image-spec `descriptor.md`). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export const MediaType = {
  ImageManifest: "application/vnd.oci.image.manifest.v1+json",
  ImageIndex: "application/vnd.oci.image.index.v1+json",
  ImageConfig: "application/vnd.oci.image.config.v1+json",
  ImageLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  /** Istio's *oci* variant (solo-io Wasm image spec). */
  WasmConfig: "application/vnd.module.wasm.config.v1+json",
  WasmLayer: "application/vnd.module.wasm.content.layer.v1+wasm",
} as const;

/** Manifest media types a registry may answer with; sent as `Accept` when resolving a reference. */
export const manifestMediaTypes = [MediaType.ImageManifest, MediaType.DockerManifest, MediaType.ImageIndex, MediaType.DockerManifestList];

export const Annotation = {
  Title: "org.opencontainers.image.title",
  Created: "org.opencontainers.image.created",
  Source: "org.opencontainers.image.source",
  Revision: "org.opencontainers.image.revision",
  Version: "org.opencontainers.image.version",
  /** Tag name in an OCI image layout's index.json. */
  RefName: "org.opencontainers.image.ref.name",
} as const;

/** The manifest shape shared by OCI image manifests and docker schema 2 manifests. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/**
 * Digests of buffers already hashed, so describing, verifying and copying one blob hashes it once (a 64 MB
 * module took ~100 ms a pass). Sound because a blob's bytes are never modified once described; bytes from
 * outside (a download, a file) are new buffers and always get hashed.
 */
const knownDigests = new WeakMap<Uint8Array, string>();

export function sha256(bytes: Uint8Array): string {
  let digest = knownDigests.get(bytes);
  if (digest === undefined) {
    digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    knownDigests.set(bytes, digest);
  }
  return digest;
}

/** The digest of the concatenation of `parts`, without building it. */
export function sha256Parts(parts: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return `sha256:${hash.digest("hex")}`;
}

/** Records the digest of bytes hashed as they streamed in, so verifying them again costs nothing. */
export function rememberDigest(bytes: Uint8Array, digest: string): void {
  knownDigests.set(bytes, digest);
}

export function describe(mediaType: string, bytes: Uint8Array, annotations?: Record<string, string>): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.byteLength, ...(annotations ? { annotations } : {}) };
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** Only sha256 digests are produced and accepted: the algorithm every registry and Istio supports. */
export function isDigest(value: string): boolean {
  return digestPattern.test(value);
}

export function isManifestMediaType(mediaType: string): boolean {
  return (manifestMediaTypes as string[]).includes(mediaType);
}
