/**
 * The rate-limit and body-rewrite templates in a real Envoy under the cases that broke them (issue "Examples
 * gallery"): two worker threads sharing one rate limit, and responses body-rewrite must leave alone (a gzip
 * body, a server-sent event stream, a body over its cap). Each template is a user's project (`init`, the SDK
 * linked as node_modules/as-proxy-wasm, the module its `build` writes) and runs behind the bootstrap `manifest envoy`
 * writes for it. No assertion depends on timing: the rate limit counts a burst inside a one-minute budget, and
 * the event stream is held open by the upstream until the client has its first event.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { envoyForTests, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { header, send, startHttpUpstream, startRawUpstream, type HttpUpstream } from "./helpers/envoy-upstream.js";
import { cli, filterModule, templateProject } from "./helpers/filters.js";
import { bodyRewriteEnvoyFlags } from "./helpers/example-envoy.js";

const envoy = envoyForTests();
const skip = envoy.skip;
const projects = new Map<string, string>();

before(async () => {
  if (skip) return;
  for (const template of ["rate-limit", "body-rewrite"]) {
    await filterModule(`template/${template}`);
    projects.set(template, await templateProject(template));
  }
});

/** The bootstrap `manifest envoy` writes for a template's module, routed to `upstream`, configured with `config`. */
async function bootstrapFor(name: string, upstream: number, config: string): Promise<Record<string, unknown>> {
  const project = projects.get(name)!;
  const args = ["manifest", "envoy", "--image", "build/plugin.wasm", "--config", config, ...(name === "body-rewrite" ? bodyRewriteEnvoyFlags : [])];
  args.push("--port", "0", "--admin-port", "0", "--address", "127.0.0.1", "--upstream", `127.0.0.1:${upstream}`, "-o", "envoy-hostile.yaml");
  const result = await cli(args, project);
  assert.equal(result.code, 0, result.stderr);
  return parseYaml(await readFile(join(project, "envoy-hostile.yaml"), "utf8")) as Record<string, unknown>;
}

const withEnvoy = (bootstrap: Record<string, unknown>, concurrency: number, body: (proxy: EnvoyProcess) => Promise<void>) =>
  withValidatedEnvoy(envoy.binary!, bootstrap, body, concurrency);

describe("rate-limit template, two workers", { skip }, () => {
  test("a burst over many connections on both workers gets exactly the limit, each token once", async () => {
    const upstream = await startHttpUpstream();
    try {
      // A one-minute budget: the burst below takes well under a second, far from the next fill.
      const bootstrap = await bootstrapFor("rate-limit", upstream.port, JSON.stringify({ requestsPerMinute: 20 }));
      await withEnvoy(bootstrap, 2, async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        // Each request on its own connection: the kernel spreads them over the two workers' sockets.
        const burst = await Promise.all(Array.from({ length: 80 }, () => send(port)));
        const allowed = burst.filter((r) => r.status === 200);
        const limited = burst.filter((r) => r.status === 429);
        assert.equal(allowed.length, 20, `statuses: ${burst.map((r) => r.status).join(",")}`);
        assert.equal(limited.length, 60);
        assert.equal(upstream.requests.length, 20, "429s never reached the upstream");
        // Every token was taken exactly once (compare-and-swap, retried): remaining 19, 18, … 0, each once.
        const remaining = allowed.map((r) => Number(header(r.headers, "x-ratelimit-remaining"))).sort((a, b) => a - b);
        assert.deepEqual(
          remaining,
          Array.from({ length: 20 }, (_, i) => i),
        );
        for (const r of allowed) assert.equal(header(r.headers, "x-ratelimit-limit"), "20");
        for (const r of limited) {
          assert.equal(header(r.headers, "x-ratelimit-limit"), "20");
          assert.equal(header(r.headers, "x-ratelimit-remaining"), "0");
          const retry = Number(header(r.headers, "retry-after"));
          assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `retry-after ${retry}`);
        }
        // Both workers served the burst (else this would prove nothing about sharing).
        const stats = await proxy.stats("downstream_cx_total");
        const perWorker = [...stats].filter(([name]) => /worker_\d+\.downstream_cx_total$/.test(name) && name.startsWith("listener.127.0.0.1"));
        assert.equal(perWorker.length, 2, JSON.stringify([...stats]));
        assert.ok(
          perWorker.every(([, value]) => Number(value) > 0),
          `connections per worker: ${JSON.stringify(perWorker)}`,
        );

        // A second burst in the same minute: nothing left, whichever worker answers.
        const again = await Promise.all(Array.from({ length: 20 }, () => send(port)));
        assert.deepEqual(new Set(again.map((r) => r.status)), new Set([429]));
        assert.equal(upstream.requests.length, 20);
      });
    } finally {
      await upstream.close();
    }
  });
});

