import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "as-proxy-wasm/host";
import { exampleConfig, header, startPlugin } from "./plugin.mjs";

const request = (method, path, extra = [], body) => ({
  headers: [[":method", method], [":path", path], [":authority", "example.com"], ...extra],
  ...(body === undefined ? {} : Array.isArray(body) ? { bodyChunks: body } : { body }),
});
const response = { headers: [[":status", "200"]], body: "ok" };
const withConfig = (changes) => JSON.stringify({ ...JSON.parse(exampleConfig), ...changes });

/** Sends one request; returns the rule that blocked it (or null) and the stream result. */
async function send(plugin, req) {
  const result = await plugin.httpStream({ request: req, response });
  return { rule: result.localResponse?.status === 403 ? header(result.response.headers, "x-waf-rule") : null, result };
}

test("a clean request passes untouched, headers and body, and nothing is logged", async () => {
  const { plugin } = await startPlugin();
  const body = '{"name": "select a union of sets"}';
  const { rule, result } = await send(
    plugin,
    request(
      "POST",
      "/api/items?sort=asc",
      [
        ["content-type", "application/json"],
        ["user-agent", "curl/8"],
      ],
      body,
    ),
  );
  assert.equal(rule, null);
  assert.equal(result.localResponse, null);
  assert.equal(result.request.body, body);
  assert.equal(header(result.request.headers, ":path"), "/api/items?sort=asc");
  assert.deepEqual(result.logs, []);
});

test("path rules see the decoded, normalised path: encoded traversal, double slashes, backslashes, double encoding", async () => {
  const { plugin } = await startPlugin();
  const cases = {
    "/static/../../etc/passwd": "path-traversal",
    "/static/%2e%2e/%2E%2E/etc/passwd": "path-traversal",
    "/static/..%2f..%2fetc/passwd": "path-traversal",
    "/static/%252e%252e/etc/passwd": "path-traversal",
    "/static\\..\\secret": "path-traversal",
    "/admin": "admin-area",
    "//admin//users": "admin-area",
    "/./ADMIN/": "admin-area",
    "/%61dmin/users": "admin-area",
    "/%2561dmin": "admin-area",
    "/public/..": null,
    "/administration-guide": "admin-area",
    "/docs/admin": null,
    "/union%20select": null,
  };
  for (const [path, expected] of Object.entries(cases)) {
    const { rule, result } = await send(plugin, request("GET", path));
    assert.equal(rule, expected, path);
    if (expected) assert.equal(result.request, null, `${path} never reaches the upstream`);
  }
});

test("query rules see the decoded query, + as space", async () => {
  const { plugin } = await startPlugin();
  for (const query of ["q=1%20UNION%20SELECT%20*", "q=1+union+select+password", "q=%253Cscript%253E", "a=1&b=%3CScRiPt%3E"]) {
    const { rule } = await send(plugin, request("GET", `/search?${query}`));
    assert.ok(rule === "sqli-union" || rule === "xss-script", `${query}: ${rule}`);
  }
  const { rule } = await send(plugin, request("GET", "/search?q=unions+selected"));
  assert.equal(rule, null);
});

test("header rules check every copy of a repeated header; a named header only that header", async () => {
  const { plugin } = await startPlugin();
  const repeated = await send(
    plugin,
    request("GET", "/", [
      ["x-note", "harmless"],
      ["x-note", "<script>alert(1)</script>"],
    ]),
  );
  assert.equal(repeated.rule, "xss-script");
  const scanner = await send(
    plugin,
    request("GET", "/", [
      ["user-agent", "Mozilla/5.0"],
      ["user-agent", "SQLMap/1.7"],
    ]),
  );
  assert.equal(scanner.rule, "scanner");
  const elsewhere = await send(plugin, request("GET", "/", [["referer", "https://sqlmap.org"]]));
  assert.equal(elsewhere.rule, null);
});

test("method rules; HEAD and bodiless POST pass", async () => {
  const { plugin } = await startPlugin();
  assert.equal((await send(plugin, request("TRACE", "/"))).rule, "no-trace");
  assert.equal((await send(plugin, request("trace", "/"))).rule, "no-trace");
  for (const method of ["HEAD", "POST", "OPTIONS"]) {
    const { rule, result } = await send(plugin, request(method, "/x"));
    assert.equal(rule, null, method);
    assert.notEqual(result.request, null, method);
  }
});

