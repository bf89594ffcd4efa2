// The SDK's import graph runs one way (types → internal → hostcalls → accessors → contexts → dispatcher →
// exports): no module imports one that imports it back, so each layer can be read, and changed, alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { packageRoot } from "../cli/package-root.js";

const sdk = join(packageRoot, "sdk");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Each SDK module → the SDK modules it imports or re-exports (relative specifiers, `.ts` implied). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(sdk)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)].map((m) => {
      const target = resolve(dirname(file), m[1]!);
      return relative(sdk, target.endsWith(".ts") ? target : `${target}.ts`);
    });
    graph.set(relative(sdk, file), targets);
  }
  return graph;
}

/** A cycle in the graph, as the modules along it, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

test("the SDK's modules import each other one way: no cycle", () => {
  const graph = importGraph();
  assert.ok(graph.get("context.ts")?.includes("internal/table.ts"), "the graph is read (context.ts imports internal/table.ts)");
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" → ")}`);
});

test("the cycle finder finds one", () => {
  assert.deepEqual(
    findCycle(
      new Map([
        ["a.ts", ["b.ts"]],
        ["b.ts", ["c.ts"]],
        ["c.ts", ["a.ts"]],
      ]),
    ),
    ["a.ts", "b.ts", "c.ts", "a.ts"],
  );
});
