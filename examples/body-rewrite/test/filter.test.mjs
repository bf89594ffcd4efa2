import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { Host } from "as-proxy-wasm/host";
import { header, startPlugin } from "./plugin.mjs";

const request = {
  headers: [
    [":method", "GET"],
    [":path", "/"],
    [":authority", "example.com"],
  ],
};
const html = [
  [":status", "200"],
  ["content-type", "text/html"],
  ["content-length", "60"],
];
const text = new TextDecoder();

test("rewrites every match in a text body, also across chunks, and drops content-length", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({
    request,
    response: { headers: html, bodyChunks: ['<a href="ht', 'tp://a.example">a</a> <a href="http://b.example">b</a>'] },
  });
  assert.equal(result.response.body, '<a href="https://a.example">a</a> <a href="https://b.example">b</a>');
  assert.equal(header(result.response.headers, "content-length"), undefined);
});

test("leaves other content types alone", async () => {
  const { plugin } = await startPlugin();
  const body = "http://binary";
  const result = await plugin.httpStream({
    request,
    response: {
      headers: [
        [":status", "200"],
        ["content-type", "image/png"],
      ],
      body,
    },
  });
  assert.equal(result.response.body, body);
});

test("uses the configured strings", async () => {
  const { plugin } = await startPlugin(JSON.stringify({ from: "cat", to: "dog" }));
  const result = await plugin.httpStream({
    request,
    response: {
      headers: [
        [":status", "200"],
        ["content-type", "application/json"],
      ],
      body: '{"pet":"cat"}',
    },
  });
  assert.equal(result.response.body, '{"pet":"dog"}');
});

test("a gzip-encoded text body passes byte for byte, content-length kept; identity is rewritten", async () => {
  const { plugin } = await startPlugin();
  const gzipped = gzipSync(Buffer.from('<a href="http://a.example">a</a>'.repeat(50)));
  for (const encoding of ["gzip", "br", "GZIP", "deflate, gzip"]) {
    const headers = [
      [":status", "200"],
      ["content-type", "text/html; charset=utf-8"],
      ["content-encoding", encoding],
      ["content-length", String(gzipped.length)],
    ];
    const result = await plugin.httpStream({ request, response: { headers, bodyChunks: [gzipped.subarray(0, 100), gzipped.subarray(100)] } });
    assert.deepEqual(Buffer.from(result.response.bodyBytes), gzipped, encoding);
    assert.equal(header(result.response.headers, "content-length"), String(gzipped.length), encoding);
  }
  const identity = await plugin.httpStream({ request, response: { headers: [...html, ["content-encoding", "identity"]], body: "go to http://x" } });
  assert.equal(identity.response.body, "go to https://x");
});

test("bytes that are not UTF-8 stay as they were around a rewritten match", async () => {
  const { plugin } = await startPlugin();
  const latin1 = Buffer.from("caf\xe9 http://a \xff\xfe end", "latin1");
  const result = await plugin.httpStream({
    request,
    response: {
      headers: [
        [":status", "200"],
        ["content-type", "text/plain; charset=iso-8859-1"],
      ],
      body: latin1,
    },
  });
  assert.deepEqual(Buffer.from(result.response.bodyBytes), Buffer.from("caf\xe9 https://a \xff\xfe end", "latin1"));
});

test("server-sent events (and other streams) go on chunk by chunk, unchanged, never held", async () => {
  const { plugin } = await startPlugin();
  for (const type of ["text/event-stream", "text/event-stream; charset=utf-8", "application/x-ndjson"]) {
    const ctx = plugin.newHttpContext();
    ctx.onRequestHeaders(request.headers, true);
    ctx.onResponseHeaders(
      [
        [":status", "200"],
        ["content-type", type],
      ],
      false,
    );
    const events = ["data: see http://a\n\n", "data: and http://b\n\n"];
    let forwarded = "";
    for (const event of events) {
      assert.equal(ctx.onResponseBody(event, false), 0, `${type}: Continue, not held`);
      forwarded += event;
      assert.equal(text.decode(ctx.forwardedResponseBody), forwarded, `${type}: the event went on as it came`);
    }
    ctx.onResponseBody("", true);
    ctx.onLog();
    ctx.onDone();
    ctx.onDelete();
  }
});

