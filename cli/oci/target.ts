import { CliError } from "../errors.js";
import type { Io } from "../io.js";
import type { Target } from "./content/storage.js";
import { credentialSource } from "./credentials.js";
import { ContentError, NotFoundError, RegistryError, isOciUserError } from "./errors.js";
import { OciLayout } from "./layout.js";
import { apiHost, formatReference, parseLayoutReference, parseReference } from "./reference.js";
import { AuthClient, TokenError, type Credential } from "./remote/auth/client.js";
import { Repository } from "./remote/repository.js";
import { retryingFetch } from "./remote/retry/client.js";
import type { RetryPolicy } from "./remote/retry/policy.js";

export interface TargetOptions {
  /** `ref` is an OCI image layout `<dir>[:tag|@digest]`, not a registry reference. */
  ociLayout?: boolean;
  plainHttp?: boolean;
  io?: Io;
  /** From `--username` / `--password-stdin`; wins over env vars and the docker config. */
  credential?: Credential;
  mountFrom?: string[];
  chunkSize?: number;
  retry?: RetryPolicy;
}

export interface OpenedTarget {
  target: Target;
  /** Tag or digest inside the target. */
  reference: string;
  /** How to name the image to the user (`registry/repo:tag`, or the layout path). */
  display: string;
  /** The registry host, for error messages; undefined for a layout. */
  registry?: string;
  /** Whether any credential is configured for the registry: tells "refused" from "needs credentials". */
  hasCredential?: () => Promise<boolean>;
}

/** Opens a registry repository or an OCI image layout behind the same `Target` interface. */
export function openTarget(ref: string, options: TargetOptions = {}): OpenedTarget {
  if (options.ociLayout) {
    const layout = parseLayoutReference(ref);
    const display = layout.reference.startsWith("sha256:") ? `${layout.dir}@${layout.reference}` : `${layout.dir}:${layout.reference}`;
    return { target: new OciLayout(layout.dir), reference: layout.reference, display };
  }
  const parsed = parseReference(ref);
  const env = options.io?.env ?? process.env;
  const credential = credentialSource({ env, explicit: options.credential });
  const client = new AuthClient({ fetch: retryingFetch({ policy: options.retry }), credential });
  const target = new Repository(parsed, { client, plainHttp: options.plainHttp, mountFrom: options.mountFrom, chunkSize: options.chunkSize });
  const hasCredential = async () => (await credential(apiHost(parsed.registry)).catch(() => undefined)) !== undefined;
  return { target, reference: parsed.reference, display: formatReference(parsed), registry: parsed.registry, hasCredential };
}

/**
 * Turns what went wrong talking to a registry or layout into one line for the user: unauthorized names the
 * registry (never the credential), missing names the image, unreachable names the host.
 */
export async function describeFailure(error: unknown, opened: Pick<OpenedTarget, "display" | "registry" | "hasCredential">, verb: string): Promise<Error> {
  if (error instanceof CliError || isOciUserError(error)) return error;
  const image = opened.display;
  if (error instanceof NotFoundError) {
    // A missing manifest is the image itself; a missing blob is named by its digest.
    return new CliError(`${verb} ${image}: ${error.what.includes("@sha256:") && !image.includes(error.what) ? error.message : "not found"}`);
  }
  if ((error instanceof RegistryError || error instanceof TokenError) && (error.status === 401 || error.status === 403)) {
    const what = error.status === 401 ? "unauthorized" : "denied";
    const anonymous = opened.hasCredential ? !(await opened.hasCredential()) : false;
    const refusal = anonymous ? "needs credentials" : "refused the credentials";
    const hint = verb.startsWith("login")
      ? undefined
      : `${anonymous ? "log in" : "check them"}: as-proxy-wasm login ${opened.registry} -u <user> --password-stdin`;
    return new CliError(`${verb} ${image}: ${what}: registry ${opened.registry} ${refusal} (${error.message})`, 1, hint);
  }
  if (error instanceof RegistryError || error instanceof TokenError || error instanceof ContentError) return new CliError(`${verb} ${image}: ${error.message}`);
  const cause = networkCause(error);
  if (cause) {
    const hint = /SSL|TLS|EPROTO|wrong version/i.test(cause)
      ? "the registry may speak plain HTTP: add --plain-http"
      : cause === "ECONNREFUSED"
        ? `nothing answers at ${opened.registry}: is the registry running, and is the port right?`
        : cause === "ENOTFOUND"
          ? "no such host: check the registry name in the reference"
          : undefined;
    return new CliError(`${verb} ${image}: cannot reach registry ${opened.registry ?? ""}: ${cause}`.replace(/\s+:/, ":"), 1, hint);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function networkCause(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== "fetch failed") return undefined;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? "network error";
}
