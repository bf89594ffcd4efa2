import { isIP } from "node:net";
import { targetRefKindsRule } from "./schemas/wasmplugin.js";

/**
 * The CEL rules (`x-kubernetes-validations`) of the vendored CRDs (Istio, Envoy Gateway), each written out in TypeScript.
 * Keyed by the exact rule text, so a schema that gains a rule nobody translated fails loudly when it is
 * compiled (see `validate.ts`) instead of being skipped.
 */
export type CelRule = (self: unknown) => boolean;

const urlSchemes = ["", "http", "https", "oci", "file"];

const has = (self: unknown, field: string): boolean => typeof self === "object" && self !== null && (self as Record<string, unknown>)[field] !== undefined;

const keys = (self: unknown): string[] => Object.keys(self as object);

const targetRefs = (self: unknown): { group?: string; kind?: string }[] => (self as { targetRefs?: { group?: string; kind?: string }[] }).targetRefs ?? [];

const countSet = (self: unknown, fields: string[]): number => fields.filter((field) => has(self, field)).length;

export const celRules: Readonly<Record<string, CelRule>> = {
  "!self.contains('*')": (self) => !String(self).includes("*"),
  "self.all(key, !key.contains('*'))": (self) => keys(self).every((key) => !key.includes("*")),
  "self.all(key, key.size() != 0)": (self) => keys(self).every((key) => key.length !== 0),
  "self.size() == 0": (self) => String(self).length === 0,
  [targetRefKindsRule]: (self) => {
    const ref = self as { group?: string; kind?: string };
    // CEL fails on a missing field (no default), so an absent group is a violation, as in the API server.
    if (ref.group === undefined) return false;
    return [
      ["core", "Service"],
      ["", "Service"],
      ["gateway.networking.k8s.io", "Gateway"],
      ["gateway.networking.k8s.io", "GatewayClass"],
      ["networking.istio.io", "ServiceEntry"],
    ].some(([group, kind]) => ref.group === group && ref.kind === kind);
  },
  "isURL(self) ? (url(self).getScheme() in ['', 'http', 'https', 'oci', 'file']) : (isURL('http://' + self) && url('http://' + self).getScheme() in ['', 'http', 'https', 'oci', 'file'])":
    (self) => {
      const text = String(self);
      const scheme = requestUriScheme(text);
      if (scheme !== undefined) return urlSchemes.includes(scheme);
      return requestUriScheme(`http://${text}`) === "http";
    },
  "(has(self.valueFrom) ? self.valueFrom : '') != 'HOST' || !has(self.value)": (self) =>
    (self as { valueFrom?: string }).valueFrom !== "HOST" || !has(self, "value"),
  "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1": (self) =>
    countSet(self, ["selector", "targetRef", "targetRefs"]) <= 1,
  "(has(self.workloadSelector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1": (self) => countSet(self, ["workloadSelector", "targetRefs"]) <= 1,
  // Envoy Gateway's EnvoyExtensionPolicy. `kind` defaults to Secret, and the API server defaults before CEL runs.
  "self.kind == 'Secret'": (self) => ((self as { kind?: string }).kind ?? "Secret") === "Secret",
  "self.type == 'HTTP' ? has(self.http) : !has(self.http)": (self) => ((self as { type?: string }).type === "HTTP") === has(self, "http"),
  "self.type == 'Image' ? has(self.image) : !has(self.image)": (self) => ((self as { type?: string }).type === "Image") === has(self, "image"),
  "(has(self.targetRef) && !has(self.targetRefs)) || (!has(self.targetRef) && has(self.targetRefs)) || (has(self.targetSelectors) && self.targetSelectors.size() > 0) ":
    (self) => has(self, "targetRef") !== has(self, "targetRefs") || ((self as { targetSelectors?: unknown[] }).targetSelectors?.length ?? 0) > 0,
  "has(self.targetRefs) ? self.targetRefs.all(ref, ref.group == 'gateway.networking.k8s.io') : true ": (self) =>
    targetRefs(self).every((ref) => ref.group === "gateway.networking.k8s.io"),
  "has(self.targetRefs) ? self.targetRefs.all(ref, ref.kind in ['Gateway', 'HTTPRoute', 'GRPCRoute', 'UDPRoute', 'TCPRoute', 'TLSRoute']) : true ": (self) =>
    targetRefs(self).every((ref) => ["Gateway", "HTTPRoute", "GRPCRoute", "UDPRoute", "TCPRoute", "TLSRoute"].includes(ref.kind ?? "")),
  "has(self.targetRefs) ? self.targetRefs.all(ref, !has(ref.sectionName)) : true": (self) => targetRefs(self).every((ref) => !has(ref, "sectionName")),
};

/**
 * CEL's `isURL`/`url().getScheme()` follow Go's `url.ParseRequestURI`: an absolute URI whose rest starts with
 * `/` after the scheme (`oci://…`, `file:///…`), or an absolute path (scheme ""). Returns the lower-cased
 * scheme, or undefined when Go would not parse it (`registry:5000/repo` is such a case: an opaque part).
 */
function requestUriScheme(text: string): string | undefined {
  if (/[\s\x00-\x1f\x7f]/.test(text)) return undefined;
  if (text.startsWith("/")) return "";
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(text);
  if (!match || !match[2].startsWith("/")) return undefined;
  if (match[2].startsWith("//")) {
    const authority = match[2].slice(2).split("/")[0];
    if (!validAuthority(authority)) return undefined;
  }
  return match[1].toLowerCase();
}

/** Go rejects a host with characters outside a URL host, and a port that is not all digits. */
function validAuthority(authority: string): boolean {
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]");
    return end > 0 && isIP(hostPort.slice(1, end)) === 6 && /^(:[0-9]*)?$/.test(hostPort.slice(end + 1));
  }
  return /^[A-Za-z0-9\-._~%!$&'()*+,;=]*(:[0-9]*)?$/.test(hostPort);
}
