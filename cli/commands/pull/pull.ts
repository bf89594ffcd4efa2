import { mkdir, rmdir } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { writeAtomically } from "../../atomic-write.js";
import { CliError } from "../../errors.js";
import type { Io } from "../../io.js";
import type { PullFlags } from "./options.js";
import type { ImageManifest, ImageMetadata } from "../../oci/index.js";
import type { SpoolStore } from "../../oci/content/spool.js";
import { flagCredential } from "../../oci/cli-options.js";
import { readVerifyKey } from "../keygen/index.js";

/** `pull`: fetches the image, checks every digest (and with --verify its signature), and writes plugin.wasm. */
export async function pull(ref: string, flags: PullFlags, io: Io): Promise<void> {
  const oci = await import("../../oci/index.js");
  const { SpoolStore } = await import("../../oci/content/spool.js");
  const verifyKey = flags.verify === undefined ? undefined : await readVerifyKey(flags.verify, io);
  const opened = oci.openTarget(flags.ociLayout ? resolve(io.cwd, ref) : ref, {
    ociLayout: flags.ociLayout,
    plainHttp: flags.plainHttp,
    io,
    credential: await flagCredential(flags, io),
  });
  const { progressHooks } = await import("../../oci/progress.js");
  // The module is received into the output directory, so it reaches plugin.wasm by a rename.
  const dir = resolve(io.cwd, flags.output);
  const created = await mkdir(dir, { recursive: true });
  const local = new SpoolStore(dir, [oci.MediaType.WasmLayer]);
  const file = join(dir, oci.pluginFileName);
  let pulled: { digest: string; metadata: ImageMetadata } & PulledModule;
  let written = false;
  try {
    try {
      const { descriptor, manifest } = await oci.copy(
        opened.target,
        opened.reference,
        local,
        "pulled",
        progressHooks(io.stderr, !!flags.quiet || !!flags.json),
      );
      pulled = { digest: descriptor.digest, ...(await pulledModule(manifest, local, oci)), metadata: await oci.readImageMetadata(manifest, local) };
    } catch (error) {
      throw await oci.describeFailure(error, opened, "pull");
    }
    const display = flags.ociLayout ? ref : opened.display;
    let signatures: number | undefined;
    if (verifyKey) {
      const { SignatureError, signatureTag, verifyImage } = await import("../../sign/index.js");
      try {
        signatures = await verifyImage(opened.target, pulled.digest, verifyKey);
      } catch (error) {
        if (error instanceof SignatureError) {
          throw new CliError(
            `pull ${display}: refused: ${error.unsigned ? "the image is not signed" : "the image is not signed with this key"}: ${error.message}`,
            1,
            error.unsigned
              ? `sign it: as-proxy-wasm push … --sign <key> (or cosign sign --key <key> ${display.replace(/[:@][^/]*$/, "")}@${pulled.digest})`
              : `check that ${flags.verify} is the public key of the signer; the signatures are under ${signatureTag(pulled.digest)}`,
          );
        }
        throw await oci.describeFailure(error, opened, "verify");
      }
    }
    await pulled.write(file);
    written = true;
    report(io, flags, { ...pulled, display, file, signatures });
  } finally {
    await local.discard();
    if (!written) await removeCreated(dir, created);
  }
}

interface PulledModule {
  layout: string;
  size: number;
  /** Puts the verified module at `file` atomically. */
  write(file: string): Promise<void>;
}

/**
 * The module of a pulled image: an oci layer received to disk moves into place by a rename; anything else
 * (a small layer, a compat or docker layer unpacked in memory) is written through a temporary file.
 */
async function pulledModule(manifest: ImageManifest, local: SpoolStore, oci: typeof import("../../oci/index.js")): Promise<PulledModule> {
  const layer = oci.ociModuleLayer(manifest);
  if (layer) {
    const write = async (file: string) => void ((await local.moveTo(layer, file)) || (await writeAtomically(file, await local.fetch(layer))));
    return { layout: "oci", size: layer.size, write };
  }
  const { wasm, layout } = await oci.extractWasm(manifest, local);
  return { layout, size: wasm.byteLength, write: (file) => writeAtomically(file, wasm) };
}

/** A failed or refused pull leaves no directory it made (`created`: the first one `mkdir -p` made) behind. */
async function removeCreated(dir: string, created: string | undefined): Promise<void> {
  if (created === undefined) return;
  for (let at = dir; at === created || at.startsWith(created + sep); at = dirname(at)) {
    if (
      !(await rmdir(at).then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}

function report(
  io: Io,
  flags: PullFlags,
  pulled: { digest: string; metadata: ImageMetadata; layout: string; size: number; display: string; file: string; signatures?: number },
): void {
  const { digest, display, file, layout, size, metadata, signatures } = pulled;
  // Relative when it is under the working directory, else as the user would find it: absolute.
  const below = relative(io.cwd, file);
  const shown = below && !below.startsWith("..") ? below : file;
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ digest, reference: display, file, layout, size, ...metadata, ...(signatures ? { signatures } : {}) })}\n`);
    return;
  }
  // A reference by digest already names it.
  const pinned = display.endsWith(`@${digest}`) ? display : `${display}@${digest}`;
  io.stdout.write(`pulled ${pinned} (${layout}) → ${shown} (${size} bytes)\n`);
  const { abiVersions, rootIds } = metadata;
  if (abiVersions) io.stdout.write(`runtime config: ABI ${abiVersions.join(", ") || "(none declared)"}; root ids ${rootIds?.join(", ") || "(none)"}\n`);
  if (signatures) io.stdout.write(`verified: ${signatures} signature(s) by ${flags.verify}\n`);
}
