import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import type { Io } from "../io.js";
import type { Credential } from "./remote/auth/client.js";

/** Flags every registry-facing command shares, declared once. */
export interface RegistryFlags {
  ociLayout?: boolean;
  plainHttp?: boolean;
  username?: string;
  passwordStdin?: boolean;
  quiet?: boolean;
}

/** `--plain-http`, for every command that talks to a registry. */
export function addPlainHttpOption(command: Command): Command {
  return command.option("--plain-http", "talk HTTP instead of HTTPS (automatic for localhost, 127.x and [::1])");
}

export function addRegistryOptions(command: Command, { layout }: { layout: boolean }): Command {
  if (layout) command.option("--oci-layout", "treat <ref> as an OCI image layout directory <dir>[:tag] instead of a registry");
  return addPlainHttpOption(command)
    .option("-u, --username <user>", "registry username (the password comes from --password-stdin)")
    .option("--password-stdin", "read the registry password or token from standard input")
    .addOption(new Option("-q, --quiet", "no progress output"));
}

/** The credential given on the command line, if any; the password never comes from argv (it would show in `ps`). */
export async function flagCredential(flags: RegistryFlags, io: Io): Promise<Credential | undefined> {
  if (flags.passwordStdin && !flags.username) throw new UsageError("--password-stdin needs --username");
  if (!flags.username) return undefined;
  if (!flags.passwordStdin)
    throw new UsageError("--username needs the password on standard input", 'pipe it in: echo "$TOKEN" | as-proxy-wasm … -u <user> --password-stdin');
  const password = (await io.readStdin()).replace(/\r?\n$/, "");
  if (!password) throw new UsageError("--password-stdin: standard input is empty");
  return { username: flags.username, password };
}
