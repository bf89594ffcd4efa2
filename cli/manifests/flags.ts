import { UsageError } from "../errors.js";
import type { TargetRef, TrafficMatch, VmEnv } from "./wasmplugin.js";

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

/** The API group of each kind a WasmPlugin can attach to, so `Gateway/name` is enough on the command line. */
const defaultGroups: Record<string, string> = {
  Gateway: "gateway.networking.k8s.io",
  GatewayClass: "gateway.networking.k8s.io",
  Service: "",
  ServiceEntry: "networking.istio.io",
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
  const ports = colon < 0 ? [] : value.slice(colon + 1).split(",").filter(Boolean);
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
