import { registryError } from "../errors.js";
import { apiHost, isLoopback } from "../reference.js";
import type { AuthClient } from "./auth/client.js";

/**
 * Checks that the client's credentials open the registry: `GET /v2/` answered through the auth client
 * (basic, or a token without repository scope as `docker login` asks for). Throws `RegistryError` (401 on
 * wrong credentials) or `TokenError`.
 */
export async function checkLogin(registry: string, options: { client: AuthClient; plainHttp?: boolean }): Promise<void> {
  const scheme = options.plainHttp || isLoopback(registry) ? "http" : "https";
  const url = `${scheme}://${apiHost(registry)}/v2/`;
  const response = await options.client.fetch(url, { method: "GET" }, { scopes: [] });
  if (!response.ok) throw await registryError("GET", url, response);
  await response.body?.cancel();
}

/** `https://ghcr.io/`, `ghcr.io/v2/` and `ghcr.io` all name the registry `ghcr.io`. */
export function normalizeRegistry(raw: string): string {
  return raw.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
}
