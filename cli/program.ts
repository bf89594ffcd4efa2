import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "./io.js";
import { packageVersion } from "./package-root.js";

/** Declares a command (its typed flags, arguments and help) on the program. */
export type Register = (program: CommandUnknownOpts, io: Io) => void;

/**
 * The command table, in help order: command names → the module declaring them. Only the module of the
 * command being run is loaded (the others' module graphs cost a `push` ~30 ms of start-up); help, a global
 * flag alone or an unknown name load them all.
 */
const commandModules: [names: string[], load: () => Promise<Register>][] = [
  [["init"], async () => (await import("./commands/init/index.js")).registerInit],
  [["build"], async () => (await import("./commands/build/index.js")).registerBuild],
  [["inspect"], async () => (await import("./commands/inspect/index.js")).registerInspect],
  [["run"], async () => (await import("./commands/run/index.js")).registerRun],
  [["symbolize"], async () => (await import("./commands/symbolize/index.js")).registerSymbolize],
  [["status"], async () => (await import("./commands/status/index.js")).registerStatus],
  [["push"], async () => (await import("./commands/push/index.js")).registerPush],
  [["pull"], async () => (await import("./commands/pull/index.js")).registerPull],
  [["login", "logout"], async () => (await import("./commands/login/index.js")).registerLogin],
  [["manifest"], async () => (await import("./commands/manifest/index.js")).registerManifest],
  [["keygen"], async () => (await import("./commands/keygen/index.js")).registerKeygen],
];

/**
 * The program for `argv` (the arguments after the binary). Each `register*` declares its flags and help, and
 * loads its implementation only when the command runs, so `--help` and unrelated commands start fast.
 */
export async function createProgram(io: Io, argv: readonly string[] = []): Promise<Command> {
  const program = new Command("as-proxy-wasm")
    .description("Build, test, publish and deploy Proxy-Wasm filters written in AssemblyScript")
    .version(packageVersion, "-V, --version")
    .option("--verbose", "show stack traces and debugging detail on errors")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  // Global flags take no value, so the first other argument names the command.
  const name = argv.find((arg) => !arg.startsWith("-"));
  const only = commandModules.filter(([names]) => name !== undefined && names.includes(name));
  for (const register of await Promise.all((only.length ? only : commandModules).map(([, load]) => load()))) {
    register(program, io);
  }
  // Subcommands inherit output and exit handling so their usage errors come back as exceptions too.
  for (const command of program.commands) applyProgramSettings(command, program);
  return program;
}

function applyProgramSettings(command: CommandUnknownOpts, program: CommandUnknownOpts): void {
  command.copyInheritedSettings(program);
  for (const sub of command.commands) applyProgramSettings(sub, program);
}
