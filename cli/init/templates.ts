import { join } from "node:path";
import { packageRoot } from "../package-root.js";

/** The project templates of `init`, in the order `--help` lists them; the first is the default. */
export const TEMPLATES = ["add-header", "auth", "rate-limit", "http-callout", "body-rewrite", "tcp", "minimal"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const templatesDir = join(packageRoot, "templates");
/** Files every project gets; a template's own files are copied over them. */
export const COMMON = "_common";
