/**
 * The OCI side of the CLI: packaging a .wasm as an image Istio loads, and moving it between registries and
 * OCI image layouts. Commands (`push`, `pull`, `manifest`) use this module's exports only.
 */
import { CliError } from "../errors.js";
import { isOciUserError } from "./errors.js";
import type { Io } from "../io.js";
import { describeFailure, openTarget } from "./target.js";

export { copy, parseManifest, type CopyOptions } from "./copy.js";
export { Annotation, MediaType, rememberDigest, sha256, type Descriptor, type ImageManifest } from "./descriptor.js";
export { ContentError, NotFoundError, RegistryError } from "./errors.js";
export { extractWasm, ociModuleLayer } from "./extract.js";
export {
  createdFromEnv,
  packageWasm,
  pluginFileName,
  readImageMetadata,
  variantAnnotation,
  variants,
  type ImageMetadata,
  type Variant,
  type WasmRuntimeConfig,
} from "./package.js";
export { parseLayoutReference, parseReference, formatReference, type Reference } from "./reference.js";
export { login, logout } from "./login.js";
export { configKey, storedCredential } from "./credentials.js";
export { describeFailure, openTarget, type OpenedTarget, type TargetOptions } from "./target.js";

/**
 * The `sha256:<hex>` digest of the image MANIFEST that `ref` names (a registry reference, or with
 * `ociLayout` an OCI layout `<dir>[:tag]`): what Istio's WasmPlugin `sha256` pins for an `oci://` url.
 * Throws a `CliError` naming the image when it is unreachable or missing.
 */
export async function resolveManifestDigest(ref: string, opts: { ociLayout?: boolean; plainHttp?: boolean; io?: Io } = {}): Promise<string> {
  const opened = openTarget(ref, opts);
  try {
    return (await opened.target.resolve(opened.reference)).digest;
  } catch (error) {
    const failure = await describeFailure(error, opened, "cannot resolve image");
    throw failure instanceof CliError || isOciUserError(failure) ? failure : new CliError(`cannot resolve image ${opened.display}: ${failure.message}`);
  }
}
