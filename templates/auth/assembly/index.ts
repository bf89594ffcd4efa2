// Bearer-token authentication at the proxy: requests without the token get a local 401, with a wrong one a
// local 403; accepted requests continue without the credential header.
import { FilterHeadersStatus, Header, HttpContext, LogLevel, RootContext, log, registerRootContext } from "as-proxy-wasm";
import { configString } from "./config";
export * from "as-proxy-wasm/exports";

class AuthRoot extends RootContext {
  header: string = "authorization";
  expected: string = "Bearer secret-token";

  onConfigure(configurationSize: usize): bool {
    const json = this.getPluginConfigurationString();
    this.header = configString(json, "header", this.header);
    const token = configString(json, "token", "");
    if (token.length > 0) this.expected = "Bearer " + token;
    return true;
  }

  createHttpContext(contextId: u32): HttpContext | null {
    return new Auth(contextId, this);
  }
}

class Auth extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = changetype<AuthRoot>(this.root);
    const credentials = this.requestHeaders.get(root.header);
    if (credentials == null) {
      this.sendLocalResponse(401, "missing credentials\n", [new Header("www-authenticate", "Bearer")], "auth_missing_credentials");
      return FilterHeadersStatus.StopIteration;
    }
    if (credentials != root.expected) {
      log(LogLevel.Warn, "auth: rejected a request with invalid credentials");
      this.sendLocalResponse(403, "forbidden\n", [], "auth_invalid_credentials");
      return FilterHeadersStatus.StopIteration;
    }
    this.requestHeaders.remove(root.header);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new AuthRoot(contextId));
