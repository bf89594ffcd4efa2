import { isManifestMediaType, manifestMediaTypes, rememberDigest, sha256, type Descriptor } from "../descriptor.js";
import { ContentError, NotFoundError, registryError } from "../errors.js";
import { receiveVerified } from "../content/reader.js";
import type { ChunkFetcher, ReferenceFetcher, TransferOptions, Target } from "../content/storage.js";
import { apiHost, isLoopback, type Reference } from "../reference.js";
import type { AuthClient } from "./auth/client.js";
import { asBody, type HttpRequestInit, type HttpResponse } from "./fetch.js";

export interface RepositoryOptions {
  client: AuthClient;
  /** Plain HTTP instead of HTTPS; loopback registries get it anyway. */
  plainHttp?: boolean;
  /**
   * Blobs larger than this are uploaded in PATCH chunks of this size (at least 5 MiB: the smallest chunk some
   * registries accept). Unset: one monolithic PUT, as oras-go does, which is a third faster on a 16 MB module.
   */
  chunkSize?: number;
  /** Repositories of the same registry to try mounting blobs from before uploading them. */
  mountFrom?: string[];
}

/**
 * One repository of a registry, speaking the OCI distribution spec. Implements `Target`, so `copy` pushes to
 * it and pulls from it like any other store.
 */
export class Repository implements Target, ReferenceFetcher, ChunkFetcher {
  readonly base: string;
  private readonly pullScope: string;
  private readonly pushScope: string;

  constructor(
    readonly ref: Reference,
    private readonly options: RepositoryOptions,
  ) {
    const scheme = options.plainHttp || isLoopback(ref.registry) ? "http" : "https";
    this.base = `${scheme}://${apiHost(ref.registry)}/v2/${ref.repository}`;
    this.pullScope = `repository:${ref.repository}:pull`;
    this.pushScope = `repository:${ref.repository}:pull,push`;
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    const url = this.contentUrl(descriptor);
    const response = await this.request("HEAD", url, {}, this.pullScope);
    if (response.status === 404) return false;
    if (!response.ok) throw await registryError("HEAD", url, response);
    return true;
  }

  /** Reads the blob into one buffer of the descriptor's size, hashing it as it arrives. */
  async fetch(descriptor: Descriptor, options: TransferOptions = {}): Promise<Uint8Array> {
    const chunks = await this.fetchChunks(descriptor);
    const buffer = Buffer.allocUnsafe(descriptor.size);
    await receiveVerified(descriptor, chunks, (chunk, at) => void buffer.set(chunk, at), options.onProgress);
    rememberDigest(buffer, descriptor.digest);
    return buffer;
  }

  /** The blob's body as it arrives, unverified (see `receiveVerified`). */
  async fetchChunks(descriptor: Descriptor): Promise<AsyncIterable<Uint8Array>> {
    const url = this.contentUrl(descriptor);
    const response = await this.request("GET", url, { headers: { accept: descriptor.mediaType } }, this.pullScope);
    if (response.status === 404) throw new NotFoundError(`${this.ref.registry}/${this.ref.repository}@${descriptor.digest}`);
    if (!response.ok) throw await registryError("GET", url, response);
    return response.chunks?.() ?? response.body ?? noChunks();
  }

  async push(descriptor: Descriptor, bytes: Uint8Array, options: TransferOptions = {}): Promise<void> {
    if (isManifestMediaType(descriptor.mediaType)) return this.pushReference(descriptor, bytes, descriptor.digest);
    await this.pushBlob(descriptor, bytes, options);
  }

  /** PUT of a manifest under a tag or its digest; the registry checks that every blob it names exists. */
  async pushReference(descriptor: Descriptor, bytes: Uint8Array, reference: string): Promise<void> {
    const url = `${this.base}/manifests/${reference}`;
    const response = await this.request("PUT", url, { body: asBody(bytes), headers: { "content-type": descriptor.mediaType } }, this.pushScope);
    if (response.status !== 201) throw await registryError("PUT", url, response);
    await response.body?.cancel();
  }

  async resolve(reference: string): Promise<Descriptor> {
    const url = `${this.base}/manifests/${reference}`;
    const response = await this.request("HEAD", url, { headers: { accept: manifestMediaTypes.join(", ") } }, this.pullScope);
    if (response.status === 404) throw new NotFoundError(`${this.ref.registry}/${this.ref.repository}:${reference}`);
    if (!response.ok) throw await registryError("HEAD", url, response);
    const digest = response.headers.get("docker-content-digest");
    const mediaType = response.headers.get("content-type")?.split(";")[0].trim();
    const size = Number(response.headers.get("content-length"));
    if (digest && mediaType && isManifestMediaType(mediaType) && Number.isFinite(size)) {
      if (reference.startsWith("sha256:") && digest !== reference) throw new ContentError(`${url}: registry answered digest ${digest}`);
      return { mediaType, digest, size };
    }
    // Some registries omit the digest on HEAD: fetch the manifest and hash it ourselves.
    return (await this.fetchReference(reference)).descriptor;
  }

