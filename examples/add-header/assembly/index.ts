// The add-header filter: every response gets `x-hello: world`. In a project of your own, import from
// "as-proxy-wasm" and "as-proxy-wasm/exports" instead of these relative paths (see sdk/README.md).
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext } from "../../../sdk/index";
export * from "../../../sdk/exports";

class AddHeader extends HttpContext {
  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.responseHeaders.add("x-hello", "world");
    return FilterHeadersStatus.Continue;
  }
}

class Root extends RootContext {
  createHttpContext(id: u32): HttpContext {
    return new AddHeader(id, this);
  }
}

registerRootContext((id: u32) => new Root(id));
