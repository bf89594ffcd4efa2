import { OciInputError } from "./errors.js";
import { isDigest } from "./descriptor.js";

/**
 * A registry reference `registry/repository[:tag][@digest]`, parsed like docker and oras: a first path
 * component with a dot, a colon or equal to `localhost` names the registry; otherwise Docker Hub.
 */
export interface Reference {
  /** Registry host as written (`localhost:5000`, `ghcr.io`, `docker.io`). */
  registry: string;
  repository: string;
  /** Tag or digest; `latest` when neither was given. */
  reference: string;
}

const dockerHub = "docker.io";
const repositoryPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

export function parseReference(raw: string): Reference {
  const invalid = (why: string) => new OciInputError(`invalid reference "${raw}": ${why}`, "write it as <registry>/<repository>[:tag|@sha256:<digest>]");
  let rest = raw.replace(/^oci:\/\//, "");
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw invalid(`"${digest}" is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(`"${tag}" is not a valid tag`);
  }
  const slash = rest.indexOf("/");
  // Docker would read `localhost:5000` or `ghcr.io` as an image on Docker Hub; here it is a registry
  // given without the repository, which is what the user meant.
  if (slash < 0 && (rest.includes(".") || rest === "localhost")) {
    throw new OciInputError(`invalid reference "${raw}": names a registry but no repository`, `add the repository: ${raw.replace(/@.*/, "")}/my-filter:1.0.0`);
  }
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[");
  const registry = hasRegistry ? first : dockerHub;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (registry === dockerHub && !repository.includes("/")) repository = `library/${repository}`;
  if (!repositoryPattern.test(repository)) throw invalid(`"${repository}" is not a valid repository name`);
  return { registry, repository, reference: digest ?? tag ?? "latest" };
}

export function formatReference(ref: Reference): string {
  const separator = isDigest(ref.reference) ? "@" : ":";
  return `${ref.registry}/${ref.repository}${separator}${ref.reference}`;
}

/** The host the distribution API is served from (Docker Hub's API lives elsewhere than its name). */
export function apiHost(registry: string): string {
  return registry === dockerHub ? "registry-1.docker.io" : registry;
}

/** Loopback registries speak plain HTTP without being asked, as docker and oras allow for localhost. */
export function isLoopback(registry: string): boolean {
  const host = registry.startsWith("[") ? registry.slice(0, registry.indexOf("]") + 1) : registry.split(":")[0];
  return host === "localhost" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** An OCI image layout reference `<dir>[:tag|@digest]` (as `oras --oci-layout`); `latest` by default. */
export interface LayoutReference {
  dir: string;
  reference: string;
}

export function parseLayoutReference(raw: string): LayoutReference {
  const at = raw.lastIndexOf("@");
  const separator = Math.max(raw.lastIndexOf("/"), raw.lastIndexOf("\\"));
  if (at > separator && at > 0) {
    // An `@` in the last path segment is a digest: a malformed one is a mistake, not a directory name.
    const digest = raw.slice(at + 1);
    if (!isDigest(digest)) {
      throw new OciInputError(`invalid OCI layout reference "${raw}": "${digest}" is not a sha256 digest`, "write it as <dir>[:tag|@sha256:<64 hex digits>]");
    }
    return { dir: raw.slice(0, at), reference: digest };
  }
  const colon = raw.lastIndexOf(":");
  // A colon inside the path's last segment separates the tag; Windows drive letters ("C:") stay in the path.
  if (colon > separator && colon > 1) {
    const tag = raw.slice(colon + 1);
    if (!tagPattern.test(tag)) throw new OciInputError(`invalid OCI layout reference "${raw}": "${tag}" is not a valid tag`);
    return { dir: raw.slice(0, colon), reference: tag };
  }
  return { dir: raw, reference: "latest" };
}
