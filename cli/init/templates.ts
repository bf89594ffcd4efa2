import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";

/** The gallery: each `examples/<name>` with an `example.json` is a real filter `init` scaffolds from. */
export const examplesDir = join(packageRoot, "examples");
export const templatesDir = join(packageRoot, "templates");
/** Files every project gets (under templates/); a template's own files are copied over them. */
export const COMMON = "_common";
/** The describing file of a template; not copied into the project. */
export const META = "example.json";
/** The default template. */
export const DEFAULT_TEMPLATE = "add-header";
/** A skeleton to start from, not a real filter: kept out of the gallery, under templates/. */
const SKELETON = "minimal";

/** `example.json`: what the filter does, the flags `run` and `manifest` need for it, its npm dependencies. */
export interface TemplateMeta {
  description: string;
  /** e.g. " --tcp" for a network filter. */
  runFlags: string;
  /** e.g. " --type NETWORK", " --phase AUTHN". */
  manifestFlags: string;
  /** Added to the project's devDependencies (e.g. as-proto). */
  dependencies?: Record<string, string>;
}

/** The names `init --template` takes, in the order `--help` lists them: the default, the gallery, the skeleton. */
export const TEMPLATES: readonly string[] = [
  DEFAULT_TEMPLATE,
  ...readdirSync(examplesDir)
    .filter((name) => name !== DEFAULT_TEMPLATE && existsSync(join(examplesDir, name, META)))
    .sort(),
  SKELETON,
];

/** Where a template's files are. */
export function templateDir(name: string): string {
  return name === SKELETON ? join(templatesDir, SKELETON) : join(examplesDir, name);
}

export function readTemplateMeta(name: string): TemplateMeta {
  return JSON.parse(readFileSync(join(templateDir(name), META), "utf8")) as TemplateMeta;
}
