/**
 * examples/waf in a real Envoy, behind the bootstrap `manifest envoy` writes for it: the attacks its
 * emulator tests cover, sent as a client would (encoded traversal, double slashes, repeated headers, a body
 * pattern split across TCP segments, bodies over the cap), and what the upstream saw of each.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests, validateEnvoyConfig, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { header, send, startRawUpstream } from "./helpers/envoy-upstream.js";
import { atProject, checkedInBootstrap, exampleBootstrap, exampleProject, readmeBootstrap } from "./helpers/example-envoy.js";

const envoy = envoyForTests();
const skip = envoy.skip;
let project = "";
let exampleConfig: Record<string, unknown> = {};

before(async () => {
  if (skip) return;
  project = await exampleProject("waf");
  exampleConfig = JSON.parse(await readFile(join(packageRoot, "examples", "waf", "config.example.json"), "utf8"));
});

/** What the upstream saw of one request: its headers on arrival, the body bytes that came, whether it ended. */
interface Seen {
  method: string;
  path: string;
  headers: [string, string][];
  body: string;
  complete: boolean;
}

/** An upstream that records requests as they arrive (a request reset mid-body is seen too) and answers 200 "ok". */
async function startRecordingUpstream(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const upstream = await startRawUpstream((req, res) => {
    const entry: Seen = { method: req.method ?? "", path: req.url ?? "", headers: [], body: "", complete: false };
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) entry.headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
    seen.push(entry);
    req.on("data", (chunk: Buffer) => (entry.body += chunk.toString("utf8")));
    req.on("error", () => undefined);
    req.on("end", () => {
      entry.complete = true;
      res.end("ok");
    });
  });
  return { ...upstream, seen };
}

/**
 * A chunked HTTP/1.1 request whose body chunks go out as separate TCP segments, 50 ms apart; resolves with
 * the status line's code and the raw response once Envoy closes the connection.
 */
async function sendChunked(port: number, path: string, headers: [string, string][], chunks: string[]): Promise<{ status: number; raw: string }> {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  let raw = "";
  socket.on("data", (data: Buffer) => (raw += data.toString("latin1")));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const head = [`POST ${path} HTTP/1.1`, "host: example.com", "transfer-encoding: chunked", "connection: close", ...headers.map(([n, v]) => `${n}: ${v}`)];
  socket.write(head.join("\r\n") + "\r\n\r\n");
  for (const chunk of chunks) {
    await sleep(50);
    if (socket.destroyed) break;
    socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
  }
  if (!socket.destroyed) socket.write("0\r\n\r\n");
  await Promise.race([closed, sleep(5000)]);
  socket.destroy();
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0), raw };
}

async function withWaf(
  config: Record<string, unknown>,
  body: (port: number, proxy: EnvoyProcess, upstream: Awaited<ReturnType<typeof startRecordingUpstream>>) => Promise<void>,
): Promise<void> {
  const upstream = await startRecordingUpstream();
  try {
    const bootstrap = await exampleBootstrap(project, upstream.port, JSON.stringify(config));
    await withValidatedEnvoy(envoy.binary!, bootstrap, (proxy) => body(proxy.listenerPort("listener_http"), proxy, upstream));
  } finally {
    await upstream.close();
  }
}

test("examples/waf/envoy.yaml is what manifest envoy writes, as the README runs it", async () => {
  assert.deepEqual(await checkedInBootstrap("waf"), await readmeBootstrap("waf"));
});

