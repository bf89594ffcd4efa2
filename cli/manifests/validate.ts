import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from "ajv";
import type { DataValidateFunction } from "ajv/dist/types/index.js";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import { celRules } from "./cel-rules.js";
import { ManifestError, ManifestInputError } from "./errors.js";

/**
 * Ajv that speaks the Kubernetes structural-schema dialect of CRDs: `x-kubernetes-validations` runs the
 * CEL rules (translated in `cel-rules.ts`), `x-kubernetes-list-type: map` rejects duplicate keys as the
 * API server does, `format: int32` is range-checked, the rest are annotations.
 */
function crdAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strictTypes: false });
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addKeyword({ keyword: "x-kubernetes-preserve-unknown-fields", schemaType: "boolean" });
  ajv.addKeyword({ keyword: "x-kubernetes-list-map-keys", schemaType: "array" });
  ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    schemaType: "array",
    errors: true,
    // After the structural keywords, as the API server only runs CEL on values of the right shape.
    post: true,
    compile(rules: { rule: string; message: string }[]) {
      const checks = rules.map(({ rule, message }) => {
        const check = celRules[rule];
        if (!check) throw new Error(`CEL rule without a translation in cel-rules.ts: ${rule}`);
        return { check, message };
      });
      return keywordCheck("x-kubernetes-validations", (self) => checks.find(({ check }) => !check(self))?.message);
    },
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    type: "array",
    schemaType: "string",
    errors: true,
    compile(listType: string, parentSchema) {
      const mapKeys: string[] = listType === "map" ? ((parentSchema as Record<string, string[]>)["x-kubernetes-list-map-keys"] ?? []) : [];
      return keywordCheck("x-kubernetes-list-type", (items) => {
        const seen = new Set<string>();
        for (const [index, item] of (items as unknown[]).entries()) {
          const key = JSON.stringify(mapKeys.length ? mapKeys.map((k) => (item as Record<string, unknown>)[k]) : item);
          if (seen.has(key)) return `duplicate entry at [${index}]: ${mapKeys.length ? `${mapKeys.join(", ")} ${key.slice(1, -1)}` : key}`;
          seen.add(key);
        }
        return undefined;
      });
    },
  });
  return ajv;
}

/** An Ajv keyword validator from a check that returns the failure message, or undefined when valid. */
function keywordCheck(keyword: string, failure: (data: unknown) => string | undefined): DataValidateFunction {
  const validate: DataValidateFunction = (data: unknown) => {
    const message = failure(data);
    if (message === undefined) {
      delete validate.errors;
      return true;
    }
    validate.errors = [{ keyword, message, params: {} }];
    return false;
  };
  return validate;
}

let sharedAjv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

export interface ValidateOptions {
  /** Path of `document` inside the manifest, prefixed to field names in errors. */
  root?: string;
}

/** Validates `document` against one of the vendored schemas; throws a ManifestError for the first violation. */
export function validateManifest(schema: object, document: unknown, options: ValidateOptions = {}): void {
  sharedAjv ??= crdAjv();
  let validate = compiled.get(schema);
  if (!validate) {
    validate = sharedAjv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(document)) return;
  const { field, reason } = describe(lastError(validate.errors!), document, options.root);
  throw new ManifestError(field, reason);
}

/**
 * Validates a filter's configuration against the filter project's own JSON Schema (draft-07, 2019-09 or
 * 2020-12, chosen by its `$schema`). Unknown keywords and formats are tolerated: the schema is the user's.
 */
export function validatePluginConfig(schema: unknown, config: unknown, field: string, schemaName: string): void {
  const dialect = typeof schema === "object" && schema !== null ? String((schema as { $schema?: unknown }).$schema ?? "") : "";
  const options = { allErrors: false, strict: false, validateFormats: false };
  const ajv = dialect.includes("2020-12") ? new Ajv2020(options) : dialect.includes("2019-09") ? new Ajv2019(options) : new Ajv(options);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema as AnySchema);
  } catch (error) {
    throw new ManifestInputError("configSchema", `${schemaName} is not a usable JSON Schema: ${(error as Error).message}`);
  }
  if (validate(config)) return;
  const { field: path, reason } = describe(lastError(validate.errors!), config, field);
  throw new ManifestError(path, `${reason} (per ${schemaName})`);
}

/**
 * Without allErrors Ajv stops at the first failure, but a failed oneOf/anyOf lists its branches' errors
 * first and its own last: the last error is the one that explains the failure.
 */
function lastError(errors: ErrorObject[]): ErrorObject {
  return errors[errors.length - 1];
}

/** Turns an Ajv error into a field path in dotted/indexed form and a reason that shows the offending value. */
function describe(error: ErrorObject, document: unknown, root = ""): { field: string; reason: string } {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let field = root;
  let value = document;
  for (const segment of segments) {
    field += /^\d+$/.test(segment) ? `[${segment}]` : `${field ? "." : ""}${segment}`;
    value = (value as Record<string, unknown>)?.[segment];
  }
  const got = value === undefined || typeof value === "object" ? "" : ` (got ${JSON.stringify(value)})`;
  switch (error.keyword) {
    case "required": {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return { field: field ? `${field}.${missing}` : missing, reason: "is required" };
    }
    case "enum":
      return { field, reason: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")}${got}` };
    case "pattern":
      return { field, reason: `must match ${(error.params as { pattern: string }).pattern}${got}` };
    case "additionalProperties": {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      return { field: field ? `${field}.${extra}` : extra, reason: "is not an allowed property" };
    }
    case "oneOf":
      return { field, reason: "must set exactly one of its alternatives" };
    default:
      return { field, reason: `${error.message ?? "is invalid"}${got}` };
  }
}
