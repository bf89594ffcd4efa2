// The add-header filter written with the Go SDK (github.com/proxy-wasm/proxy-wasm-go-sdk, upstream Go ≥ 1.24):
// every response gets `x-hello: world`, as test/fixtures/sdk/add-header-lean does. Built by bench/envoy/go-build.ts.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() {
	proxywasm.SetHttpContext(func(contextID uint32) types.HttpContext { return &addHeader{} })
}

type addHeader struct {
	types.DefaultHttpContext
}

func (*addHeader) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	proxywasm.AddHttpResponseHeader("x-hello", "world")
	return types.ActionContinue
}
