import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import type { Io } from "../io.js";
import { addRegistryOptions, flagCredential, type RegistryFlags } from "../oci/cli-options.js";

interface PullFlags extends RegistryFlags {
  output: string;
  json?: boolean;
}

const examples = `
Examples:
  $ as-proxy-wasm pull ghcr.io/acme/add-header:1.0.0 -o build/
  $ as-proxy-wasm pull ./image:1.0.0 --oci-layout -o /tmp/filter

Accepts every layout Istio loads (compat, oci, docker v2) and a one-layer \`oras push\` of a .wasm.
Every blob is checked against its digest and size before plugin.wasm is written.`;

export function registerPull(program: Command, io: Io): void {
  const command = program
    .command("pull")
    .summary("fetch a Wasm image and write plugin.wasm")
    .description("Fetch the image <ref>, verify every digest, and write <dir>/plugin.wasm")
    .argument("<ref>", "registry/repository[:tag|@digest], or <dir>[:tag] with --oci-layout")
    .option("-o, --output <dir>", "directory to write plugin.wasm into", ".")
    .option("--json", 'print { "digest", "reference", "file", "layout", "size" } on stdout')
    .addHelpText("after", examples);
  addRegistryOptions(command, { layout: true }).action(async (ref: string, flags: PullFlags) => {
    const oci = await import("../oci/index.js");
    const { MemoryStore } = await import("../oci/content/memory.js");
    const opened = oci.openTarget(flags.ociLayout ? resolve(io.cwd, ref) : ref, {
      ociLayout: flags.ociLayout,
      plainHttp: flags.plainHttp,
      io,
      credential: await flagCredential(flags, io),
    });
    const { progressHooks } = await import("../oci/progress.js");
    const local = new MemoryStore();
    let pulled: { digest: string; wasm: Uint8Array; layout: string };
    try {
      const { descriptor, manifest } = await oci.copy(opened.target, opened.reference, local, "pulled", progressHooks(io.stderr, !!flags.quiet || !!flags.json));
      pulled = { digest: descriptor.digest, ...(await oci.extractWasm(manifest, local)) };
    } catch (error) {
      throw await oci.describeFailure(error, opened, "pull");
    }
    const dir = resolve(io.cwd, flags.output);
    await mkdir(dir, { recursive: true });
    const file = join(dir, oci.pluginFileName);
    await writeFile(file, pulled.wasm);
    // Relative when it is under the working directory, else as the user would find it: absolute.
    const below = relative(io.cwd, file);
    const shown = below && !below.startsWith("..") ? below : file;
    const display = flags.ociLayout ? ref : opened.display;
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ digest: pulled.digest, reference: display, file, layout: pulled.layout, size: pulled.wasm.byteLength })}\n`);
    } else {
      // A reference by digest already names it.
      const pinned = display.endsWith(`@${pulled.digest}`) ? display : `${display}@${pulled.digest}`;
      io.stdout.write(`pulled ${pinned} (${pulled.layout}) → ${shown} (${pulled.wasm.byteLength} bytes)\n`);
    }
  });
}
