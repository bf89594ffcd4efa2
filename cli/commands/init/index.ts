import { Option, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";
import { DEFAULT_TEMPLATE, readTemplateMeta, TEMPLATES } from "../../init/templates.js";

export function registerInit(program: CommandUnknownOpts, io: Io): void {
  program
    .command("init")
    .description("create a new filter project (source, tests, config schema, CI workflow) from a template")
    .argument("<dir>", "the new project's directory (must be empty or absent)")
    .addOption(new Option("-t, --template <name>", "what the filter does").choices(TEMPLATES).default(DEFAULT_TEMPLATE))
    .option(
      "--sdk <path>",
      "depend on this local copy of as-proxy-wasm (a file: path) instead of the npm version range; the default from a git checkout of as-proxy-wasm",
    )
    .addHelpText(
      "after",
      () => `
Templates (the examples gallery: a project gets the filter, its tests, config schema and envoy.yaml):
${templateList()}

Examples:
  $ as-proxy-wasm init my-filter
  $ as-proxy-wasm init my-auth --template auth && cd my-auth && npm install && npm test`,
    )
    .action(async (dir, options) => {
      const { init } = await import("../../init/init.js");
      await init(dir, options, io);
    });
}

/** Each template with its description, wrapped under its name. */
function templateList(): string {
  const width = Math.max(...TEMPLATES.map((name) => name.length)) + 2;
  return TEMPLATES.map((name) => `  ${name.padEnd(width)}${wrap(readTemplateMeta(name).description, 100 - width - 2).join(`\n${" ".repeat(width + 2)}`)}`).join(
    "\n",
  );
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}
