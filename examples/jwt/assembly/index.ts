// JWT claims check at the proxy: a request needs `Authorization: Bearer <JWT>` signed with HS256 by one of
// the configured secrets, within its validity period (exp/nbf, with clock skew), from the configured
// issuer and for the configured audience; otherwise a local 401. A valid token without the claims the
// configuration requires (for every path, or per path prefix) gets a local 403. Accepted requests go on
// with chosen claims as headers (client-sent copies of those headers are always removed first) and,
// by default, without the token.
//
// There is no built-in secret: a configuration without one (or with one shorter than 32 bytes, the
// minimum RFC 7518 sets for HS256) is refused, so the plugin does not start and Envoy fails closed.
import { FilterHeadersStatus, Header, HttpContext, LogLevel, RootContext, getCurrentTimeNanoseconds, log, lowerAscii, registerRootContext } from "as-proxy-wasm";
import { Claims } from "./claims";
import { ClaimRequirement, JwtConfig, readConfig } from "./config";
import { verifyToken } from "./token";
export * from "as-proxy-wasm/exports";

class JwtRoot extends RootContext {
  config: JwtConfig = new JwtConfig();

  onConfigure(configurationSize: usize): bool {
    const config = readConfig(this.parseConfig());
    if (config == null) return false;
    this.config = config;
    return true;
  }

  createHttpContext(contextId: u32): JwtCheck {
    return new JwtCheck(contextId, this);
  }
}

class JwtCheck extends HttpContext<JwtRoot> {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const config = this.root.config;
    // Whatever happens next, the upstream never sees a claim header the client wrote itself.
    for (let i = 0; i < config.forward.length; i++) this.requestHeaders.remove(config.forward[i].header);

    const token = bearerToken(this.requestHeaders.get(config.header));
    if (token == null) return this.unauthorized("", "jwt_missing");
    const verified = verifyToken(token, config.secrets);
    const claims = verified.claims;
    if (claims == null) return this.unauthorized(verified.error, "jwt_invalid");
    const invalid = this.invalidClaims(claims);
    if (invalid.length > 0) return this.unauthorized(invalid, "jwt_invalid");

    const missing = missingClaim(claims, config.required);
    const path = this.requestHeaders.get(":path");
    const rule = config.ruleFor(path == null ? "/" : path);
    const missingForPath = missing.length > 0 || rule == null ? missing : missingClaim(claims, rule.required);
    if (missingForPath.length > 0) {
      log(LogLevel.Info, "jwt: forbidden: the token lacks the required claim \"" + missingForPath + "\"");
      this.sendLocalResponse(403, "forbidden\n", [new Header("www-authenticate", 'Bearer error="insufficient_scope"')], "jwt_insufficient_claims");
      return FilterHeadersStatus.StopIteration;
    }

    for (let i = 0; i < config.forward.length; i++) {
      const forwarded = config.forward[i];
      const value = claims.scalarText(forwarded.claim);
      if (value == null) continue;
      if (!isHeaderSafe(value)) return this.unauthorized("a forwarded claim is not a header-safe value", "jwt_invalid");
      this.requestHeaders.add(forwarded.header, value);
    }
    if (!config.forwardToken) this.requestHeaders.remove(config.header);
    return FilterHeadersStatus.Continue;
  }

  /** Why the token's registered claims refuse it, or "". */
  private invalidClaims(claims: Claims): string {
    const config = this.root.config;
    const now = <f64>(getCurrentTimeNanoseconds() / 1_000_000_000);
    const skew = <f64>config.clockSkewSeconds;
    if (claims.has("exp")) {
      const exp = claims.number("exp");
      if (isNaN(exp)) return "the token exp is not a number";
      if (now > exp + skew) return "the token has expired";
    } else if (config.requireExpiration) return "the token has no exp";
    if (claims.has("nbf")) {
      const nbf = claims.number("nbf");
      if (isNaN(nbf)) return "the token nbf is not a number";
      if (now + skew < nbf) return "the token is not valid yet";
    }
    if (config.issuer.length > 0) {
      const iss = claims.string("iss");
      if (iss == null || iss != config.issuer) return "the token issuer is not accepted";
    }
    // RFC 7519 §4.1.3: a token naming audiences must name this one, even when none is configured.
    if (claims.has("aud") && !claims.hasAnyOf("aud", config.audiences)) return "the token audience is not accepted";
    if (!claims.has("aud") && config.audiences.length > 0) return "the token has no aud";
    return "";
  }

  private unauthorized(reason: string, details: string): FilterHeadersStatus {
    // RFC 6750 §3.1: a request without a token gets the challenge without an error code.
    const challenge = reason.length == 0 ? "Bearer" : 'Bearer error="invalid_token", error_description="' + reason + '"';
    if (reason.length > 0) log(LogLevel.Info, "jwt: unauthorized: " + reason);
    this.sendLocalResponse(401, reason.length == 0 ? "missing bearer token\n" : "invalid token\n", [new Header("www-authenticate", challenge)], details);
    return FilterHeadersStatus.StopIteration;
  }
}

/** The token of a `Bearer <token>` header value (scheme case-insensitive, RFC 6750 §2.1), or null. */
function bearerToken(value: string | null): string | null {
  if (value == null || value.length < 7 || lowerAscii(value.substring(0, 7)) != "bearer ") return null;
  const token = value.substring(7).trim();
  return token.length > 0 ? token : null;
}

/** Whether `value` can be a header value as is: no control characters (a CR/LF would split the header). */
function isHeaderSafe(value: string): bool {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

/** The name of the first requirement `claims` does not meet, or "". */
function missingClaim(claims: Claims, required: ClaimRequirement[]): string {
  for (let i = 0; i < required.length; i++) {
    const requirement = required[i];
    if (!claims.grants(requirement.claim, requirement.value)) return requirement.claim;
  }
  return "";
}

registerRootContext((contextId: u32): RootContext => new JwtRoot(contextId));
