/**
 * A template's module as `build` writes it in a project `init` made from that template: the template's folder
 * (examples/<name>, or templates/minimal) compiled with its entry and asconfig, through the shared compile
 * cache. test/package.test.ts checks, for every template and from the packed tarball, that the project's own
 * `build` writes these very bytes; suites that only need a template's module take it from here, so a run
 * compiles each template once.
 */
import { compileCached } from "../../cli/asc.js";
import { readProject } from "../../cli/compile/project.js";
import { templateDir } from "../../cli/init/templates.js";
import { packageRoot } from "../../cli/package-root.js";

export async function templateModule(name: string): Promise<Uint8Array> {
  const project = await readProject(templateDir(name), packageRoot);
  return compileCached({ entry: project.entry, config: project.config });
}