test("a body over maxBodyBytes passes unchanged: announced by content-length, never held; without, from the chunk that passes the cap", async () => {
  const { plugin } = await startPlugin(JSON.stringify({ from: "http://", to: "https://", maxBodyBytes: 32 }));
  const body = "http://a.example ".repeat(4); // 68 bytes
  const announced = await plugin.httpStream({
    request,
    response: {
      headers: [
        [":status", "200"],
        ["content-type", "text/plain"],
        ["content-length", String(body.length)],
      ],
      bodyChunks: [body.slice(0, 20), body.slice(20)],
    },
  });
  assert.equal(announced.response.body, body);
  assert.equal(header(announced.response.headers, "content-length"), String(body.length));

  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(request.headers, true);
  ctx.onResponseHeaders(
    [
      [":status", "200"],
      ["content-type", "text/plain"],
    ],
    false,
  );
  assert.equal(ctx.onResponseBody(body.slice(0, 20), false), 1, "held while under the cap");
  assert.equal(ctx.onResponseBody(body.slice(20, 40), false), 0, "let go past the cap");
  assert.equal(text.decode(ctx.forwardedResponseBody), body.slice(0, 40));
  assert.equal(ctx.onResponseBody(body.slice(40), true), 0);
  assert.equal(text.decode(ctx.forwardedResponseBody), body);

  // The default cap (256 KiB) lets a 600 KB body through unchanged.
  const { plugin: defaults } = await startPlugin();
  const large = "http://".repeat(90_000);
  const result = await defaults.httpStream({
    request,
    response: {
      headers: [
        [":status", "200"],
        ["content-type", "text/plain"],
      ],
      bodyChunks: [large.slice(0, 300_000), large.slice(300_000)],
    },
  });
  assert.equal(result.response.body, large);
  // Under the cap, the last byte of the cap included, it is rewritten.
  const small = await startPlugin(JSON.stringify({ maxBodyBytes: 14 }));
  const exact = await small.plugin.httpStream({
    request,
    response: {
      headers: [
        [":status", "200"],
        ["content-type", "text/plain"],
      ],
      bodyChunks: ["http://", "http://"],
    },
  });
  assert.equal(exact.response.body, "https://https://");
});

test("HEAD answers, 204 and 304 are not touched, content-length kept", async () => {
  const { plugin } = await startPlugin();
  const cases = [
    { method: "HEAD", status: "200" },
    { method: "GET", status: "204" },
    { method: "GET", status: "304" },
  ];
  for (const { method, status } of cases) {
    const ctx = plugin.newHttpContext();
    ctx.onRequestHeaders(
      [
        [":method", method],
        [":path", "/"],
        [":authority", "example.com"],
      ],
      true,
    );
    // Even if the upstream (wrongly) announces a body to come, nothing is held or dropped.
    assert.equal(
      ctx.onResponseHeaders(
        [
          [":status", status],
          ["content-type", "text/html"],
          ["content-length", "7"],
        ],
        false,
      ),
      0,
    );
    assert.equal(header(ctx.responseHeaders, "content-length"), "7", `${method} ${status}`);
    assert.equal(ctx.onResponseBody("http://", true), 0, `${method} ${status}`);
    assert.equal(text.decode(ctx.forwardedResponseBody), "http://");
  }
});

test("refuses an empty `from` or a maxBodyBytes that is not positive", async () => {
  for (const configuration of ['{"from": ""}', '{"maxBodyBytes": 0}']) {
    const host = new Host();
    await assert.rejects(startPlugin(configuration, { host }), (error) => error.operation === "proxy_on_configure", configuration);
    assert.ok(
      host.logs.some((l) => l.level === "critical" && l.message.startsWith("body-rewrite: configuration refused")),
      configuration,
    );
  }
});