  /** GETs a manifest by tag or digest; the digest is computed from the bytes, never trusted from a header. */
  async fetchReference(reference: string): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
    const url = `${this.base}/manifests/${reference}`;
    const response = await this.request("GET", url, { headers: { accept: manifestMediaTypes.join(", ") } }, this.pullScope);
    if (response.status === 404) throw new NotFoundError(`${this.ref.registry}/${this.ref.repository}:${reference}`);
    if (!response.ok) throw await registryError("GET", url, response);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.startsWith("sha256:") && digest !== reference) throw new ContentError(`${url}: manifest hashes to ${digest}`);
    const declared = (JSON.parse(Buffer.from(bytes).toString("utf8")) as { mediaType?: string }).mediaType;
    const mediaType = declared ?? response.headers.get("content-type")?.split(";")[0].trim() ?? manifestMediaTypes[0];
    return { descriptor: { mediaType, digest, size: bytes.byteLength }, bytes };
  }

  private async pushBlob(descriptor: Descriptor, bytes: Uint8Array, options: TransferOptions): Promise<void> {
    let location: string | undefined;
    for (const from of this.options.mountFrom ?? []) {
      const url = `${this.base}/blobs/uploads/?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(from)}`;
      const response = await this.request("POST", url, {}, this.pushScope, `repository:${from}:pull`);
      if (response.status === 201) return void (await response.body?.cancel());
      // 202: the registry could not mount and opened an ordinary upload session instead (spec allows it).
      if (response.status !== 202) throw await registryError("POST", url, response);
      await response.body?.cancel();
      location = this.location(response, url);
      break;
    }
    if (!location) {
      const url = `${this.base}/blobs/uploads/`;
      const response = await this.request("POST", url, {}, this.pushScope);
      if (response.status !== 202) throw await registryError("POST", url, response);
      await response.body?.cancel();
      location = this.location(response, url);
    }
    const { chunkSize } = this.options;
    const chunked = chunkSize !== undefined && bytes.byteLength > chunkSize;
    if (chunked) location = await this.patchChunks(location, bytes, chunkSize, options);
    // One PUT carries the whole blob, as oras-go sends it, or closes the chunked session with an empty body.
    const body = chunked ? new Uint8Array(0) : bytes;
    const put = new URL(location);
    put.searchParams.set("digest", descriptor.digest);
    const onSent = chunked ? undefined : options.onProgress;
    const response = await this.request(
      "PUT",
      put.href,
      { body: asBody(body), headers: { "content-type": "application/octet-stream" }, onSent },
      this.pushScope,
    );
    if (response.status !== 201) throw await registryError("PUT", put.href, response);
    await response.body?.cancel();
    if (body.byteLength) options.onProgress?.(bytes.byteLength);
  }

  /** PATCHes `bytes` in chunks (for registries or proxies that cap a request's size); returns the session's next Location. */
  private async patchChunks(location: string, bytes: Uint8Array, chunkSize: number, options: TransferOptions): Promise<string> {
    for (let start = 0; start < bytes.byteLength; start += chunkSize) {
      const chunk = bytes.subarray(start, Math.min(bytes.byteLength, start + chunkSize));
      const headers = { "content-type": "application/octet-stream", "content-range": `${start}-${start + chunk.byteLength - 1}` };
      const response = await this.request("PATCH", location, { body: asBody(chunk), headers }, this.pushScope);
      if (response.status !== 202) throw await registryError("PATCH", location, response);
      await response.body?.cancel();
      location = this.location(response, location);
      options.onProgress?.(start + chunk.byteLength);
    }
    return location;
  }

  private location(response: HttpResponse, requestUrl: string): string {
    const location = response.headers.get("location");
    if (!location) throw new ContentError(`${requestUrl}: registry opened an upload without a Location`);
    return new URL(location, requestUrl).href;
  }

  private contentUrl(descriptor: Descriptor): string {
    return `${this.base}/${isManifestMediaType(descriptor.mediaType) ? "manifests" : "blobs"}/${descriptor.digest}`;
  }

  private request(method: string, url: string, init: HttpRequestInit, ...scopes: string[]): Promise<HttpResponse> {
    return this.options.client.fetch(url, { ...init, method }, { scopes });
  }
}

async function* noChunks(): AsyncIterable<Uint8Array> {}
