// The filter's configuration, read with the SDK's JSON reader once per plugin in onConfigure and checked
// whole: a configuration without a usable secret, or with anything the filter could not apply exactly as
// written, refuses the plugin with one critical log line saying what to fix (never the secret itself).
import { JsonArray, JsonObject, LogLevel, log, lowerAscii } from "as-proxy-wasm";
import { rulePath } from "./path";

/** RFC 7518 §3.2: an HS256 key is at least as long as the hash, 256 bits. */
const MIN_SECRET_BYTES = 32;
const MAX_CLOCK_SKEW: i64 = 300;

export class ClaimRequirement {
  constructor(public readonly claim: string, public readonly value: string) {}
}

export class PathRule {
  constructor(
    /** Lower case: compared with the decoded, normalised, case-folded path. */
    public readonly prefix: string,
    public readonly required: ClaimRequirement[],
  ) {}
}

export class ForwardedClaim {
  constructor(public readonly claim: string, public readonly header: string) {}
}

export class JwtConfig {
  header: string = "authorization";
  secrets: Uint8Array[] = [];
  issuer: string = "";
  audiences: string[] = [];
  clockSkewSeconds: i64 = 60;
  requireExpiration: bool = true;
  required: ClaimRequirement[] = [];
  rules: PathRule[] = [];
  forward: ForwardedClaim[] = [];
  forwardToken: bool = false;

  /** The rule of the longest prefix matching `rawPath` (a `:path` value), or null. */
  ruleFor(rawPath: string): PathRule | null {
    if (this.rules.length == 0) return null;
    const path = rulePath(rawPath);
    let best: PathRule | null = null;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (path.startsWith(rule.prefix) && (best == null || rule.prefix.length > best.prefix.length)) best = rule;
    }
    return best;
  }
}

function refuse(reason: string): JwtConfig | null {
  log(LogLevel.Critical, "jwt: configuration refused: " + reason);
  return null;
}

/** The configuration `json` (from RootContext.parseConfig) describes, or null (logged) when it cannot be applied. */
export function readConfig(json: JsonObject | null): JwtConfig | null {
  if (json == null) return refuse("it is not a JSON object");
  const config = new JwtConfig();
  const secrets = json.getStrings("secrets", []);
  if (json.has("secret")) secrets.push(json.getString("secret", ""));
  if (json.problem.length > 0) return refuse(json.problem);
  if (secrets.length == 0) return refuse('it needs "secret" (or "secrets" while rotating): an HS256 secret of at least 32 bytes');
  for (let i = 0; i < secrets.length; i++) {
    const bytes = Uint8Array.wrap(String.UTF8.encode(secrets[i]));
    if (bytes.length < MIN_SECRET_BYTES) return refuse("a secret is shorter than 32 bytes, the HS256 minimum (RFC 7518 §3.2)");
    config.secrets.push(bytes);
  }

  config.header = lowerAscii(json.getString("header", "authorization"));
  if (!isHeaderName(config.header)) return refuse('"header" must be a request header name');
  config.issuer = json.getString("issuer", "");
  config.audiences = json.getStrings("audiences", []);
  const skew = json.get("clockSkewSeconds");
  if (skew != null) {
    if (!skew.isInteger() || skew.asInt() < 0 || skew.asInt() > MAX_CLOCK_SKEW) return refuse('"clockSkewSeconds" must be an integer from 0 to 300');
    config.clockSkewSeconds = skew.asInt();
  }
  config.requireExpiration = json.getBool("requireExpiration", true);
  config.forwardToken = json.getBool("forwardToken", false);
  if (json.problem.length > 0) return refuse(json.problem);

  const required = readClaims(json.getArray("claims"), '"claims"');
  if (required == null || json.problem.length > 0) return refuse(json.problem.length > 0 ? json.problem : problem);
  config.required = required;

  const rules = json.getArray("rules");
  if (json.problem.length > 0) return refuse(json.problem);
  for (let i = 0, n = rules == null ? 0 : rules.length; i < n; i++) {
    const where = "rules[" + i.toString() + "]";
    const rule = rules!.at(i).asObject();
    if (rule == null) return refuse(where + ' must be an object {"prefix", "claims"}');
    const prefix = rule.getString("prefix", "");
    if (!prefix.startsWith("/")) return refuse(where + '."prefix" must be a path prefix starting with /');
    const claims = readClaims(rule.getArray("claims"), where + '."claims"');
    if (rule.problem.length > 0) return refuse(where + ": " + rule.problem);
    if (claims == null) return refuse(problem);
    config.rules.push(new PathRule(rulePath(prefix), claims));
  }

  const forward = json.getArray("forwardClaims");
  if (json.problem.length > 0) return refuse(json.problem);
  for (let i = 0, n = forward == null ? 0 : forward.length; i < n; i++) {
    const where = "forwardClaims[" + i.toString() + "]";
    const entry = forward!.at(i).asObject();
    const claim = entry == null ? "" : entry.getString("claim", "");
    const header = entry == null ? "" : entry.getString("header", "");
    if (claim.length == 0 || !isHeaderName(header) || header != lowerAscii(header) || header == config.header || header == "host") {
      return refuse(where + ' must be {"claim", "header"}: a claim name and a lower-case header name other than the token\'s and host');
    }
    config.forward.push(new ForwardedClaim(claim, header));
  }
  return config;
}

/** Why readClaims returned null. */
let problem = "";

/** Claim requirements `[{"claim", "value"}]` (none when `array` is null), or null with `problem` set. */
function readClaims(array: JsonArray | null, where: string): ClaimRequirement[] | null {
  const out = new Array<ClaimRequirement>();
  for (let i = 0, n = array == null ? 0 : array.length; i < n; i++) {
    const entry = array!.at(i).asObject();
    const claim = entry == null ? "" : entry.getString("claim", "");
    const value = entry == null ? "" : entry.getString("value", "");
    if (claim.length == 0 || value.length == 0 || entry!.problem.length > 0) {
      problem = where + '[' + i.toString() + '] must be {"claim", "value"}, two non-empty strings';
      return null;
    }
    out.push(new ClaimRequirement(claim, value));
  }
  return out;
}

/** An HTTP header name (RFC 9110 token characters; no pseudo-headers). */
function isHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x2d || c == 0x5f || c == 0x2e;
    if (!ok) return false;
  }
  return true;
}
