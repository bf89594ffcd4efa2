import { UsageError } from "../../errors.js";
import { failurePolicies, type FailurePolicy } from "../../manifests/envoy-wasm.js";
import type { NamedHost } from "../../manifests/envoy-bootstrap.js";
import type { HigressMatchRule } from "../../manifests/higress.js";
import type { TargetRef, TrafficMatch, VmEnv } from "../../manifests/wasmplugin.js";

/**
 * Parsers for the manifest flags: they only split syntax (`key=value`, `Kind/name`) and report the flag
 * when the syntax is wrong. Values go into the manifest as typed, so the schema names the field that
 * Istio would refuse (an integer flag that is not a number stays a string for the schema to reject).
 */

/** `app=foo,version=v1` (repeatable) → matchLabels. */
export function parseLabels(values: string[], flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of values.flatMap((v) => v.split(","))) {
    const eq = pair.indexOf("=");
    if (eq < 0) throw new UsageError(`${flag}: expected key=value (got "${pair}")`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

/** The API group of each kind a WasmPlugin or EnvoyExtensionPolicy attaches to, so `Gateway/name` is enough on the command line. */
const defaultGroups: Record<string, string> = {
  Gateway: "gateway.networking.k8s.io",
  GatewayClass: "gateway.networking.k8s.io",
  Service: "",
  ServiceEntry: "networking.istio.io",
  // The routes an Envoy Gateway policy attaches to.
  HTTPRoute: "gateway.networking.k8s.io",
  GRPCRoute: "gateway.networking.k8s.io",
  TCPRoute: "gateway.networking.k8s.io",
  TLSRoute: "gateway.networking.k8s.io",
  UDPRoute: "gateway.networking.k8s.io",
};

/** `Kind/name` or `group/Kind/name` (group may contain dots, not slashes). */
export function parseTargetRef(value: string): TargetRef {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p, i) => p === "" && !(parts.length === 3 && i === 0))) {
    throw new UsageError(`--target-ref: expected Kind/name or group/Kind/name (got "${value}")`);
  }
  const [kind, name] = parts.slice(-2);
  const group = parts.length === 3 ? parts[0] : defaultGroups[kind];
  return group === undefined ? { kind, name } : { group, kind, name };
}

/** `MODE`, `MODE:PORT[,PORT…]` or `:PORT[,PORT…]`. */
export function parseMatch(value: string): TrafficMatch {
  const colon = value.indexOf(":");
  const mode = colon < 0 ? value : value.slice(0, colon);
  const ports =
    colon < 0
      ? []
      : value
          .slice(colon + 1)
          .split(",")
          .filter(Boolean);
  if (!mode && !ports.length) throw new UsageError(`--match: expected MODE[:PORT,…] (got "${value}")`);
  return {
    ...(mode ? { mode } : {}),
    ...(ports.length ? { ports: ports.map((p) => ({ number: parseInteger(p) })) } : {}),
  };
}

