import { Option, type Command } from "commander";
import type { Io } from "../io.js";
import { TEMPLATES } from "../init/templates.js";

export function registerInit(program: Command, io: Io): void {
  program
    .command("init")
    .description("create a new filter project (source, tests, config schema, CI workflow) from a template")
    .argument("<dir>", "the new project's directory (must be empty or absent)")
    .addOption(new Option("-t, --template <name>", "what the filter does").choices(TEMPLATES).default(TEMPLATES[0]))
    .option(
      "--sdk <path>",
      "depend on this local copy of as-proxy-wasm (a file: path) instead of the npm version range; the default from a git checkout of as-proxy-wasm",
    )
    .addHelpText(
      "after",
      `
Templates:
  add-header    add and remove request/response headers
  auth          reject requests without a valid bearer token (local 401/403)
  rate-limit    limit requests per second across workers (shared data with CAS, a timer)
  http-callout  pause each request, ask an HTTP service, then resume or reject it
  body-rewrite  rewrite text in response bodies
  tcp           a network (TCP) filter that counts bytes and closes bad connections
  minimal       only logs each request: the smallest filter, to start your own from

Examples:
  $ as-proxy-wasm init my-filter
  $ as-proxy-wasm init my-auth --template auth && cd my-auth && npm install && npm test`,
    )
    .action(async (dir: string, options: import("../init/init.js").InitOptions) => {
      const { init } = await import("../init/init.js");
      await init(dir, options, io);
    });
}
