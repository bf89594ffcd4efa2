// The two sides of the ABI speak the spec's names with the same numbers: every enum of the SDK
// (sdk/types.ts, AssemblyScript but plain TypeScript enums) has its twin in the host (host/abi.ts) with the
// same members and values, so a number that crosses the ABI means the same thing on both sides.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as host from "../host/abi.js";
import * as sdk from "../sdk/types.js";

/** An enum's members by name (TypeScript numeric enums also map values back to names: those are dropped). */
function members(value: unknown): Record<string, number> {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, number] => typeof entry[1] === "number"));
}

const enums = Object.entries(sdk).filter(([, value]) => typeof value === "object" && value !== null && Object.keys(members(value)).length > 0);

test("the SDK's wire enums are the ones this test compares", () => {
  assert.deepEqual(enums.map(([name]) => name).sort(), [
    "BufferType",
    "FilterDataStatus",
    "FilterHeadersStatus",
    "FilterStatus",
    "FilterTrailersStatus",
    "GrpcStatus",
    "LogLevel",
    "MapType",
    "MetricType",
    "PeerType",
    "StreamType",
    "WasmResult",
  ]);
});

for (const [name, values] of enums) {
  test(`${name}: the host's enum of the same name has the same members and numbers`, () => {
    const twin = (host as Record<string, unknown>)[name];
    assert.ok(twin, `host/abi.ts has no ${name}`);
    assert.deepEqual(members(twin), members(values));
  });
}
