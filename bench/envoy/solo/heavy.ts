// The heavier benchmark filter written with @solo-io/proxy-runtime 0.1.8 (assemblyscript 0.17), the same work as
// bench/fixtures/heavy/index.ts: read `user-agent`, add `x-agent-seen` (its value, or "none") and `x-filter: bench`
// to the request, replace the response body with "rewritten by the filter". proxy-runtime 0.1.8 has no call that
// sets buffer bytes (its `proxy_set_buffer_status` is bound to `proxy_get_buffer_status`), so the filter declares
// the ABI import itself, as a user of that SDK would. Package imports are relative paths (see DESIGN.md).
export * from "../../../node_modules/@solo-io/proxy-runtime/assembly/proxy";
import { RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues, stream_context } from "../../../node_modules/@solo-io/proxy-runtime/assembly/index";

// @ts-ignore: decorator
@external("env", "proxy_set_buffer_bytes")
declare function proxy_set_buffer_bytes(typ: u32, start: u32, length: u32, data: usize, size: usize): u32;

const RESPONSE_BODY: u32 = 1;

class HeavyRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Heavy(context_id, this);
  }
}

class Heavy extends Context {
  constructor(context_id: u32, root_context: HeavyRoot) {
    super(context_id, root_context);
  }
  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    // Not `agent != "" ? agent : "none"`: built with assemblyscript 0.17, that expression trapped in its
    // reference counting (~lib/rt/pure.ts) on every request, and Envoy answered 503.
    let agent = stream_context.headers.request.get("user-agent");
    if (agent == "") agent = "none";
    stream_context.headers.request.add("x-agent-seen", agent);
    stream_context.headers.request.add("x-filter", "bench");
    return FilterHeadersStatusValues.Continue;
  }
  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    const body = String.UTF8.encode("rewritten by the filter");
    proxy_set_buffer_bytes(RESPONSE_BODY, 0, <u32>body_buffer_length, changetype<usize>(body), body.byteLength);
    return FilterDataStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new HeavyRoot(context_id); }, "heavy");
