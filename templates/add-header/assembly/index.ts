// Adds and removes headers: `name: value` on every response, `remove` taken off it, and the request's
// x-request-id echoed on the response so a client can quote it when it reports a problem.
import { FilterHeadersStatus, HttpContext, RootContext, registerRootContext } from "as-proxy-wasm";
import { configString } from "./config";
export * from "as-proxy-wasm/exports";

class AddHeaderRoot extends RootContext {
  name: string = "x-hello";
  value: string = "world";
  remove: string = "x-powered-by";

  onConfigure(configurationSize: usize): bool {
    const json = this.getPluginConfigurationString();
    this.name = configString(json, "name", this.name);
    this.value = configString(json, "value", this.value);
    this.remove = configString(json, "remove", this.remove);
    return true;
  }

  createHttpContext(contextId: u32): HttpContext | null {
    return new AddHeader(contextId, this);
  }
}

class AddHeader extends HttpContext {
  requestId: string | null = null;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    // Envoy's connection manager gives every request an id before filters run (the client's, or a new one).
    this.requestId = this.requestHeaders.get("x-request-id");
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = changetype<AddHeaderRoot>(this.root);
    this.responseHeaders.add(root.name, root.value);
    if (root.remove.length > 0) this.responseHeaders.remove(root.remove);
    const id = this.requestId;
    if (id != null) this.responseHeaders.replace("x-request-id", id);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new AddHeaderRoot(contextId));
