// Adds and removes headers: `name: value` on every response, `remove` taken off it, and a request header
// telling the upstream whether the client sent an x-request-id.
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
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.requestHeaders.add("x-request-id-seen", this.requestHeaders.has("x-request-id") ? "true" : "false");
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = changetype<AddHeaderRoot>(this.root);
    this.responseHeaders.add(root.name, root.value);
    if (root.remove.length > 0) this.responseHeaders.remove(root.remove);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new AddHeaderRoot(contextId));
