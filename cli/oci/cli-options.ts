import { Option, type Command, type OptionValues } from "@commander-js/extra-typings";
import { UsageError } from "../errors.js";
import type { Io } from "../io.js";
import type { Credential } from "./remote/auth/client.js";

/** `--plain-http`, for every command that talks to a registry. */
export function addPlainHttpOption<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option("--plain-http", "talk HTTP instead of HTTPS (automatic for localhost, 127.x and [::1])");
}

/** `--oci-layout`: `<ref>` names an OCI image layout directory (push, pull). */
export function addOciLayoutOption<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option("--oci-layout", "treat <ref> as an OCI image layout directory <dir>[:tag] instead of a registry");
}

/** Flags every registry-facing command shares, declared once. */
export function addRegistryOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return addPlainHttpOption(command)
    .option("-u, --username <user>", "registry username (the password comes from --password-stdin)")
    .option("--password-stdin", "read the registry password or token from standard input")
    .addOption(new Option("-q, --quiet", "no progress output"));
}

/** The credential given on the command line, if any; the password never comes from argv (it would show in `ps`). */
export async function flagCredential(flags: { username?: string; passwordStdin?: boolean }, io: Io): Promise<Credential | undefined> {
  if (flags.passwordStdin && !flags.username) throw new UsageError("--password-stdin needs --username");
  if (!flags.username) return undefined;
  if (!flags.passwordStdin)
    throw new UsageError("--username needs the password on standard input", 'pipe it in: echo "$TOKEN" | as-proxy-wasm … -u <user> --password-stdin');
  return stdinCredential(flags.username, io);
}

/** `username` with the password read from standard input (one line; its newline is not part of it). */
export async function stdinCredential(username: string, io: Io): Promise<Required<Pick<Credential, "username" | "password">>> {
  const password = (await io.readStdin()).replace(/\r?\n$/, "");
  if (!password) throw new UsageError("--password-stdin: standard input is empty");
  return { username, password };
}
