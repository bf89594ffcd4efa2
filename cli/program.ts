import { Command } from "commander";
import type { Io } from "./io.js";
import { packageVersion } from "./package-root.js";
import { registerInit } from "./commands/init.js";
import { registerBuild } from "./commands/build.js";
import { registerInspect } from "./commands/inspect.js";
import { registerRun } from "./commands/run.js";
import { registerSymbolize } from "./commands/symbolize.js";
import { registerStatus } from "./commands/status.js";
import { registerPush } from "./commands/push.js";
import { registerPull } from "./commands/pull.js";
import { registerLogin } from "./commands/login.js";
import { registerManifest } from "./commands/manifest.js";
import { registerKeygen } from "./commands/keygen.js";

/**
 * The command table. Each `register*` declares its flags and help, and loads its implementation only when
 * the command runs, so `--help` and unrelated commands start fast.
 */
export function createProgram(io: Io): Command {
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
  for (const register of [registerInit, registerBuild, registerInspect, registerRun, registerSymbolize, registerStatus, registerPush, registerPull, registerLogin, registerManifest, registerKeygen]) {
    register(program, io);
  }
  // Subcommands inherit output and exit handling so their usage errors come back as exceptions too.
  for (const command of program.commands) applyProgramSettings(command, program);
  return program;
}

function applyProgramSettings(command: Command, program: Command): void {
  command.copyInheritedSettings(program);
  for (const sub of command.commands) applyProgramSettings(sub, program);
}
