import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ManifestInputError } from "./errors.js";
import { parseReference } from "../oci/index.js";

/** Where the proxy gets the module from, decided from `--image`. */
export type WasmSource =
  /** A registry image; `reference` is without `oci://`; `digest` when the reference pins one (`@sha256:…`). */
  | { kind: "oci"; url: string; reference: string; digest?: string }
  | { kind: "http"; url: string }
  /** `path` is absolute; `url` is its `file://` form. */
  | { kind: "file"; url: string; path: string };

/**
 * Classifies `--image`: an explicit `oci://`, `http(s)://` or `file://` url; otherwise a path that exists
 * (or ends in `.wasm`) is a local file, and anything else a registry reference, as Istio reads a url
 * without scheme.
 */
export function classifyImage(image: string, cwd: string, isLocalFile: (path: string) => boolean): WasmSource {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(image)?.[1].toLowerCase();
  if (scheme === "http" || scheme === "https") return { kind: "http", url: image };
  if (scheme === "file") {
    const path = fileURLToPath(image);
    return { kind: "file", url: pathToFileURL(path).href, path };
  }
  if (scheme === "oci" || (scheme === undefined && !looksLocal(image, cwd, isLocalFile))) {
    const reference = image.replace(/^oci:\/\//i, "");
    const parsed = parseReference(reference);
    const digest = parsed.reference.startsWith("sha256:") ? parsed.reference : undefined;
    return { kind: "oci", url: `oci://${reference}`, reference, digest };
  }
  if (scheme !== undefined) {
    throw new ManifestInputError("image", `url must have schema one of [http, https, file, oci] (got "${image}")`);
  }
  const path = isAbsolute(image) ? image : resolve(cwd, image);
  return { kind: "file", url: pathToFileURL(path).href, path };
}

function looksLocal(image: string, cwd: string, isLocalFile: (path: string) => boolean): boolean {
  return image.endsWith(".wasm") || isLocalFile(resolve(cwd, image));
}

/** `sha256:<hex>` or bare hex → hex, as Istio's `sha256` field wants it; anything else is passed on for the schema to reject. */
export function digestHex(digest: string): string {
  return digest.replace(/^sha256:/, "");
}

/** A DNS-1123 name for the resource, derived from the image when `--name` is not given. */
export function defaultName(source: WasmSource): string {
  const path = source.kind === "oci" ? source.reference.replace(/[@:][^/]*$/, "") : source.kind === "file" ? source.path : new URL(source.url).pathname;
  const base = path.split(/[\\/]/).filter(Boolean).pop() ?? "";
  const name = base
    .replace(/\.wasm$/, "")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return name || "wasm-plugin";
}
