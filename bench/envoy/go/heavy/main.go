// The heavier benchmark filter written with the Go SDK, the same work as bench/fixtures/heavy/index.ts: read
// `user-agent`, add `x-agent-seen` (its value, or "none") and `x-filter: bench` to the request, replace the
// response body with "rewritten by the filter". Built by bench/envoy/go-build.ts.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() {
	proxywasm.SetHttpContext(func(contextID uint32) types.HttpContext { return &heavy{} })
}

type heavy struct {
	types.DefaultHttpContext
}

func (*heavy) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {
	agent, err := proxywasm.GetHttpRequestHeader("user-agent")
	if err != nil || agent == "" {
		agent = "none"
	}
	proxywasm.AddHttpRequestHeader("x-agent-seen", agent)
	proxywasm.AddHttpRequestHeader("x-filter", "bench")
	return types.ActionContinue
}

func (*heavy) OnHttpResponseBody(bodySize int, endOfStream bool) types.Action {
	if !endOfStream {
		return types.ActionPause
	}
	proxywasm.ReplaceHttpResponseBody([]byte("rewritten by the filter"))
	return types.ActionContinue
}
