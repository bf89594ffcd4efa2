// Rewrites text in response bodies: buffers a text response to its end, replaces `from` with `to`.
import { FilterDataStatus, FilterHeadersStatus, HttpContext, RootContext, registerRootContext } from "as-proxy-wasm";
import { configString } from "./config";
export * from "as-proxy-wasm/exports";

class RewriteRoot extends RootContext {
  from: string = "http://";
  to: string = "https://";

  onConfigure(configurationSize: usize): bool {
    const json = this.getPluginConfigurationString();
    this.from = configString(json, "from", this.from);
    this.to = configString(json, "to", this.to);
    return this.from.length > 0;
  }

  createHttpContext(contextId: u32): HttpContext | null {
    return new Rewrite(contextId, this);
  }
}

function isText(contentType: string | null): bool {
  if (contentType == null) return false;
  return contentType.startsWith("text/") || contentType.includes("json") || contentType.includes("xml") || contentType.includes("javascript");
}

class Rewrite extends HttpContext {
  rewrite: bool = false;

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.rewrite = !endOfStream && isText(this.responseHeaders.get("content-type"));
    // The length changes with the body; without the header Envoy sends the new body chunked.
    if (this.rewrite) this.responseHeaders.remove("content-length");
    return FilterHeadersStatus.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatus {
    if (!this.rewrite) return FilterDataStatus.Continue;
    // Hold every chunk until the last, so a match split across chunks is still found.
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    const root = changetype<RewriteRoot>(this.root);
    this.responseBody.setText(this.responseBody.getText().replaceAll(root.from, root.to));
    return FilterDataStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RewriteRoot(contextId));
