import { spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { writeAtomically } from "../atomic-write.js";
import { CredentialsError } from "./errors.js";
import type { Credential, CredentialFunc } from "./remote/auth/client.js";
import { normalizeRegistry } from "./remote/registry.js";

/**
 * Credentials in the docker `config.json`, shared with docker, oras and skopeo: `auths` (base64
 * `user:password`, or an identity token), `credsStore` (one helper for every registry) and `credHelpers`
 * (a helper per registry), helpers being `docker-credential-<name>` programs speaking JSON on stdin/stdout.
 */

/** CI credentials: used for every registry when both are set. */
export const usernameEnv = "AS_PROXY_WASM_REGISTRY_USERNAME";
export const passwordEnv = "AS_PROXY_WASM_REGISTRY_PASSWORD";

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  return join(env.HOME ?? homedir(), ".docker", "config.json");
}

async function readDockerConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch {
    throw new CredentialsError(`cannot read ${path}: not valid JSON`);
  }
}

async function writeDockerConfig(path: string, config: DockerConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeAtomically(path, `${JSON.stringify(config, null, "\t")}\n`, { mode: 0o600 });
}

/** Docker Hub's credentials live under its legacy index URL (the key a `.dockerconfigjson` uses too). */
export function configKey(registry: string): string {
  return registry === "docker.io" ? "https://index.docker.io/v1/" : registry;
}

/** `auths` keys may be written as URLs (`https://host/v1/`); compare by host. */
function sameRegistry(key: string, registry: string): boolean {
  return (
    key.replace(/^https?:\/\//, "").replace(/\/.*$/, "") ===
    configKey(registry)
      .replace(/^https?:\/\//, "")
      .replace(/\/.*$/, "")
  );
}

/** Looks a registry up: explicit credential, then the CI env vars, then the docker config. */
export function credentialSource(options: { env: NodeJS.ProcessEnv; explicit?: Credential }): CredentialFunc {
  const cache = new Map<string, Promise<Credential | undefined>>();
  return (registry) => {
    let found = cache.get(registry);
    if (!found) cache.set(registry, (found = lookup(registry, options)));
    return found;
  };
}

/**
 * The stored login of a registry (CI env vars, docker config, helpers), for handing on (a Kubernetes pull
 * secret): the registry host it is stored under, and the credential; undefined when there is none.
 */
export async function storedCredential(registryArg: string, env: NodeJS.ProcessEnv): Promise<{ registry: string; credential?: Credential }> {
  const registry = normalizeRegistry(registryArg);
  return { registry, credential: await lookup(registry, { env }) };
}

async function lookup(host: string, options: { env: NodeJS.ProcessEnv; explicit?: Credential }): Promise<Credential | undefined> {
  if (options.explicit) return options.explicit;
  // The auth client asks by API host; Docker Hub's logins are stored under its name.
  const registry = host === "registry-1.docker.io" ? "docker.io" : host;
  const { env } = options;
  if (env[usernameEnv] && env[passwordEnv] !== undefined) return { username: env[usernameEnv], password: env[passwordEnv] };
  const config = await readDockerConfig(dockerConfigPath(env));
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => sameRegistry(key, registry))?.[1] ?? config.credsStore;
  if (helper) {
    const fromHelper = await helperGet(helper, configKey(registry), env);
    if (fromHelper) return fromHelper;
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => sameRegistry(key, registry))?.[1];
  if (!entry) return undefined;
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username) return { username: entry.username, password: entry.password ?? "" };
  return undefined;
}

/** Stores a login the way docker does: in the registry's helper when one is configured, else in `auths`. */
export async function storeCredential(
  registry: string,
  credential: Required<Pick<Credential, "username" | "password">>,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const path = dockerConfigPath(env);
  const config = await readDockerConfig(path);
  const key = configKey(registry);
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  if (helper) {
    await runHelper(helper, "store", JSON.stringify({ ServerURL: key, Username: credential.username, Secret: credential.password }), env);
    return `docker-credential-${helper}`;
  }
  config.auths = { ...config.auths, [key]: { auth: Buffer.from(`${credential.username}:${credential.password}`).toString("base64") } };
  await writeDockerConfig(path, config);
  return path;
}

/** Removes a login from the helper and from `auths`; false when there was none. */
export async function eraseCredential(registry: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const path = dockerConfigPath(env);
  const config = await readDockerConfig(path);
  const key = configKey(registry);
  let erased = false;
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  if (helper && (await helperGet(helper, key, env))) {
    await runHelper(helper, "erase", key, env);
    erased = true;
  }
  const keys = Object.keys(config.auths ?? {}).filter((k) => sameRegistry(k, registry));
  if (keys.length) {
    for (const k of keys) delete config.auths![k];
    await writeDockerConfig(path, config);
    erased = true;
  }
  return erased;
}

async function helperGet(helper: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  let output: string;
  try {
    output = await runHelper(helper, "get", serverUrl, env);
  } catch (error) {
    // Helpers answer "credentials not found in native keychain" with a failure: that is not an error.
    if (error instanceof HelperError && /not found/i.test(error.output)) return undefined;
    throw error;
  }
  const parsed = JSON.parse(output) as { Username?: string; Secret?: string };
  if (!parsed.Secret) return undefined;
  // Docker's convention: username "<token>" means the secret is an identity token.
  if (parsed.Username === "<token>") return { identityToken: parsed.Secret };
  return { username: parsed.Username ?? "", password: parsed.Secret };
}

class HelperError extends CredentialsError {
  constructor(
    readonly program: string,
    verb: string,
    readonly output: string,
  ) {
    super(`credential helper ${program} ${verb} failed: ${output.trim().split("\n")[0] || "no output"}`);
  }
}

function runHelper(helper: string, verb: "get" | "store" | "erase", input: string, env: NodeJS.ProcessEnv): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [verb], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new CredentialsError(`credential helper ${program} not found on PATH`, "install it, or remove credsStore/credHelpers from the docker config.json")
          : error,
      ),
    );
    child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new HelperError(program, verb, stdout + stderr))));
    child.stdin.end(input);
  });
}
