// The add-header filter: every response gets `x-hello: world`, or the header named by the configuration
// ({"name": "x-team", "value": "payments"}). In a project of your own, import from "as-proxy-wasm" and
// "as-proxy-wasm/exports" instead of these relative paths (see sdk/README.md).
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext } from "../../../sdk/index";
export * from "../../../sdk/exports";

class Root extends RootContext {
  name: string = "x-hello";
  value: string = "world";

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    this.name = config.getString("name", this.name);
    this.value = config.getString("value", this.value);
    return config.ok(); // refuses e.g. {"name": 5}, saying which key
  }

  createHttpContext(id: u32): AddHeader {
    return new AddHeader(id, this);
  }
}

// HttpContext<Root>: `this.root` is this filter's Root, no cast.
class AddHeader extends HttpContext<Root> {
  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.responseHeaders.add(this.root.name, this.root.value);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32) => new Root(id));
