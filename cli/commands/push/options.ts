// `push`'s flags, typed: what commander parses is what the push reads.
import { Option, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { addOciLayoutOption, addRegistryOptions } from "../../oci/cli-options.js";

export function declarePush(program: CommandUnknownOpts) {
  const command = program
    .command("push")
    .summary("package a .wasm as an OCI image Istio loads and push it")
    .description(
      "Package <file.wasm> as an OCI image that Istio's WasmPlugin loads, and push it to <ref> (a registry reference, or with --oci-layout a directory)",
    )
    .argument("<file.wasm>", "the module to publish")
    .argument("<ref>", "registry/repository[:tag], or <dir>[:tag] with --oci-layout")
    .addOption(
      new Option("--variant <variant>", "image layout: compat (one tar+gzip layer holding plugin.wasm) or oci (Wasm artifact, two layers)")
        .choices(["compat", "oci"])
        .default("compat"),
    )
    .option("--json", 'print { "digest": "sha256:…", "reference": "…" } on stdout')
    .option("--mount-from <repository...>", "try to mount blobs from these repositories of the same registry before uploading")
    .option("--created <time>", "RFC 3339 creation time (default: from SOURCE_DATE_EPOCH, else 1970-01-01T00:00:00Z)")
    .option("--source <url>", "org.opencontainers.image.source (default: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY)")
    .option("--revision <revision>", "org.opencontainers.image.revision (default: $GITHUB_SHA)")
    .option("--image-version <version>", "org.opencontainers.image.version")
    .option("--annotation <key=value...>", "extra image annotations")
    .option(
      "--root-id <id>",
      "a root id the plugin answers to, recorded in the oci variant's runtime config (repeatable)",
      (id: string, ids: string[] = []) => [...ids, id],
    )
    .option("--sign <private.key>", "sign the pushed manifest digest as `cosign sign --key` does (password in $COSIGN_PASSWORD)");
  return addRegistryOptions(addOciLayoutOption(command));
}

export type PushFlags = ReturnType<ReturnType<typeof declarePush>["opts"]>;
