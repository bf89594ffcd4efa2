// Bearer-token authentication at the proxy: requests without the token get a local 401, with a wrong one a
// local 403; accepted requests continue without the credential header.
//
// There is no built-in token: a configuration without a usable `token` is refused (the plugin does not
// start, so Envoy fails closed) rather than accepting a default that anyone could read in this source.
import { FilterHeadersStatus, Header, HttpContext, LogLevel, RootContext, log, registerRootContext } from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

class AuthRoot extends RootContext {
  header: string = "authorization";
  expected: string[] = [];

  onConfigure(configurationSize: usize): bool {
    // A malformed configuration or a value of the wrong type is logged by parseConfig/ok, then refused below.
    const config = this.parseConfig();
    this.expected = [];
    if (config) {
      this.header = config.getString("header", "authorization").toLowerCase();
      // "token": one secret; "tokens": several (e.g. while rotating).
      const tokens = config.getStrings("tokens", []);
      tokens.push(config.getString("token", ""));
      for (let i = 0; i < tokens.length; i++) {
        if (tokens[i].length > 0) this.expected.push("Bearer " + tokens[i]);
      }
    }
    if (!config || !config.ok() || this.expected.length == 0) {
      log(LogLevel.Critical, 'auth: configuration refused: it needs a non-empty "token" string (or "tokens" array), e.g. {"token": "<a long random secret>"}');
      return false;
    }
    if (this.header.length == 0) {
      log(LogLevel.Critical, 'auth: configuration refused: "header" must name a request header');
      return false;
    }
    return true;
  }

  createHttpContext(contextId: u32): Auth {
    return new Auth(contextId, this);
  }
}

/** Whether `given` is one of `expected`, every one compared in full (see `sameSecret`). */
function knownSecret(given: string, expected: string[]): bool {
  let found = false;
  for (let i = 0; i < expected.length; i++) found = sameSecret(given, expected[i]) || found;
  return found;
}

/** Compares every character whatever the first difference, so the time taken does not reveal the token. */
function sameSecret(given: string, expected: string): bool {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) {
    diff |= (i < given.length ? given.charCodeAt(i) : 0) ^ expected.charCodeAt(i);
  }
  return diff == 0;
}

class Auth extends HttpContext<AuthRoot> {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const credentials = this.requestHeaders.get(root.header);
    if (credentials == null) {
      this.sendLocalResponse(401, "missing credentials\n", [new Header("www-authenticate", "Bearer")], "auth_missing_credentials");
      return FilterHeadersStatus.StopIteration;
    }
    if (!knownSecret(credentials, root.expected)) {
      log(LogLevel.Warn, "auth: rejected a request with invalid credentials");
      this.sendLocalResponse(403, "forbidden\n", [], "auth_invalid_credentials");
      return FilterHeadersStatus.StopIteration;
    }
    this.requestHeaders.remove(root.header);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new AuthRoot(contextId));
