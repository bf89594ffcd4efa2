// The add-header filter: every response gets `x-hello: world`. In a project of your own, import from
// "as-proxy-wasm" and "as-proxy-wasm/exports" instead of these relative paths (see sdk/README.md). It reads
// no configuration, to stay the smallest useful module (~6 KB); the add-header template (`init`) shows
// typed configuration, which adds the SDK's JSON reader (see sdk/README.md, "Configuration").
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext } from "../../../sdk/index";
export * from "../../../sdk/exports";

class Root extends RootContext {
  name: string = "x-hello";
  value: string = "world";

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
