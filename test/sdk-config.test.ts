// Typed configuration (RootContext.parseConfig, the SDK's JSON reader) and typed root (HttpContext<R>,
// TcpContext<R>) through the host emulator: what the filter read from each configuration, and how it
// refused a malformed one (a log line naming what and the byte, no trap).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { Host, HostError } from "../host/index.js";
import { buildFixture, startPlugin, header, get } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("config");
});

/** The "read …" line the fixture logs in onConfigure. */
async function read(configuration: string): Promise<string> {
  const { host } = await startPlugin(wasm, {}, configuration);
  const line = host.logs.map((l) => l.message).find((m) => m.startsWith("read "));
  assert.ok(line, `no read line for ${configuration}`);
  return line;
}

/** Starts the plugin with `configuration`, expects it refused, returns the log messages. */
async function refused(configuration: string): Promise<string[]> {
  const host = new Host();
  const vm = await host.loadVm(wasm, { vmId: "sdk-vm" });
  assert.throws(() => vm.startPlugin({ configuration }), HostError, `accepted ${configuration}`);
  return host.logs.map((l) => l.message);
}

test("empty configuration reads as {}: every getter gives its fallback", async () => {
  assert.equal(await read(""), "read name=default-name|n=7|int=absent|f=0.5|on=false|list=none|deep=-|null=absent|missing=fallback");
  assert.equal(await read("  {  }  "), await read(""));
});

test("string escapes, \\u escapes and surrogate pairs are decoded; raw UTF-8 passes through", async () => {
  const line = await read(String.raw`{"name": "a\"b\\c\/d\n\t\r\b\f|\u00e9|\ud83d\ude00|ü€"}`);
  assert.equal(line.split("|n=")[0], 'read name=a"b\\c/d\n\t\r\b\f|é|😀|ü€');
});

test("numbers: negative, fraction, exponent; getInt drops the fraction and applies the exponent", async () => {
  assert.match(await read('{"n": -42, "f": -1.25e2}'), /\|n=-42\|int=yes\|f=-125\.0\|/);
  assert.match(await read('{"n": 15e2}'), /\|n=1500\|int=no\|/);
  assert.match(await read('{"n": 9.99}'), /\|n=9\|int=no\|/);
  assert.match(await read('{"n": 0, "f": 2E-1}'), /\|n=0\|int=yes\|f=0\.2\|/);
});

test("booleans, null, arrays of strings, nested objects and arrays", async () => {
  const line = await read('{"on": true, "nothing": null, "list": ["a", "b,c", ""], "nested": {"items": [3, [1, {"y": "no"}], {"y": "z", "q": [[]]}, false]}}');
  assert.match(line, /\|on=true\|list=a,b,c,\|deep=4:3:z\|null=null\|/);
});

test("a key inside a value, and a repeated key (the last one wins)", async () => {
  assert.match(await read('{"list": ["\\"name\\": \\"trap\\""], "other": "name", "name": "right"}'), /^read name=right\|/);
  assert.match(await read('{"nested": {"name": "inner"}}'), /^read name=default-name\|/);
  assert.match(await read('{"name": "first", "name": "second"}'), /^read name=second\|/);
});

test("malformed configuration: refused with the byte and what was expected, never a trap", async () => {
  const cases: [string, RegExp][] = [
    ["x", /bad JSON at byte 0: expected a value/],
    ["not json", /bad JSON at byte 1: expected 'null'/],
    ["{", /bad JSON at byte 1: expected a key/],
    ['{"name"', /bad JSON at byte 7: expected ':'/],
    ['{"name": }', /bad JSON at byte 9: expected a value/],
    ['{"name": "x",}', /bad JSON at byte 13: expected a key/],
    ['{"name": "x"} x', /bad JSON at byte 14: expected end/],
    ['{"name": "unterminated', /bad JSON at byte 22: expected '"'/],
    ['{"name": "\\q"}', /bad JSON at byte 11: expected an escape/],
    ['{"name": "\\u12G4"}', /bad JSON at byte 12: expected \\uXXXX/],
    ['{"n": -}', /bad JSON at byte 7: expected a digit/],
    ['{"n": 1.}', /bad JSON at byte 8: expected a digit/],
    ['{"on": tru}', /bad JSON at byte 10: expected 'true'/],
    ['{"list": [1 2]}', /bad JSON at byte 12: expected ',' or '\]'/],
    ["[".repeat(100), /expected <65 levels/],
  ];
  const wrong: string[] = [];
  for (const [configuration, message] of cases) {
    const logs = await refused(configuration);
    const ok = logs.some((m) => m.startsWith("invalid configuration: ") && message.test(m)) && !logs.some((m) => /abort|unreachable|trap/i.test(m));
    if (!ok) wrong.push(`${configuration}: ${logs.join(" / ")}`);
  }
  assert.deepEqual(wrong, []);
});

test("valid JSON that is no object, or a value of the wrong type: refused, naming the key", async () => {
  assert.ok((await refused("[1]")).includes("invalid configuration: not an object"));
  assert.ok((await refused('"text"')).includes("invalid configuration: not an object"));
  assert.ok((await refused('{"name": 5}')).includes('invalid configuration: "name" must be a string'));
  assert.ok((await refused('{"list": ["a", 1]}')).includes('invalid configuration: "list" must be an array of strings'));
  assert.ok((await refused('{"on": "yes"}')).includes('invalid configuration: "on" must be true or false'));
});

test("typed root: an HttpContext<Root> reads the root's fields through this.root", async () => {
  const { plugin } = await startPlugin(wasm, {}, '{"name": "from-config"}');
  const r = await plugin.httpStream({ request: { headers: get("/") }, response: { headers: [[":status", "200"]] } });
  assert.equal(header(r.response.headers, "x-name"), "from-config");
});

test("typed root: a TcpContext<Root> reads the root's fields through this.root", async () => {
  const { plugin } = await startPlugin(wasm, {}, '{"name": "tcp-config", "tcp": true}');
  const r = await plugin.tcpConnection({ downstream: ["ping"], upstream: ["pong"] });
  assert.ok(
    r.logs.some((l) => l.message === "tcp root name=tcp-config"),
    r.logs.map((l) => l.message).join("\n"),
  );
});
