import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import type { Io } from "../../io.js";
import type { PushFlags } from "./options.js";
import { flagCredential } from "../../oci/cli-options.js";
import { readSigningKey } from "../keygen/index.js";

/** `push`: packages the module, pushes it (to a registry or a layout directory), and signs what it pushed. */
export async function push(file: string, ref: string, flags: PushFlags, io: Io): Promise<void> {
  const oci = await import("../../oci/index.js");
  const wasm = await readWasm(resolve(io.cwd, file), file, flags.variant === "oci" ? oci.rememberDigest : undefined);
  if (flags.rootId?.length && flags.variant !== "oci") {
    throw new UsageError("--root-id: root ids are recorded in the oci variant's runtime config", "add --variant oci");
  }
  // Read (and decrypted) before anything is pushed: a wrong password must not leave an unsigned image behind.
  const signingKey = flags.sign === undefined ? undefined : await readSigningKey(flags.sign, io);
  const annotations = imageAnnotations(flags, io.env, oci.Annotation);
  const created = flags.created ?? oci.createdFromEnv(io.env);
  if (Number.isNaN(Date.parse(created))) throw new UsageError(`--created "${created}" is not an RFC 3339 time`);
  const artifact = await oci.packageWasm(wasm, { variant: flags.variant, created, annotations, rootIds: flags.rootId }, "local");
  const opened = oci.openTarget(flags.ociLayout ? resolve(io.cwd, ref) : ref, {
    ociLayout: flags.ociLayout,
    plainHttp: flags.plainHttp,
    io,
    credential: await flagCredential(flags, io),
    mountFrom: flags.mountFrom,
  });
  const { progressHooks } = await import("../../oci/progress.js");
  try {
    await oci.copy(artifact.store, "local", opened.target, opened.reference, progressHooks(io.stderr, !!flags.quiet || !!flags.json));
  } catch (error) {
    throw await oci.describeFailure(error, opened, "push to");
  }
  const display = flags.ociLayout ? `${ref}` : opened.display;
  let signature: string | undefined;
  if (signingKey) {
    const { signImage } = await import("../../sign/index.js");
    try {
      signature = await signImage(opened.target, signedRepository(ref, flags.ociLayout, oci.parseReference), artifact.manifest.digest, signingKey);
    } catch (error) {
      throw await oci.describeFailure(error, opened, "sign");
    }
  }
  if (flags.json) io.stdout.write(`${JSON.stringify({ digest: artifact.manifest.digest, reference: display, ...(signature ? { signature } : {}) })}\n`);
  else {
    io.stdout.write(`pushed ${display}@${artifact.manifest.digest} (${flags.variant})\n`);
    if (signature) io.stdout.write(`signed ${display}@${artifact.manifest.digest} (signature tag ${signature})\n`);
  }
}

/**
 * Reads the module. With `remember` (the oci variant, whose layer is the module itself), its digest is computed
 * slice by slice while the next slice is read, and handed over so packaging does not hash it again.
 */
async function readWasm(path: string, shown: string, remember?: (bytes: Uint8Array, digest: string) => void): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    if (remember) {
      const { bytes: read, digest } = await readHashing(path);
      remember((bytes = read), digest);
    } else {
      const file = await readFile(path);
      bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength); // a view: no second copy of the module
    }
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  if (bytes.byteLength < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new UsageError(`${shown} is not a WebAssembly module (no \\0asm header)`, "build one first: as-proxy-wasm build");
  }
  return bytes;
}

/** Reads of this size go to libuv's pool while the main thread hashes the slice before. */
const readSlice = 4 * 1024 * 1024;

async function readHashing(path: string): Promise<{ bytes: Uint8Array; digest: string }> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafe(size);
    const hash = createHash("sha256");
    let read = 0;
    let next = size > 0 ? handle.read(buffer, 0, Math.min(readSlice, size), 0) : undefined;
    while (next) {
      const { bytesRead } = await next;
      const start = read;
      read += bytesRead;
      // A file that shrank while being read ends at its last byte.
      next = bytesRead > 0 && read < size ? handle.read(buffer, read, Math.min(readSlice, size - read), read) : undefined;
      hash.update(buffer.subarray(start, read));
    }
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, read), digest: `sha256:${hash.digest("hex")}` };
  } finally {
    await handle.close();
  }
}

function imageAnnotations(flags: PushFlags, env: NodeJS.ProcessEnv, keys: { Source: string; Revision: string; Version: string }): Record<string, string> {
  const annotations: Record<string, string> = {};
  const source = flags.source ?? (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined);
  const revision = flags.revision ?? env.GITHUB_SHA;
  if (source) annotations[keys.Source] = source;
  if (revision) annotations[keys.Revision] = revision;
  if (flags.imageVersion) annotations[keys.Version] = flags.imageVersion;
  for (const pair of flags.annotation ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--annotation "${pair}": expected key=value`);
    annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return annotations;
}

/** The repository a signature names (cosign's `docker-reference`: registry/repository, Docker Hub as index.docker.io). */
function signedRepository(ref: string, ociLayout: boolean | undefined, parseReference: (ref: string) => { registry: string; repository: string }): string {
  if (ociLayout) return ref.replace(/[:@][^/]*$/, "");
  const { registry, repository } = parseReference(ref);
  return `${registry === "docker.io" ? "index.docker.io" : registry}/${repository}`;
}
