import { before, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Host, WasmTrapError } from "../host/index.js";
import { buildSoloAddHeader } from "./fixtures/cli/solo/build.js";

// A module from another SDK runs in the host: the README filter of @solo-io/proxy-runtime 0.1.8 (ABI 0.2.0,
// assemblyscript 0.17, `malloc` allocator, its own context dispatch).
const source = join(dirname(fileURLToPath(import.meta.url)), "fixtures/host/solo/add-header.ts");
let wasm: Uint8Array;

before(async () => {
  wasm = await buildSoloAddHeader(source);
});

const request = {
  headers: [
    [":method", "GET"],
    [":path", "/"],
    [":authority", "example.com"],
  ] as [string, string][],
};

// The README's Envoy config passes a configuration, and the filter needs one: proxy-runtime 0.1.8's
// onConfigure passes configuration_size as the size out-pointer of proxy_get_buffer_bytes, so with an empty
// configuration it decodes a stale size from a null buffer and traps (a host following cpp-host, as this
// one does, writes size 0 through pointer 0 and leaves the stale size in place).
test("solo-io add-header: ABI 0.2.0, and the header it adds appears in the response", async () => {
  const vm = await new Host().loadVm(wasm, { vmId: "my_vm_id" });
  assert.equal(vm.abiVersion, "0.2.0");
  const plugin = vm.startPlugin({ name: "add_header", rootId: "add_header", configuration: "what ever you want" });
  for (let i = 0; i < 3; i++) {
    const result = await plugin.httpStream({ request, response: { headers: [[":status", "200"]], body: "upstream" } });
    assert.deepEqual(result.response.headers, [
      [":status", "200"],
      ["hello", "what ever you want"],
    ]);
    assert.equal(result.response.body, "upstream");
    assert.deepEqual(result.request?.headers, [
      ...request.headers,
      ["x-forwarded-proto", "http"],
      ["x-request-id", `00000000-0000-4000-8000-00000000000${i + 1}`],
    ]);
    assert.equal(result.localResponse, null);
  }
});

test("solo-io add-header with an empty configuration traps in on_configure, reported as a clear error", async () => {
  const vm = await new Host().loadVm(wasm);
  assert.throws(
    () => vm.startPlugin({ rootId: "add_header" }),
    (e: unknown) => e instanceof WasmTrapError && e.operation === "proxy_on_configure" && e.contextId === 1,
  );
  assert.equal(vm.failed, true);
});
