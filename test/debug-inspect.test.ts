/**
 * `run --inspect-brk` under Node's inspector: a debugger (here a worker thread's inspector session attached to
 * this thread, speaking the protocol DevTools and VS Code speak) finds the filter's module with its source
 * map, sets a breakpoint on a line of the filter's source, and the run stops there with the locals visible.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../cli/package-root.js";
import { debugBuild } from "./helpers/debug-build.js";
import { cli, templateProject } from "./helpers/filters.js";

const dir = await mkdtemp(join(tmpdir(), "inspect-"));
test.after(() => rm(dir, { recursive: true, force: true }));
const entry = "test/fixtures/debug/trap/index.ts";
/** `const path = this.requestHeaders.get(":path");` in Trap#onRequestHeaders. */
const LINE = 18;

/**
 * The debugger: on the --inspect-brk pause, maps the source line to a module offset through the script's
 * source map (as DevTools does), sets a breakpoint there, resumes, and reports where the next pause is and
 * the names of the locals in scope.
 */
const debuggerSource = `
const { Session } = require("node:inspector");
const { SourceMap } = require("node:module");
const { readFileSync } = require("node:fs");
const { fileURLToPath } = require("node:url");
const { parentPort, workerData } = require("node:worker_threads");
const session = new Session();
session.connectToMainThread();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
let wasm;
let breakpoint;
const report = { sourceMapURL: null, pauses: [] };
session.on("Debugger.scriptParsed", ({ params }) => {
  if (params.url.startsWith("wasm://")) { wasm = params; report.sourceMapURL = params.sourceMapURL; }
});
session.on("Debugger.paused", ({ params }) => {
  const frame = params.callFrames[0];
  const pause = { reason: params.reason, scriptId: frame.location.scriptId, offset: frame.location.columnNumber, functionName: frame.functionName, hit: params.hitBreakpoints ?? [] };
  report.pauses.push(pause);
  (async () => {
    if (!breakpoint && wasm) {
      const map = new SourceMap(JSON.parse(readFileSync(fileURLToPath(wasm.sourceMapURL), "utf8")));
      let offset = -1;
      for (let column = 0; column < wasm.endColumn && offset < 0; column++) {
        const e = map.findEntry(0, column);
        if (e.originalSource && e.originalSource.endsWith(workerData.source) && e.originalLine + 1 === workerData.line && e.generatedColumn === column) offset = column;
      }
      report.offset = offset;
      breakpoint = await post("Debugger.setBreakpoint", { location: { scriptId: wasm.scriptId, lineNumber: 0, columnNumber: offset } });
      report.breakpoint = breakpoint.actualLocation;
    } else if (pause.scriptId === wasm?.scriptId) {
      const local = frame.scopeChain.find((s) => s.type === "local");
      const { result } = await post("Runtime.getProperties", { objectId: local.object.objectId, ownProperties: true });
      pause.locals = result.map((p) => p.name);
      await post("Debugger.removeBreakpoint", { breakpointId: breakpoint.breakpointId });
    }
    await post("Debugger.resume");
  })().catch((e) => { report.error = String(e); post("Debugger.resume"); });
});
(async () => {
  await post("Debugger.enable");
  parentPort.postMessage({ ready: true });
  // The run blocks in waitForDebugger until a debugger says go: say it until the run is under way.
  parentPort.on("message", () => {
    const go = setInterval(() => (report.pauses.length > 0 ? clearInterval(go) : post("Runtime.runIfWaitingForDebugger")), 50);
  });
  parentPort.on("close", () => session.disconnect());
})();
process.on("beforeExit", () => {});
setInterval(() => parentPort.postMessage({ report }), 50);
`;

test("run --inspect-brk: a breakpoint set on a line of the filter's source is hit, with the locals in scope", async () => {
  await debugBuild(entry, dir);
  const worker = new Worker(debuggerSource, { eval: true, workerData: { source: entry, line: LINE } });
  let report: any;
  worker.on("message", (m) => {
    if (m.report) report = m.report;
  });
  await new Promise<void>((resolve) => worker.once("message", () => resolve()));
  worker.postMessage("go");
  try {
    const { code, stdout, stderr } = await cli(["run", "debug.wasm", "--inspect-brk"], dir);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^debugger listening on ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+\n/);
    assert.match(stdout, /^→ forwarded upstream\n/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(report, "the debugger reported nothing");
    assert.equal(report.error, undefined);
    assert.equal(report.sourceMapURL, `file://${join(dir, "debug.wasm.map")}`);
    assert.ok(report.offset > 0, `line ${LINE} maps to a module offset`);
    assert.equal(report.pauses[0].functionName, "breakBeforeFilter", "--inspect-brk pauses before the filter runs");
    const hit = report.pauses.find((p: { locals?: string[] }) => p.locals);
    assert.ok(hit, `the breakpoint was not hit: ${JSON.stringify(report)}`);
    assert.equal(hit.offset, report.breakpoint.columnNumber);
    assert.equal(hit.hit.length, 1);
    assert.match(hit.functionName, /Trap#onRequestHeaders/);
    assert.deepEqual(hit.locals, ["$this", "$numHeaders", "$endOfStream", "$path"]);
  } finally {
    const inspector = await import("node:inspector");
    inspector.close();
    await worker.terminate();
  }
});

test("init writes a VS Code launch configuration that runs the debug module with --inspect-brk", async () => {
  const init = await cli(["init", "vscode-project"], dir);
  assert.equal(init.code, 0, init.stderr);
  const project = join(dir, "vscode-project");
  // launch.json is JSON with comments, as VS Code reads it.
  const jsonc = (text: string) => JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
  const launch = jsonc(await readFile(join(project, ".vscode/launch.json"), "utf8"));
  const tasks = jsonc(await readFile(join(project, ".vscode/tasks.json"), "utf8"));
  const [config] = launch.configurations;
  assert.equal(config.type, "node");
  assert.equal(config.program, "${workspaceFolder}/node_modules/as-proxy-wasm/bin/as-proxy-wasm.js");
  await access(join(packageRoot, "bin/as-proxy-wasm.js"));
  assert.deepEqual(config.args, ["run", "build/debug.wasm", "--inspect-brk", "--config", "@config.example.json"]);
  const build = tasks.tasks.find((t: { label: string }) => t.label === config.preLaunchTask);
  assert.equal(build.command, "npx as-proxy-wasm build --debug -o build/debug.wasm");
  // The task as VS Code runs it, in a project with the SDK installed: the module and the map launch needs.
  const installed = await templateProject("add-header");
  const built = await cli(build.command.split(" ").slice(2), installed);
  assert.equal(built.code, 0, built.stderr);
  const map = JSON.parse(await readFile(join(installed, "build/debug.wasm.map"), "utf8"));
  assert.ok(map.sources.includes("assembly/index.ts"), map.sources.join(", "));
});