test("a blocked request: 403 with the rule id in x-waf-rule, a log line naming rule and target, nothing upstream", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: request("GET", "/search?q=union+select"), response });
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 403);
  assert.equal(result.localResponse.body, "blocked by the web application firewall\n");
  assert.equal(header(result.response.headers, "x-waf-rule"), "sqli-union");
  assert.deepEqual(result.logs, [{ level: "warn", message: "waf: rule sqli-union matched the query: blocked" }]);
});

test("body rules: a pattern split across chunks is caught; headers wait with the body, so nothing reaches the upstream", async () => {
  const { plugin } = await startPlugin();
  const json = [["content-type", "application/json"]];
  for (const chunks of [
    ["id=1 uni", "on sel", "ect * from users"],
    ["<", "s", "c", "r", "i", "p", "t>"],
    ["x".repeat(1000) + "UNION", " SELECT"],
  ]) {
    const { rule, result } = await send(plugin, request("POST", "/api", json, chunks));
    assert.ok(rule === "sqli-union" || rule === "xss-script", `${JSON.stringify(chunks).slice(0, 60)}: ${rule}`);
    assert.equal(result.request, null);
  }
  const form = await send(
    plugin,
    request("POST", "/login", [["content-type", "application/x-www-form-urlencoded; charset=utf-8"]], ["user=a%20UNI", "ON%20SELECT+1"]),
  );
  assert.equal(form.rule, "sqli-union", "a form body is percent-decoded, across chunks");
  const clean = await send(plugin, request("POST", "/api", json, ['{"a":', "1}"]));
  assert.equal(clean.rule, null);
  assert.equal(clean.result.request.body, '{"a":1}', "a clean body reaches the upstream whole");
});

test("bodies of content types not inspected pass; a body without content-type is inspected", async () => {
  const { plugin } = await startPlugin();
  const image = await send(plugin, request("POST", "/upload", [["content-type", "image/png"]], "union select"));
  assert.equal(image.rule, null);
  assert.equal(image.result.request.body, "union select");
  const untyped = await send(plugin, request("POST", "/upload", [], "union select"));
  assert.equal(untyped.rule, "sqli-union");
  const { plugin: narrow } = await startPlugin(withConfig({ inspectContentTypes: ["application/json"] }));
  assert.equal((await send(narrow, request("POST", "/", [["content-type", "text/plain"]], "<script>"))).rule, null);
  assert.equal((await send(narrow, request("POST", "/", [["content-type", "Application/JSON; charset=utf-8"]], "<script>"))).rule, "xss-script");
});

test("trailers end a buffered body: it is inspected then", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({
    request: { ...request("POST", "/grpc", [["content-type", "text/plain"]], ["a union ", "select b"]), trailers: [["x-checksum", "1"]] },
    response,
  });
  assert.equal(result.localResponse?.status, 403);
  assert.equal(header(result.response.headers, "x-waf-rule"), "sqli-union");
  const clean = await plugin.httpStream({
    request: { ...request("POST", "/grpc", [["content-type", "text/plain"]], ["a ", "b"]), trailers: [["x-checksum", "1"]] },
    response,
  });
  assert.equal(clean.localResponse, null);
  assert.equal(clean.request.body, "a b");
});

test("a body over maxBodyBytes: 413 (by content-length before any byte, or as chunks come); or passed uninspected", async () => {
  const { plugin } = await startPlugin(withConfig({ maxBodyBytes: 16 }));
  const declared = await plugin.httpStream({
    request: request(
      "POST",
      "/",
      [
        ["content-type", "text/plain"],
        ["content-length", "17"],
      ],
      "x".repeat(17),
    ),
    response,
  });
  assert.equal(declared.localResponse?.status, 413);
  assert.equal(declared.request, null);
  const chunked = await plugin.httpStream({ request: request("POST", "/", [["content-type", "text/plain"]], ["x".repeat(10), "y".repeat(10)]), response });
  assert.equal(chunked.localResponse?.status, 413);
  assert.ok(chunked.logs.some((l) => l.level === "warn" && l.message === "waf: a body over maxBodyBytes cannot be inspected: refused"));
  const exact = await plugin.httpStream({ request: request("POST", "/", [["content-type", "text/plain"]], ["x".repeat(8), "y".repeat(8)]), response });
  assert.equal(exact.localResponse, null, "16 bytes is within the cap");

  const { plugin: lenient } = await startPlugin(withConfig({ maxBodyBytes: 16, uninspectableBody: "pass" }));
  const passed = await lenient.httpStream({ request: request("POST", "/", [["content-type", "text/plain"]], ["union select ", "padding padding"]), response });
  assert.equal(passed.localResponse, null);
  assert.equal(passed.request.body, "union select padding padding", "every byte reaches the upstream, in order");
  assert.ok(passed.logs.some((l) => l.level === "info" && l.message === "waf: a body over maxBodyBytes passed uninspected"));
});

