import type { Command } from "commander";
import type { Io } from "../io.js";

// Placeholder until the command lands; replaced by its implementation.
export function registerInspect(program: Command, _io: Io): void {
  program.command("inspect").description("(not implemented yet)");
}
