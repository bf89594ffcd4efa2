// Adds and removes headers: `name: value` on every response, `remove` taken off it, and the request's
// x-request-id echoed on the response so a client can quote it when it reports a problem.
import { FilterHeadersStatus, HttpContext, RootContext, registerRootContext } from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

class AddHeaderRoot extends RootContext {
  name: string = "x-hello";
  value: string = "world";
  remove: string = "x-powered-by";

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    this.name = config.getString("name", this.name);
    this.value = config.getString("value", this.value);
    this.remove = config.getString("remove", this.remove);
    return config.ok(); // false (and a log line) when a value has the wrong type
  }

  createHttpContext(contextId: u32): AddHeader {
    return new AddHeader(contextId, this);
  }
}

class AddHeader extends HttpContext<AddHeaderRoot> {
  requestId: string | null = null;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    // Envoy's connection manager gives every request an id before filters run (the client's, or a new one).
    this.requestId = this.requestHeaders.get("x-request-id");
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    this.responseHeaders.add(root.name, root.value);
    if (root.remove.length > 0) this.responseHeaders.remove(root.remove);
    const id = this.requestId;
    if (id != null) this.responseHeaders.replace("x-request-id", id);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new AddHeaderRoot(contextId));
