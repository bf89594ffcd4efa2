/**
 * Errors that carry intent. Only `cli/index.ts` turns them into an exit code, so every other module
 * throws and stays testable in-process.
 */

/** A failure the user can fix; printed as one line (no stack) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad flags, arguments or input files: exit code 2, like commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
    this.name = "UsageError";
  }
}

/** Already reported to the user (e.g. a verdict printed by `inspect`); just exit with the code. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "ExitError";
  }
}
