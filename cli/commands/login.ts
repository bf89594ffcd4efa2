import type { Command } from "commander";
import { CliError, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { flagCredential } from "../oci/cli-options.js";

const loginExamples = `
Examples:
  $ echo "$GITHUB_TOKEN" | as-proxy-wasm login ghcr.io -u my-user --password-stdin
  $ as-proxy-wasm login localhost:5000 -u ci --password-stdin < password.txt

Credentials are checked against the registry, then stored like \`docker login\` does: in the docker
config.json ($DOCKER_CONFIG/config.json or ~/.docker/config.json), or in its credsStore/credHelpers
helper. docker, oras and skopeo read the same file.`;

const logoutExamples = `
Example:
  $ as-proxy-wasm logout ghcr.io`;

export function registerLogin(program: Command, io: Io): void {
  program
    .command("login")
    .summary("log in to a registry (stored in the docker config.json)")
    .description("Check credentials against <registry> and store them in the docker config.json")
    .argument("<registry>", "registry host, e.g. ghcr.io or localhost:5000")
    .requiredOption("-u, --username <user>", "registry username")
    .option("--password-stdin", "read the password or token from standard input (required: never pass secrets as arguments)")
    .option("--plain-http", "talk HTTP instead of HTTPS (automatic for localhost, 127.x and [::1])")
    .addHelpText("after", loginExamples)
    .action(async (registryArg: string, flags: { username: string; passwordStdin?: boolean; plainHttp?: boolean }) => {
      if (!flags.passwordStdin) throw new UsageError("login needs --password-stdin", `pipe the password in: echo "$PASSWORD" | as-proxy-wasm login ${registryArg} -u ${flags.username} --password-stdin`);
      const credential = (await flagCredential(flags, io)) as { username: string; password: string };
      const { normalizeRegistry, checkLogin } = await import("../oci/remote/registry.js");
      const { AuthClient } = await import("../oci/remote/auth/client.js");
      const { retryingFetch } = await import("../oci/remote/retry/client.js");
      const { describeFailure, storeCredential } = await import("../oci/index.js");
      const registry = normalizeRegistry(registryArg);
      const client = new AuthClient({ fetch: retryingFetch(), credential: async () => credential });
      try {
        await checkLogin(registry, { client, plainHttp: flags.plainHttp });
      } catch (error) {
        const failure = await describeFailure(error, { display: registry, registry }, "login to");
        throw failure instanceof CliError ? failure : new CliError(`login to ${registry}: ${failure.message}`);
      }
      const where = await storeCredential(registry, credential, io.env);
      io.stdout.write(`login succeeded: ${registry} (stored in ${where})\n`);
    });

  program
    .command("logout")
    .summary("remove stored credentials for a registry")
    .description("Remove the credentials of <registry> from the docker config.json and its credential helper")
    .argument("<registry>", "registry host")
    .addHelpText("after", logoutExamples)
    .action(async (registryArg: string) => {
      const { normalizeRegistry } = await import("../oci/remote/registry.js");
      const { eraseCredential } = await import("../oci/index.js");
      const registry = normalizeRegistry(registryArg);
      const erased = await eraseCredential(registry, io.env);
      io.stdout.write(erased ? `logged out of ${registry}\n` : `not logged in to ${registry}\n`);
    });
}