interface RawResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** One request; the body as bytes (`send` decodes it as UTF-8, which a gzip body does not survive). */
function sendRaw(port: number, path: string, headers: [string, string][] = []): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: [["host", "example.com"], ...headers].flat(), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const raw = res.rawHeaders;
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("body-rewrite template, responses it must leave alone", { skip }, () => {
  const config = JSON.stringify({ from: "http://", to: "https://" });

  test("a gzip-encoded text body reaches the client byte for byte, with its content-length", async () => {
    const page = Buffer.from(`<a href="http://a.example">a</a>\n`.repeat(2000));
    const gzipped = gzipSync(page);
    const upstream = await startRawUpstream((req, res) => {
      if (req.url === "/chunked") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": "gzip" });
        res.write(gzipped.subarray(0, 1000));
        setTimeout(() => res.end(gzipped.subarray(1000)), 20);
      } else {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": "gzip", "content-length": String(gzipped.length) });
        res.end(gzipped);
      }
    });
    try {
      await withEnvoy(await bootstrapFor("body-rewrite", upstream.port, config), 1, async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const whole = await sendRaw(port, "/", [["accept-encoding", "gzip"]]);
        assert.equal(whole.status, 200);
        assert.ok(whole.body.equals(gzipped), `got ${whole.body.length} bytes, sent ${gzipped.length}`);
        assert.equal(header(whole.headers, "content-length"), String(gzipped.length));
        assert.equal(header(whole.headers, "content-encoding"), "gzip");
        const chunked = await sendRaw(port, "/chunked", [["accept-encoding", "gzip"]]);
        assert.ok(chunked.body.equals(gzipped), `chunked: got ${chunked.body.length} bytes, sent ${gzipped.length}`);
        // The same page unencoded is still rewritten.
        const plain = await startHttpUpstream(() => ({ headers: [["content-type", "text/html"]], body: page.toString() }));
        try {
          await withEnvoy(await bootstrapFor("body-rewrite", plain.port, config), 1, async (plainProxy) => {
            const rewritten = await send(plainProxy.listenerPort("listener_http"));
            assert.equal(rewritten.body, page.toString().replaceAll("http://", "https://"));
          });
        } finally {
          await plain.close();
        }
      });
    } finally {
      await upstream.close();
    }
  });

  test("a server-sent event reaches the client while the upstream still holds the stream open", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const upstream = await startRawUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write("data: first http://a\n\n");
      // The stream stays open until the client got the first event (or the test gives up and ends it).
      void released.then(() => res.end("data: last http://b\n\n"));
    });
    try {
      await withEnvoy(await bootstrapFor("body-rewrite", upstream.port, config), 1, async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const outcome = await new Promise<{ first: string; openWhenFirstArrived: boolean; all: string }>((resolve, reject) => {
          let upstreamEnded = false;
          const req = httpRequest({ host: "127.0.0.1", port, path: "/events", headers: { host: "example.com" }, agent: false }, (res) => {
            let first: string | undefined;
            let openWhenFirstArrived = false;
            let all = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              all += chunk;
              if (first === undefined) {
                first = chunk;
                openWhenFirstArrived = !upstreamEnded;
                upstreamEnded = true;
                release();
              }
            });
            res.on("end", () => resolve({ first: first ?? "", openWhenFirstArrived, all }));
            res.on("error", reject);
          });
          req.on("error", reject);
          req.end();
          // Without the fix the first event never comes: end the stream after a while so the test fails
          // with a message instead of hanging.
          setTimeout(() => {
            if (!upstreamEnded) {
              upstreamEnded = true;
              release();
            }
          }, 5000).unref();
        });
        assert.equal(outcome.first, "data: first http://a\n\n");
        assert.ok(outcome.openWhenFirstArrived, "the first event arrived only once the upstream ended the stream");
        assert.equal(outcome.all, "data: first http://a\n\ndata: last http://b\n\n");
      });
    } finally {
      release();
      await upstream.close();
    }
  });

  test("a text body over maxBodyBytes passes unchanged, with or without content-length, instead of a reset at Envoy's buffer limit", async () => {
    const huge = "http://".repeat(300_000); // 2.1 MB: twice Envoy's 1 MiB buffer limit
    const upstream: HttpUpstream = await startHttpUpstream((request) =>
      request.path === "/length"
        ? {
            headers: [
              ["content-type", "text/plain"],
              ["content-length", String(huge.length)],
            ],
            body: huge,
          }
        : { headers: [["content-type", "text/plain"]], chunks: [huge.slice(0, 100_000), huge.slice(100_000, 1_000_000), huge.slice(1_000_000)] },
    );
    try {
      await withEnvoy(await bootstrapFor("body-rewrite", upstream.port, config), 1, async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const announced = await send(port, { path: "/length" });
        assert.equal(announced.status, 200);
        assert.equal(header(announced.headers, "content-length"), String(huge.length));
        assert.ok(announced.body === huge, `content-length: ${announced.body.length} bytes`);
        const chunked = await send(port, { path: "/chunked" });
        assert.equal(chunked.status, 200);
        assert.ok(chunked.body === huge, `chunked: ${chunked.body.length} bytes`);
      });
    } finally {
      await upstream.close();
    }
  });
});
