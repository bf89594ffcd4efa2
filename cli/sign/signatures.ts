import { sign, verify, type KeyObject } from "node:crypto";
import { MemoryStore } from "../oci/content/memory.js";
import type { Target } from "../oci/content/storage.js";
import { describe, MediaType, type Descriptor, type ImageManifest } from "../oci/descriptor.js";
import { copy, NotFoundError, parseManifest } from "../oci/index.js";
import { signatureAnnotation, signatureTag, signedDigest, signingPayload, simpleSigningMediaType } from "./simple-signing.js";

/**
 * Signs the image `digest` in `target` (a repository, or an OCI layout) the way `cosign sign --key` does,
 * adding a layer to the signature manifest under `sha256-<hex>.sig` (earlier signatures are kept, one
 * identical signature is not added twice). Returns the signature tag.
 */
export async function signImage(target: Target, repository: string, digest: string, key: KeyObject): Promise<string> {
  const tag = signatureTag(digest);
  const payload = signingPayload(repository, digest);
  const signature = sign("sha256", payload, key).toString("base64");
  const store = new MemoryStore();
  const existing = await signatureManifest(target, tag);
  const layers = existing ? existing.manifest.layers : [];
  if (existing) await copy(target, tag, store, tag);
  const layer = describe(simpleSigningMediaType, payload, { [signatureAnnotation]: signature });
  // ECDSA signatures are randomized: the same payload signed again is a new layer, which is harmless but
  // grows the manifest; a payload already signed by this key is enough.
  if (layers.some((l) => l.digest === layer.digest && verifies(l, payload, key))) return tag;
  await store.push(layer, payload);
  const allLayers = [...layers, layer];
  const config = Buffer.from(
    JSON.stringify({
      architecture: "",
      created: "0001-01-01T00:00:00Z",
      history: [{ created: "0001-01-01T00:00:00Z" }],
      os: "",
      rootfs: { type: "layers", diff_ids: allLayers.map((l) => l.digest) },
      config: {},
    }),
  );
  const configDescriptor = describe(MediaType.ImageConfig, config);
  await store.push(configDescriptor, config);
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ImageManifest, config: configDescriptor, layers: allLayers };
  const bytes = Buffer.from(JSON.stringify(manifest));
  await store.pushReference(describe(MediaType.ImageManifest, bytes), bytes, tag);
  await copy(store, tag, target, tag);
  return tag;
}

/** Why an image is not accepted as signed: no signature at all, or none that `key` verifies for it. */
export class SignatureError extends Error {
  constructor(
    message: string,
    readonly unsigned: boolean,
  ) {
    super(message);
    this.name = "SignatureError";
  }
}

/**
 * Checks that `target` holds a cosign signature of `digest` that `key` verifies and whose payload names
 * that digest (a signature copied from another image does not count). Returns how many verified.
 */
export async function verifyImage(target: Target, digest: string, key: KeyObject): Promise<number> {
  const tag = signatureTag(digest);
  const found = await signatureManifest(target, tag);
  const candidates = found?.manifest.layers.filter((l) => l.mediaType === simpleSigningMediaType && l.annotations?.[signatureAnnotation]) ?? [];
  if (candidates.length === 0) throw new SignatureError(`no signature (no cosign signature under the tag ${tag})`, true);
  let verified = 0;
  for (const layer of candidates) {
    const payload = await target.fetch(layer);
    if (signedDigest(payload) === digest && verifies(layer, payload, key)) verified++;
  }
  if (verified === 0) throw new SignatureError(`none of its ${candidates.length} signature(s) verifies with this public key`, false);
  return verified;
}

function verifies(layer: Descriptor, payload: Uint8Array, key: KeyObject): boolean {
  try {
    return verify("sha256", payload, key, Buffer.from(layer.annotations?.[signatureAnnotation] ?? "", "base64"));
  } catch {
    return false;
  }
}

async function signatureManifest(target: Target, tag: string): Promise<{ descriptor: Descriptor; manifest: ImageManifest } | undefined> {
  let descriptor: Descriptor;
  try {
    descriptor = await target.resolve(tag);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  return { descriptor, manifest: parseManifest(descriptor, await target.fetch(descriptor)) };
}
