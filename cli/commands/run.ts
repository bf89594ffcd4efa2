import type { Command } from "commander";
import type { Io } from "../io.js";

// Placeholder until the command lands; replaced by its implementation.
export function registerRun(program: Command, _io: Io): void {
  program.command("run").description("(not implemented yet)");
}