test("a content-encoded body cannot be inspected: 415, or passed with uninspectableBody pass", async () => {
  const gzip = [
    ["content-type", "application/json"],
    ["content-encoding", "gzip"],
  ];
  const { plugin } = await startPlugin();
  const refused = await plugin.httpStream({ request: request("POST", "/", gzip, "\x1f\x8b..."), response });
  assert.equal(refused.localResponse?.status, 415);
  const { plugin: lenient } = await startPlugin(withConfig({ uninspectableBody: "pass" }));
  const passed = await lenient.httpStream({ request: request("POST", "/", gzip, "\x1f\x8b..."), response });
  assert.equal(passed.localResponse, null);
  const identity = await plugin.httpStream({
    request: request(
      "POST",
      "/",
      [
        ["content-type", "application/json"],
        ["content-encoding", "identity"],
      ],
      "{}",
    ),
    response,
  });
  assert.equal(identity.localResponse, null);
});

test("detect mode: every match is logged, nothing is blocked or changed", async () => {
  const { plugin } = await startPlugin(withConfig({ mode: "detect" }));
  const result = await plugin.httpStream({
    request: request(
      "POST",
      "/admin?q=union+select",
      [
        ["content-type", "text/plain"],
        ["user-agent", "sqlmap"],
      ],
      ["<scr", "ipt>"],
    ),
    response,
  });
  assert.equal(result.localResponse, null);
  assert.equal(result.request.body, "<script>");
  assert.deepEqual(result.logs, [
    { level: "warn", message: "waf: rule admin-area matched the path (detect mode: not blocked)" },
    { level: "warn", message: "waf: rule sqli-union matched the query (detect mode: not blocked)" },
    { level: "warn", message: "waf: rule scanner matched the headers (detect mode: not blocked)" },
    { level: "warn", message: "waf: rule xss-script matched the body (detect mode: not blocked)" },
  ]);
});

test("a configuration that cannot be applied safely is refused, with a critical log line saying why", async () => {
  const rule = { id: "r1", in: ["path"], contains: "x" };
  const bad = {
    "": /"rules"/,
    "not json": /not JSON|object/,
    "[]": /object/,
    "{}": /"rules"/,
    '{"rules": []}': /"rules"/,
    [JSON.stringify({ rules: [{ in: ["path"], contains: "x" }] })]: /"id"/,
    [JSON.stringify({ rules: [{ id: "has space", in: ["path"], contains: "x" }] })]: /"id"/,
    [JSON.stringify({ rules: [{ id: "r1", contains: "x" }] })]: /"in"/,
    [JSON.stringify({ rules: [{ id: "r1", in: ["cookies"], contains: "x" }] })]: /"in"/,
    [JSON.stringify({ rules: [{ id: "r1", in: ["path"] }] })]: /one of "contains", "prefix", "equals"/,
    [JSON.stringify({ rules: [{ id: "r1", in: ["path"], contains: "x", prefix: "y" }] })]: /one of "contains", "prefix", "equals"/,
    [JSON.stringify({ rules: [{ id: "r1", in: ["path"], contains: "" }] })]: /one of "contains", "prefix", "equals"/,
    [JSON.stringify({ rules: [rule, rule] })]: /twice/,
    [JSON.stringify({ mode: "block-all", rules: [rule] })]: /"mode"/,
    [JSON.stringify({ maxBodyBytes: 0, rules: [rule] })]: /"maxBodyBytes"/,
    [JSON.stringify({ maxBodyBytes: 2e6, rules: [rule] })]: /"maxBodyBytes"/,
    [JSON.stringify({ uninspectableBody: "allow", rules: [rule] })]: /"uninspectableBody"/,
  };
  for (const [config, reason] of Object.entries(bad)) {
    const host = new Host();
    await assert.rejects(startPlugin(config, { host }), /refused its configuration/, config);
    const critical = host.logs.filter((l) => l.level === "critical").map((l) => l.message);
    assert.ok(
      critical.some((m) => m.startsWith("waf: configuration refused: ") && reason.test(m)),
      `${config}: ${JSON.stringify(critical)}`,
    );
  }
});