describe("examples/waf in Envoy", { skip }, () => {
  test("its envoy.yaml passes envoy --mode validate (the module path pointed at the build)", async () => {
    const validation = await validateEnvoyConfig(envoy.binary!, await checkedInBootstrap("waf", atProject(project)));
    assert.ok(validation.ok, validation.problems.join("\n"));
  });

  test("clean requests pass untouched; attacks on path, query, headers and method get 403 with the rule id, logged, never upstream", async () => {
    await withWaf(exampleConfig, async (port, proxy, upstream) => {
      const clean = await send(port, {
        method: "POST",
        path: "/api/items?sort=asc",
        headers: [["content-type", "application/json"]],
        body: '{"name":"select"}',
      });
      assert.equal(clean.status, 200);
      assert.equal(upstream.seen.length, 1);
      assert.equal(upstream.seen[0]!.body, '{"name":"select"}');
      assert.equal(upstream.seen[0]!.path, "/api/items?sort=asc");
      const head = await send(port, { method: "HEAD", path: "/docs" });
      assert.equal(head.status, 200);
      assert.equal(upstream.seen.length, 2);

      const attacks: [string, { method?: string; path?: string; headers?: [string, string][] }][] = [
        ["path-traversal", { path: "/static/%2e%2e/%2E%2E/etc/passwd" }],
        ["path-traversal", { path: "/static/..%2f..%2fetc/passwd" }],
        ["path-traversal", { path: "/static/%252e%252e/etc/passwd" }],
        ["admin-area", { path: "//admin//users" }],
        ["admin-area", { path: "/%61dmin" }],
        ["sqli-union", { path: "/search?q=1+UNION+SELECT+password" }],
        [
          "xss-script",
          {
            path: "/",
            headers: [
              ["x-note", "harmless"],
              ["x-note", "<script>alert(1)</script>"],
            ],
          },
        ],
        ["scanner", { path: "/", headers: [["user-agent", "sqlmap/1.7"]] }],
        ["no-trace", { method: "TRACE", path: "/" }],
      ];
      for (const [rule, request] of attacks) {
        const response = await send(port, request);
        assert.equal(response.status, 403, JSON.stringify(request));
        assert.equal(header(response.headers, "x-waf-rule"), rule, JSON.stringify(request));
        assert.equal(response.body, "blocked by the web application firewall\n");
      }
      assert.equal(upstream.seen.length, 2, `nothing blocked reached the upstream: ${JSON.stringify(upstream.seen.slice(2))}`);
      const blocked = (l: { level: string; message: string }) => l.level === "warn" && /^waf: rule [a-z-]+ matched the [a-z]+: blocked$/.test(l.message);
      await proxy.waitForLine(() => proxy.wasmLogs().filter(blocked).length >= attacks.length, 2000);
      assert.equal(proxy.wasmLogs().filter(blocked).length, attacks.length, JSON.stringify(proxy.wasmLogs()));
      assert.ok(proxy.wasmLogs().some((l) => l.message === "waf: rule no-trace matched the method: blocked"));
    });
  });

  test("a body pattern split across TCP segments is caught; the upstream never gets that body", async () => {
    await withWaf(exampleConfig, async (port, proxy, upstream) => {
      const blocked = await sendChunked(port, "/login", [["content-type", "application/x-www-form-urlencoded"]], ["user=a%20UNI", "ON%20SEL", "ECT+1"]);
      assert.equal(blocked.status, 403, blocked.raw);
      assert.match(blocked.raw, /x-waf-rule: sqli-union/i);
      // The headers may have started upstream (a filter gets no body callbacks while it holds the headers);
      // the body never does, and the request never completes there.
      for (const request of upstream.seen) {
        assert.equal(request.complete, false, JSON.stringify(request));
        assert.ok(!request.body.includes("UNI"), JSON.stringify(request));
      }
      const clean = await sendChunked(port, "/login", [["content-type", "application/x-www-form-urlencoded"]], ["user=a", "&pw=b"]);
      assert.equal(clean.status, 200, clean.raw);
      const complete = upstream.seen.filter((r) => r.complete);
      assert.equal(complete.length, 1);
      assert.equal(complete[0]!.body, "user=a&pw=b");
      assert.ok(await proxy.waitForLine((l) => l.message.endsWith("waf: rule sqli-union matched the body: blocked"), 2000));
    });
  });

  test("bodies over maxBodyBytes: 413 by content-length or as chunks come; with uninspectableBody pass, forwarded whole", async () => {
    await withWaf({ ...exampleConfig, maxBodyBytes: 16 }, async (port, _proxy, upstream) => {
      const declared = await send(port, { method: "POST", path: "/", headers: [["content-type", "text/plain"]], body: "x".repeat(17) });
      assert.equal(declared.status, 413);
      const chunked = await sendChunked(port, "/", [["content-type", "text/plain"]], ["x".repeat(10), "y".repeat(10)]);
      assert.equal(chunked.status, 413, chunked.raw);
      assert.equal(upstream.seen.filter((r) => r.complete).length, 0);
      const image = await send(port, { method: "POST", path: "/upload", headers: [["content-type", "image/png"]], body: "union select".repeat(10) });
      assert.equal(image.status, 200, "a body of a type not inspected passes, whatever its size");
    });
    await withWaf({ ...exampleConfig, maxBodyBytes: 16, uninspectableBody: "pass" }, async (port, proxy, upstream) => {
      const passed = await sendChunked(port, "/", [["content-type", "text/plain"]], ["union select ", "padding padding"]);
      assert.equal(passed.status, 200, passed.raw);
      assert.equal(upstream.seen[0]!.body, "union select padding padding");
      assert.ok(await proxy.waitForLine((l) => l.message.endsWith("waf: a body over maxBodyBytes passed uninspected"), 2000));
    });
  });

  test("detect mode logs every match and blocks nothing", async () => {
    await withWaf({ ...exampleConfig, mode: "detect" }, async (port, proxy, upstream) => {
      const response = await send(port, { method: "POST", path: "/admin?q=union+select", headers: [["content-type", "text/plain"]], body: "<script>" });
      assert.equal(response.status, 200);
      assert.equal(upstream.seen[0]!.body, "<script>");
      const detected = (l: { message: string }) => l.message.endsWith("(detect mode: not blocked)");
      await proxy.waitForLine(() => proxy.wasmLogs().filter(detected).length >= 3, 2000);
      assert.deepEqual(
        proxy
          .wasmLogs()
          .filter(detected)
          .map((l) => l.message),
        [
          "waf: rule admin-area matched the path (detect mode: not blocked)",
          "waf: rule sqli-union matched the query (detect mode: not blocked)",
          "waf: rule xss-script matched the body (detect mode: not blocked)",
        ],
      );
    });
  });
});
