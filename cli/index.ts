import { CommanderError } from "commander";
import { CliError, ExitError } from "./errors.js";
import { ManifestError, ManifestInputError } from "./manifests/errors.js";
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
  // A manifest builder's refusal that no command mapped to its flags (`manifest` does): still the input's fault.
  if (error instanceof ManifestError || error instanceof ManifestInputError) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error instanceof ManifestInputError && error.fix) io.stderr.write(`hint: ${error.fix}\n`);
    return 2;
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
