/**
 * Istio's image fetcher rules (istio/istio `pkg/wasm/imagefetcher.go`, `PrepareFetch`), mirrored for tests
 * and run on the bytes a registry serves. Written apart from the CLI's own extractor on purpose: it is
 * the referee, so it shares no code with what it judges.
 *  1. manifest mediaType docker v2 → the LAST layer must be `application/vnd.docker.image.rootfs.diff.tar.gzip`;
 *     the first tar entry whose base name is `plugin.wasm` is the module.
 *  2. else "compat": the LAST layer must be `application/vnd.oci.image.layer.v1.tar+gzip`, same extraction.
 *  3. else "oci": EXACTLY two layers, the first of media type `application/vnd.module.wasm.content.layer.v1+wasm`
 *     is the raw module.
 *  4. else the image is refused.
 * Blobs are verified against their digests, as go-containerregistry does.
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import assert from "node:assert/strict";

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
}

export interface IstioFetch {
  variant: "docker" | "compat" | "oci";
  wasm: Buffer;
  manifestDigest: string;
}

export async function istioFetch(host: string, repository: string, reference: string): Promise<IstioFetch> {
  const base = `http://${host}/v2/${repository}`;
  const accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
  const manifestResponse = await fetch(`${base}/manifests/${reference}`, { headers: { accept } });
  assert.equal(manifestResponse.status, 200, `manifest ${reference}`);
  const manifestBytes = Buffer.from(await manifestResponse.arrayBuffer());
  const manifestDigest = `sha256:${createHash("sha256").update(manifestBytes).digest("hex")}`;
  const manifest = JSON.parse(manifestBytes.toString("utf8")) as { mediaType?: string; layers: Layer[] };
  const blob = async (layer: Layer) => {
    const bytes = Buffer.from(await (await fetch(`${base}/blobs/${layer.digest}`)).arrayBuffer());
    assert.equal(`sha256:${createHash("sha256").update(bytes).digest("hex")}`, layer.digest, "blob digest");
    assert.equal(bytes.byteLength, layer.size, "blob size");
    return bytes;
  };
  const last = manifest.layers.at(-1);
  if (manifest.mediaType === "application/vnd.docker.distribution.manifest.v2+json") {
    assert.equal(last?.mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip", "docker image: last layer media type");
    return { variant: "docker", wasm: pluginFromTarGz(await blob(last!)), manifestDigest };
  }
  if (last?.mediaType === "application/vnd.oci.image.layer.v1.tar+gzip") {
    return { variant: "compat", wasm: pluginFromTarGz(await blob(last)), manifestDigest };
  }
  assert.equal(manifest.layers.length, 2, "oci variant: number of layers must be 2");
  const wasmLayer = manifest.layers.find((l) => l.mediaType === "application/vnd.module.wasm.content.layer.v1+wasm");
  assert.ok(wasmLayer, "oci variant: could not find the layer of type application/vnd.module.wasm.content.layer.v1+wasm");
  return { variant: "oci", wasm: await blob(wasmLayer), manifestDigest };
}

/** Go's `extractWasmPluginBinary`: walk the archive, the first entry whose base name is plugin.wasm. */
function pluginFromTarGz(gz: Buffer): Buffer {
  const tar = gunzipSync(gz);
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(header.subarray(124, 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
    const start = offset + 512;
    if (name.split("/").pop() === "plugin.wasm") return tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
  }
  assert.fail("plugin.wasm not found in the archive");
}
