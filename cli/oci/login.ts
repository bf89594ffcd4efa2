import { CliError } from "../errors.js";
import { isOciUserError } from "./errors.js";
import { eraseCredential, storeCredential } from "./credentials.js";
import { AuthClient } from "./remote/auth/client.js";
import { checkLogin, normalizeRegistry } from "./remote/registry.js";
import { retryingFetch } from "./remote/retry/client.js";
import { describeFailure } from "./target.js";

/**
 * `docker login`: checks the credential against the registry first (a typo is caught now, not at the next
 * push), then stores it. Returns the registry name and where the credential went.
 */
export async function login(
  registryArg: string,
  credential: { username: string; password: string },
  options: { plainHttp?: boolean; env: NodeJS.ProcessEnv },
): Promise<{ registry: string; storedIn: string }> {
  const registry = normalizeRegistry(registryArg);
  const client = new AuthClient({ fetch: retryingFetch(), credential: async () => credential });
  try {
    await checkLogin(registry, { client, plainHttp: options.plainHttp });
  } catch (error) {
    const failure = await describeFailure(error, { display: registry, registry }, "login to");
    throw failure instanceof CliError || isOciUserError(failure) ? failure : new CliError(`login to ${registry}: ${failure.message}`);
  }
  return { registry, storedIn: await storeCredential(registry, credential, options.env) };
}

/** `docker logout`: false when there was no login to remove. */
export async function logout(registryArg: string, env: NodeJS.ProcessEnv): Promise<{ registry: string; erased: boolean }> {
  const registry = normalizeRegistry(registryArg);
  return { registry, erased: await eraseCredential(registry, env) };
}
