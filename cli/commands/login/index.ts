import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../../errors.js";
import type { Io } from "../../io.js";
import { addPlainHttpOption, stdinCredential } from "../../oci/cli-options.js";

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

export function registerLogin(program: CommandUnknownOpts, io: Io): void {
  addPlainHttpOption(
    program
      .command("login")
      .summary("log in to a registry (stored in the docker config.json)")
      .description("Check credentials against <registry> and store them in the docker config.json")
      .argument("<registry>", "registry host, e.g. ghcr.io or localhost:5000")
      .requiredOption("-u, --username <user>", "registry username")
      .option("--password-stdin", "read the password or token from standard input (required: never pass secrets as arguments)"),
  )
    .addHelpText("after", loginExamples)
    .action(async (registryArg, flags) => {
      if (!flags.passwordStdin)
        throw new UsageError(
          "login needs --password-stdin",
          `pipe the password in: echo "$PASSWORD" | as-proxy-wasm login ${registryArg} -u ${flags.username} --password-stdin`,
        );
      const credential = await stdinCredential(flags.username, io);
      const { login } = await import("../../oci/index.js");
      const { registry, storedIn } = await login(registryArg, credential, { plainHttp: flags.plainHttp, env: io.env });
      io.stdout.write(`login succeeded: ${registry} (stored in ${storedIn})\n`);
    });

  program
    .command("logout")
    .summary("remove stored credentials for a registry")
    .description("Remove the credentials of <registry> from the docker config.json and its credential helper")
    .argument("<registry>", "registry host")
    .addHelpText("after", logoutExamples)
    .action(async (registryArg) => {
      const { logout } = await import("../../oci/index.js");
      const { registry, erased } = await logout(registryArg, io.env);
      io.stdout.write(erased ? `logged out of ${registry}\n` : `not logged in to ${registry}\n`);
    });
}
