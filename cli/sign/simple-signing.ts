/**
 * Cosign's signature of an image: a "simple signing" payload naming the repository and the manifest
 * digest (sigstore `payload.Cosign`, serialized as Go's encoding/json does: fields in this order), signed
 * with ECDSA P-256 / SHA-256, and stored in the same repository as the image under the tag
 * `sha256-<hex>.sig`: an OCI manifest with one layer per signature, each layer the payload and its
 * annotation the base64 DER signature.
 */
export const simpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
export const signatureAnnotation = "dev.cosignproject.cosign/signature";
const signatureType = "cosign container image signature";

export interface SimpleSigningPayload {
  critical: {
    identity: { "docker-reference": string };
    image: { "docker-manifest-digest": string };
    type: string;
  };
  optional: Record<string, unknown> | null;
}

/** The payload for `digest` of the image in `repository` (`registry/path`, no tag), as cosign writes it. */
export function signingPayload(repository: string, digest: string): Uint8Array {
  const payload: SimpleSigningPayload = {
    critical: { identity: { "docker-reference": repository }, image: { "docker-manifest-digest": digest }, type: signatureType },
    optional: null,
  };
  return Buffer.from(JSON.stringify(payload));
}

/** The digest a payload vouches for; undefined when it is not a cosign image signature payload. */
export function signedDigest(payload: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(payload).toString("utf8")) as Partial<SimpleSigningPayload>;
    if (parsed.critical?.type !== signatureType) return undefined;
    const digest = parsed.critical.image?.["docker-manifest-digest"];
    return typeof digest === "string" ? digest : undefined;
  } catch {
    return undefined;
  }
}

/** `sha256:<hex>` → `sha256-<hex>.sig`: where cosign keeps the signatures of that manifest. */
export function signatureTag(digest: string): string {
  return `${digest.replace(":", "-")}.sig`;
}
