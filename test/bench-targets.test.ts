// bench/targets.ts: issue 13's targets computed from the three benches' figures (as bench/all.ts gathers them
// with --save): each ratio from the right rows, met or not against its limit, and a bench that did not run
// shown as not measured rather than dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Row as EnvoyRow } from "../bench/envoy/run.js";
import type { Row as PushPullRow } from "../bench/push-pull/run.js";
import type { ModuleFigures } from "../bench/report.js";
import { formatTargets, issueTargets, SIZE_LIMIT, type AllFigures } from "../bench/targets.js";

const module = (group: "add-header" | "heavy", name: string, bytes: number, guestNs: number): ModuleFigures => ({
  group,
  name,
  abiVersion: "0.2.1",
  bytes,
  hostNs: 1000,
  guestNs,
});

const envoyRow = (group: EnvoyRow["group"], name: string, addedP50Us: number, addedCpuUs = 1): EnvoyRow => ({
  group,
  name,
  kind: name.startsWith("Envoy Lua") ? "lua" : "wasm",
  addedP50Us,
  addedCpuUs,
});

const figures: AllFigures = {
  emulator: {
    modules: [
      module("add-header", "raw ABI, no GC (baseline)", 544, 40),
      module("add-header", "as-proxy-wasm (add-header without config)", 6000, 120),
      module("heavy", "raw ABI, no GC (baseline)", 800, 50),
    ],
    examples: [
      { name: "add-header", bytes: 12_288 },
      { name: "waf", bytes: 20_000 },
    ],
  },
  envoy: {
    rows: [
      envoyRow("add-header", "Envoy Lua filter (native reference)", 60),
      envoyRow("add-header", "as-proxy-wasm (add-header without config)", 45),
      envoyRow("add-header", "@solo-io/proxy-runtime 0.1.8", 200),
      envoyRow("add-header", "Go SDK (proxy-wasm-go-sdk, go1.26)", 30),
      envoyRow("heavy", "Envoy Lua filter (native reference)", -5),
      envoyRow("heavy", "as-proxy-wasm (bench/fixtures/heavy)", 90),
      envoyRow("heavy", "@solo-io/proxy-runtime 0.1.8", 200),
    ],
  },
  pushPull: {
    rows: [
      { sizeMiB: 16, variant: "oci", operation: "push", oursSeconds: 0.3, orasSeconds: 0.15, ratio: 2 } satisfies PushPullRow,
      { sizeMiB: 64, variant: "compat", operation: "pull", oursSeconds: 0.8, orasSeconds: 1, ratio: 0.8 } satisfies PushPullRow,
    ],
  },
};

const byName = (name: string) => {
  const target = issueTargets(figures, "add-header").find((t) => t.target.startsWith(name));
  assert.ok(target, `no target starting ${JSON.stringify(name)}`);
  return target;
};

test("sizes are measured against 6,144 bytes: the lean add-header's and the default template's own example", () => {
  assert.equal(SIZE_LIMIT, 6144);
  assert.equal(byName("add-header (no configuration)").ratio, 6000 / 6144);
  const template = byName("default template (add-header)");
  assert.equal(template.ratio, 2);
  assert.equal(template.measured, "12,288 bytes");
});

test("guest-only cost is ours over the hand-written module of the add-header group, limit 1.5×", () => {
  const guest = byName("guest-only add-header");
  assert.equal(guest.ratio, 3);
  assert.equal(guest.limit, 1.5);
});

test("Envoy targets divide our added p50 by each peer's, and give no ratio to a peer whose cost is inside the noise", () => {
  assert.equal(byName("Envoy, add-header: added p50 ≤ the Go SDK's").ratio, 1.5);
  assert.equal(byName("Envoy, add-header: added p50 ≤ proxy-runtime's").ratio, 45 / 200);
  const lua = byName("Envoy, add-header: added p50 ≤ 1.5× Lua's");
  assert.equal(lua.ratio, 0.75);
  assert.equal(lua.limit, 1.5);
  const noisyLua = byName("Envoy, heavy: added p50 ≤ 1.5× Lua's");
  assert.equal(noisyLua.ratio, undefined);
  assert.equal(noisyLua.measured, "+90.0 µs vs −5.0 µs (CPU +1.0 vs +1.0 µs): theirs inside the noise");
  assert.match(byName("Envoy, heavy: added p50 ≤ the Go SDK's").measured, /^not measured: no row for the Go SDK/);
  const oursNoisy = issueTargets({ envoy: { rows: [envoyRow("heavy", "as-proxy-wasm", -3), envoyRow("heavy", "Go SDK", 20)] } }, "add-header");
  const vsGo = oursNoisy.find((t) => t.target === "Envoy, heavy: added p50 ≤ the Go SDK's")!;
  assert.equal(vsGo.ratio, undefined, "no ratio (and no 'met') from a cost below no filter's");
  assert.match(vsGo.measured, /^−3\.0 µs vs \+20\.0 µs .*: ours inside the noise$/);
});

test("every push/pull row is a target of its own, at most 1.0× oras", () => {
  assert.equal(byName("push 16 MiB (oci)").ratio, 2);
  assert.equal(byName("pull 64 MiB (compat)").ratio, 0.8);
});

test("the table says met, not met, or ? for each target", () => {
  const lines = formatTargets(issueTargets(figures, "add-header")).split("\n");
  const line = (start: string) => lines.find((l) => l.trimStart().startsWith(start)) ?? assert.fail(`no line ${start}:\n${lines.join("\n")}`);
  assert.match(line("pull 64 MiB (compat)"), /0\.80×\s+1\.00×\s+met$/);
  assert.match(line("push 16 MiB (oci)"), /2\.00×\s+1\.00×\s+not met$/);
  assert.match(line("Envoy, heavy: added p50 ≤ 1.5× Lua's"), /1\.50×\s+\?$/);
  const justOver = formatTargets([{ target: "t", measured: "m", ratio: 1.004, limit: 1 }]);
  assert.match(justOver, /1\.004×\s+1\.00×\s+not met$/, "a ratio over its limit never shows as equal to it");
});

test("a bench that did not run leaves its targets not measured, with its reason", () => {
  const targets = issueTargets({ envoy: { rows: [], skipped: "no Envoy" }, pushPull: { rows: [], skipped: "oras not built" } }, "add-header");
  assert.ok(targets.every((t) => t.ratio === undefined && t.measured.startsWith("not measured: ")));
  assert.ok(targets.some((t) => t.measured === "not measured: no Envoy"));
  assert.ok(targets.some((t) => t.measured === "not measured: oras not built"));
  assert.equal(targets.filter((t) => t.target.startsWith("Envoy")).length, 6);
});