/** `NAME=value` → an inline variable; `--env-from-host NAME` → read from the proxy's environment. */
export function parseEnv(inline: string[], fromHost: string[]): VmEnv[] {
  const env: VmEnv[] = inline.map((pair) => {
    const eq = pair.indexOf("=");
    if (eq < 0) throw new UsageError(`--env: expected NAME=value (got "${pair}")`);
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
  return [...env, ...fromHost.map((name) => ({ name, valueFrom: "HOST" }))];
}

/** A decimal integer becomes a number; anything else stays a string for the schema to reject with the field name. */
export function parseInteger(value: string): number | string {
  return /^[-+]?\d+$/.test(value.trim()) ? Number(value) : value;
}

/** `host:port` or `[ipv6]:port`. */
export function parseHostPort(value: string, flag: string): { host: string; port: number | string } {
  const match = /^(\[[^\]]+\]|[^:\s]+):([^:\s]+)$/.exec(value);
  if (!match) throw new UsageError(`${flag}: expected host:port (got "${value}")`);
  return { host: match[1].replace(/^\[|\]$/g, ""), port: parseInteger(match[2]) };
}

/** `--cluster name=host:port` (or `--grpc-cluster`): a cluster the filter's HTTP/gRPC callouts name. */
export function parseCluster(value: string, flag = "--cluster"): NamedHost {
  const eq = value.indexOf("=");
  const name = eq < 0 ? "" : value.slice(0, eq).trim();
  if (!name) throw new UsageError(`${flag}: expected name=host:port (got "${value}")`, "the name is what the filter passes to its http/grpc call");
  return { name, ...parseHostPort(value.slice(eq + 1).trim(), flag) };
}

/**
 * `--stats-tag name=regex`: an Envoy stats tag. The regex (RE2) is matched against each stat's name: its
 * first capture group is cut out of the name, the second (inside the first) is the tag's value.
 */
export function parseStatsTag(value: string): { name: string; regex: string } {
  const eq = value.indexOf("=");
  const name = eq < 0 ? "" : value.slice(0, eq).trim();
  const regex = eq < 0 ? "" : value.slice(eq + 1);
  if (!name || !regex) {
    throw new UsageError(`--stats-tag: expected name=regex (got "${value}")`, String.raw`e.g. --stats-tag 'route=^wasmcustom\.my_filter\.(route=([^.]+)\.)'`);
  }
  return { name, regex };
}

/** The strategies the Envoy generators accept for `--fail-strategy` (Istio's names; FAIL_RELOAD needs `failure_policy`). */
const envoyFailStrategies = ["FAIL_CLOSE", "FAIL_OPEN"];

/**
 * `--fail-strategy` (the older `fail_open`, every Envoy) and `--failure-policy` (Envoy ≥ 1.33) → the
 * PluginConfig fields. Envoy refuses a config setting both fields, so with `--failure-policy` only
 * `failure_policy` is written; `--fail-strategy` may then only repeat whether the filter fails open.
 */
export function parseFailure(strategy: string | undefined, policy: string | undefined): { failOpen: boolean; failurePolicy?: FailurePolicy } {
  if (strategy !== undefined && !envoyFailStrategies.includes(strategy)) {
    throw new UsageError(
      `--fail-strategy: must be one of ${envoyFailStrategies.join(", ")} (got "${strategy}")`,
      strategy === "FAIL_RELOAD" ? "Envoy ≥ 1.33 reloads a failed VM with --failure-policy FAIL_RELOAD" : undefined,
    );
  }
  if (policy === undefined) return { failOpen: strategy === "FAIL_OPEN" };
  if (!failurePolicies.includes(policy as FailurePolicy)) {
    throw new UsageError(`--failure-policy: must be one of ${failurePolicies.join(", ")} (got "${policy}")`);
  }
  if (strategy !== undefined && (strategy === "FAIL_OPEN") !== (policy === "FAIL_OPEN")) {
    throw new UsageError(
      `--fail-strategy ${strategy} contradicts --failure-policy ${policy}`,
      "give --failure-policy alone (Envoy ≥ 1.33), or --fail-strategy alone for an older Envoy",
    );
  }
  return { failOpen: false, failurePolicy: policy as FailurePolicy };
}

const matchRuleKinds = ["domain", "ingress", "service"] as const;

/**
 * `KIND=NAME[,NAME…][;CONFIG]` → a Higress match rule: KIND is domain, ingress or service; CONFIG is the
 * rule's configuration as given (`@file` or JSON, read by the caller), or `disable` to switch the plugin
 * off there. Without CONFIG the rule has none: Higress then runs the plugin with an empty configuration.
 */
export function parseMatchRule(value: string): { rule: HigressMatchRule; config?: string } {
  const semicolon = value.indexOf(";");
  const selector = semicolon < 0 ? value : value.slice(0, semicolon);
  const config = semicolon < 0 ? undefined : value.slice(semicolon + 1).trim();
  const eq = selector.indexOf("=");
  const kind = selector.slice(0, eq).trim();
  const names = selector
    .slice(eq + 1)
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  if (eq < 0 || !matchRuleKinds.includes(kind as (typeof matchRuleKinds)[number]) || !names.length) {
    throw new UsageError(
      `--match-rule: expected domain|ingress|service=NAME[,NAME…][;CONFIG] (got "${value}")`,
      "e.g. --match-rule 'domain=api.example.com;@api-config.yaml'",
    );
  }
  const rule: HigressMatchRule = { [kind]: names };
  if (config === "disable") return { rule: { ...rule, configDisable: true } };
  return config ? { rule, config } : { rule };
}
