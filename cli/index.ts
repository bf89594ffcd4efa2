import { CommanderError } from "commander";
import { CliError, ExitError } from "./errors.js";
import { ManifestError, ManifestInputError } from "./manifests/errors.js";
import { CredentialsError, OciInputError } from "./oci/errors.js";
import { processIo, type Io } from "./io.js";
import { createProgram } from "./program.js";

/**
 * Runs the CLI and returns its exit code. Never exits the process: `bin/as-proxy-wasm.js` does, so tests
 * and other tools can call this in-process with an injected `io`.
 */
export async function runCli(argv: string[], io: Io = processIo()): Promise<number> {
  const verbose = argv.includes("--verbose");
  try {
    const program = await createProgram(io, argv);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    return report(error, io, verbose);
  }
}

function report(error: unknown, io: Io, verbose: boolean): number {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof CommanderError) {
    // commander already printed help, the version, or its own one-line usage error.
    return error.exitCode;
  }
  if (error instanceof CliError) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
    if (verbose && error.stack) io.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const library = libraryError(error);
  if (library) {
    io.stderr.write(`error: ${library.message}\n`);
    if (library.hint) io.stderr.write(`hint: ${library.hint}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return library.exitCode;
  }
  const fileError = describeFileSystemError(error);
  if (fileError) {
    io.stderr.write(`error: ${fileError}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write("hint: run again with --verbose for details\n");
  return 1;
}

/**
 * A file or directory the command could not write or read (e.g. `-o` under a regular file) is the user's to
 * fix, so it reads `cannot mkdir <path>: not a directory` instead of Node's `ENOTDIR: …, mkdir '<path>'`.
 */
function describeFileSystemError(error: unknown): string | undefined {
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof code !== "string" || typeof syscall !== "string" || typeof path !== "string") return undefined;
  const reason = /^[A-Z]+: ([^,]+)/.exec(error.message)?.[1] ?? code;
  return `cannot ${syscall} ${path}: ${reason}`;
}

/** Entry point of the `as-proxy-wasm` binary. */
export async function main(processArgv: string[]): Promise<void> {
  process.exitCode = await runCli(processArgv.slice(2));
}

/**
 * The libraries' own errors for the user to act on, as the CLI reports them: bad input exits 2 (like a usage
 * error), a login that cannot be read 1; `fix` becomes the hint. (A manifest builder's refusal reaches here
 * only from a command that did not map it to its flags: `manifest` does.)
 */
function libraryError(error: unknown): { message: string; hint?: string; exitCode: number } | undefined {
  if (error instanceof ManifestError) return { message: error.message, exitCode: 2 };
  if (error instanceof ManifestInputError || error instanceof OciInputError) return { message: error.message, hint: error.fix, exitCode: 2 };
  if (error instanceof CredentialsError) return { message: error.message, hint: error.fix, exitCode: 1 };
  return undefined;
}
