/**
 * Every filter the project ships runs in a real Envoy: each `init` template without a suite of its own
 * (test/envoy-example-<name>.test.ts), as a user's project (`init`, the SDK linked as
 * node_modules/as-proxy-wasm, the module its `build` writes: test/helpers/template-module.ts), and the config-less add-header the size target measures, behind the
 * bootstrap `manifest envoy` writes for it, checked with `envoy --mode validate` first. Loopback servers
 * stand in for the upstream (and the http-callout template's authorization service) and record what they
 * received; the assertions are what each template's own emulator tests and README.md promise. A promise
 * Envoy does not keep is a `todo` test whose reason says why: it runs and reports without failing the suite.
 * Each test starts its own servers and Envoy and stops them; each module is built once, in `before`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse as parseYaml } from "yaml";
import { TEMPLATES } from "../cli/init/templates.js";
import { EnvoyStartError } from "../cli/envoy/process.js";
import { envoyForTests, startEnvoy, validateEnvoyConfig, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { cli, filterModule, templateProject } from "./helpers/filters.js";
import { bodyRewriteEnvoyFlags } from "./helpers/example-envoy.js";
import {
  closedPort,
  header,
  send,
  startHttpUpstream,
  startTcpUpstream,
  tcpConnect,
  type Answer,
  type ClientResponse,
  type HttpUpstream,
} from "./helpers/envoy-upstream.js";

const envoy = envoyForTests();
const skip = envoy.skip;
const work = await mkdtemp(join(tmpdir(), "envoy-templates-"));
after(() => rm(work, { recursive: true, force: true }));

/** Project directory of each built filter: the template names, and `sdk/add-header-lean`. */
const projects = new Map<string, string>();
const covered = ["add-header", "auth", "rate-limit", "http-callout", "body-rewrite", "tcp", "minimal"];

before(async () => {
  if (skip) return;
  for (const template of covered) {
    await filterModule(`template/${template}`);
    projects.set(template, await templateProject(template));
  }
  // A fixture of the repository: its module goes to a project-like folder here.
  const lean = join(work, "add-header-lean");
  await mkdir(join(lean, "build"), { recursive: true });
  await copyFile(await filterModule("sdk/add-header-lean"), join(lean, "build", "plugin.wasm"));
  projects.set("sdk/add-header-lean", lean);
});

type Bootstrap = Record<string, unknown> & {
  static_resources: { listeners: { filter_chains: { filters: Filter[] }[] }[]; clusters: Record<string, unknown>[] };
};
interface Filter {
  name: string;
  typed_config: Record<string, unknown> & { http_filters?: Filter[]; config?: { configuration?: { value: string } } };
}

/**
 * The bootstrap `manifest envoy` writes for a project's module: loopback listener and admin on port 0,
 * routed to `upstream`, configured with `config` (default: the project's config.example.json).
 */
async function bootstrapFor(name: string, upstream: number, options: { config?: string | null; extra?: string[] } = {}): Promise<Bootstrap> {
  const project = projects.get(name)!;
  const config = options.config === undefined ? "@config.example.json" : options.config;
  const args = ["manifest", "envoy", "--image", "build/plugin.wasm", ...(config === null ? [] : ["--config", config])];
  args.push("--port", "0", "--admin-port", "0", "--address", "127.0.0.1", "--upstream", `127.0.0.1:${upstream}`, ...(options.extra ?? []));
  const result = await cli([...args, "-o", "envoy.yaml"], project);
  assert.equal(result.code, 0, result.stderr);
  return parseYaml(await readFile(join(project, "envoy.yaml"), "utf8")) as Bootstrap;
}

/** The wasm filter in a bootstrap: the first HTTP filter, or the first network filter. */
function wasmFilter(bootstrap: Bootstrap): Filter {
  const first = bootstrap.static_resources.listeners[0]!.filter_chains[0]!.filters[0]!;
  return first.typed_config.http_filters ? first.typed_config.http_filters[0]! : first;
}

/** Checks the bootstrap with `envoy --mode validate`, then runs `body` against an Envoy started on it. */
const withEnvoy = (bootstrap: Bootstrap, body: (proxy: EnvoyProcess) => Promise<void>) => withValidatedEnvoy(envoy.binary!, bootstrap, body);

/** Runs `body` with an HTTP upstream, closed afterwards whatever happens. */
async function withUpstream(answer: HttpUpstream["answer"] | undefined, body: (upstream: HttpUpstream) => Promise<void>): Promise<void> {
  const upstream = await startHttpUpstream(answer);
  try {
    await body(upstream);
  } finally {
    await upstream.close();
  }
}

const names = (response: ClientResponse | { headers: [string, string][] }) => response.headers.map(([n]) => n);

test("every init template has Envoy tests, here or in its own test/envoy-example-<name>.test.ts", () => {
  const elsewhere = TEMPLATES.filter((name) => existsSync(join(import.meta.dirname, `envoy-example-${name}.test.ts`)));
  assert.deepEqual([...TEMPLATES].sort(), [...covered, ...elsewhere].sort());
});

describe("add-header template", { skip }, () => {
  const answer = (): Answer => ({
    headers: [
      ["x-powered-by", "php"],
      ["content-type", "text/plain"],
      ["x-powered-by", "express"],
    ],
    body: "hi",
  });

  test("adds x-hello to the response and removes every x-powered-by; the client's x-request-id comes back on the response", async () => {
    await withUpstream(answer, async (upstream) => {
      await withEnvoy(await bootstrapFor("add-header", upstream.port), async (proxy) => {
        const response = await send(proxy.listenerPort("listener_http"), { path: "/b", headers: [["x-request-id", "42"]] });
        assert.equal(response.status, 200);
        assert.equal(header(response.headers, "x-hello"), "world");
        assert.ok(!names(response).includes("x-powered-by"), `every x-powered-by goes: ${JSON.stringify(response.headers)}`);
        assert.equal(header(response.headers, "x-request-id"), "42");
        assert.equal(response.body, "hi");
        const [received] = upstream.requests;
        assert.equal(received!.path, "/b");
        assert.equal(header(received!.headers, "x-request-id"), "42");
        await sleep(100); // Envoy's log comes through a pipe: give a line time to arrive before saying there is none.
        assert.deepEqual(proxy.wasmLogs(), []);
      });
    });
  });

  test("without a client id, the one Envoy gave the request is echoed to the client", async () => {
    await withUpstream(answer, async (upstream) => {
      await withEnvoy(await bootstrapFor("add-header", upstream.port), async (proxy) => {
        const response = await send(proxy.listenerPort("listener_http"));
        const [received] = upstream.requests;
        const id = header(received!.headers, "x-request-id") ?? "";
        assert.match(id, /^[0-9a-f-]{36}$/, "Envoy made up an id");
        assert.equal(header(response.headers, "x-request-id"), id);
      });
    });
  });

  test("a configured header instead, and an empty `remove` keeps x-powered-by", async () => {
    await withUpstream(
      () => ({
        headers: [
          ["x-powered-by", "php"],
          ["content-type", "text/plain"],
        ],
        body: "hi",
      }),
      async (upstream) => {
        const config = JSON.stringify({ name: "x-team", value: "edge", remove: "" });
        await withEnvoy(await bootstrapFor("add-header", upstream.port, { config }), async (proxy) => {
          const response = await send(proxy.listenerPort("listener_http"));
          assert.equal(header(response.headers, "x-team"), "edge");
          assert.equal(header(response.headers, "x-powered-by"), "php");
          assert.ok(!names(response).includes("x-hello"));
        });
      },
    );
  });
});

describe("minimal template", { skip }, () => {
  test("logs each request at info level and forwards it unchanged", async () => {
    await withUpstream(
      () => ({ body: "hi" }),
      async (upstream) => {
        await withEnvoy(await bootstrapFor("minimal", upstream.port), async (proxy) => {
          const response = await send(proxy.listenerPort("listener_http"), { method: "GET", path: "/x", headers: [["x-client", "c1"]] });
          assert.equal(response.status, 200);
          assert.equal(response.body, "hi");
          assert.equal(upstream.requests.length, 1);
          assert.equal(header(upstream.requests[0]!.headers, "x-client"), "c1");
          const logged = () => proxy.wasmLogs().filter((l) => l.message.includes("minimal: request with "));
          await proxy.waitForLine(() => logged().length > 0, 2000);
          assert.equal(logged().length, 1, JSON.stringify(proxy.wasmLogs()));
          assert.equal(logged()[0]!.level, "info");
          assert.match(logged()[0]!.message, /minimal: request with \d+ headers$/);
        });
      },
    );
  });
});

describe("add-header without configuration (test/fixtures/sdk/add-header-lean: the SDK's size target, the bench's module)", { skip }, () => {
  test("adds x-hello: world to the response, forwards the request unchanged, logs nothing", async () => {
    await withUpstream(
      () => ({ body: "hi" }),
      async (upstream) => {
        await withEnvoy(await bootstrapFor("sdk/add-header-lean", upstream.port, { config: null }), async (proxy) => {
          const response = await send(proxy.listenerPort("listener_http"), { method: "POST", path: "/x?y=1", headers: [["x-client", "c1"]], body: "payload" });
          assert.equal(response.status, 200);
          assert.equal(header(response.headers, "x-hello"), "world");
          assert.equal(response.body, "hi");
          const [received] = upstream.requests;
          assert.equal(upstream.requests.length, 1);
          assert.equal(received!.method, "POST");
          assert.equal(received!.path, "/x?y=1");
          assert.equal(received!.body, "payload");
          assert.equal(header(received!.headers, "x-client"), "c1");
          assert.ok(!names(received!).includes("x-hello"), "the request is not touched");
          await sleep(100); // Envoy's log comes through a pipe: give a line time to arrive before saying there is none.
          assert.deepEqual(proxy.wasmLogs(), []);
        });
      },
    );
  });
});

describe("auth template", { skip }, () => {
  let token = "";
  before(async () => {
    if (skip) return;
    token = JSON.parse(await readFile(join(projects.get("auth")!, "config.example.json"), "utf8")).token;
    assert.ok(token.length >= 16, "init writes a random token");
  });

  test("no token → 401 asking for a bearer token; a wrong one → 403, logged; the right one → forwarded without the credential", async () => {
    await withUpstream(
      () => ({ body: "account data" }),
      async (upstream) => {
        await withEnvoy(await bootstrapFor("auth", upstream.port), async (proxy) => {
          const port = proxy.listenerPort("listener_http");
          const missing = await send(port, { path: "/account" });
          assert.equal(missing.status, 401);
          assert.equal(header(missing.headers, "www-authenticate"), "Bearer");
          assert.equal(missing.body, "missing credentials\n");

          for (const wrong of ["Bearer nope", `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, "", `bearer ${token}`]) {
            const response = await send(port, { path: "/account", headers: [["authorization", wrong]] });
            assert.equal(response.status, 403, JSON.stringify(wrong));
            assert.equal(response.body, "forbidden\n");
          }
          assert.equal(upstream.requests.length, 0, "no rejected request reached the upstream");
          const rejected = (l: { level: string; message: string }) => l.level === "warn" && l.message === "auth: rejected a request with invalid credentials";
          // Envoy's log reaches this process through a pipe, possibly after the response.
          await proxy.waitForLine(() => proxy.wasmLogs().filter(rejected).length >= 6, 2000);
          assert.equal(proxy.wasmLogs().filter(rejected).length, 6, JSON.stringify(proxy.wasmLogs()));
          assert.ok(!proxy.wasmLogs().some((l) => l.message.includes(token)), "the token is never logged");

          const ok = await send(port, {
            path: "/account",
            headers: [
              ["authorization", `Bearer ${token}`],
              ["x-other", "kept"],
            ],
          });
          assert.equal(ok.status, 200);
          assert.equal(ok.body, "account data");
          assert.equal(upstream.requests.length, 1);
          const [received] = upstream.requests;
          assert.equal(received!.path, "/account");
          assert.ok(!names(received!).includes("authorization"), JSON.stringify(received!.headers));
          assert.equal(header(received!.headers, "x-other"), "kept");

          // Header names are case-insensitive.
          const upper = await send(port, { headers: [["Authorization", `Bearer ${token}`]] });
          assert.equal(upper.status, 200);
          assert.equal(upstream.requests.length, 2);
          assert.ok(!names(upstream.requests[1]!).includes("authorization"), JSON.stringify(upstream.requests[1]!.headers));
          // A repeated credential header reaches the filter as one value joined with "," (Envoy's codec does
          // that to authorization), which is no token: refused whichever value comes first. (The emulator
          // keeps two headers and the filter reads the first: the right token first passes there.)
          for (const values of [
            [`Bearer ${token}`, "Bearer for-the-upstream"],
            ["Bearer nope", `Bearer ${token}`],
          ]) {
            const twice = await send(port, { headers: values.map((v): [string, string] => ["authorization", v]) });
            assert.equal(twice.status, 403, JSON.stringify(values));
          }
          assert.equal(upstream.requests.length, 2);
        });
      },
    );
  });

  test("a custom header carries the token; `authorization` is then not enough", async () => {
    await withUpstream(undefined, async (upstream) => {
      const config = JSON.stringify({ header: "X-Api-Key", token: "k-123" });
      await withEnvoy(await bootstrapFor("auth", upstream.port, { config }), async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const ok = await send(port, {
          headers: [
            ["x-api-key", "Bearer k-123"],
            ["authorization", "Bearer other"],
            ["authorization", "Bearer second"],
          ],
        });
        assert.equal(ok.status, 200);
        assert.equal(upstream.requests.length, 1);
        assert.ok(!names(upstream.requests[0]!).includes("x-api-key"));
        // Envoy's HTTP/1 codec joins a repeated authorization header into one value.
        assert.deepEqual(
          upstream.requests[0]!.headers.filter(([n]) => n === "authorization"),
          [["authorization", "Bearer other,Bearer second"]],
        );
        const missing = await send(port, { headers: [["authorization", "Bearer k-123"]] });
        assert.equal(missing.status, 401);
        assert.equal(upstream.requests.length, 1);
      });
    });
  });

  test("a configuration without a usable token: manifest refuses it, envoy --mode validate fails, Envoy does not start", async () => {
    // What `manifest` refuses by the project's schema could still reach Envoy another way (an edited
    // bootstrap, an EnvoyFilter from elsewhere): the filter itself must refuse it.
    const refused = await cli(["manifest", "envoy", "--image", "build/plugin.wasm", "--config", "{}", "--upstream", "127.0.0.1:1"], projects.get("auth")!);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /token/);

    const upstream = await closedPort();
    const critical = /auth: configuration refused: it needs a non-empty "token" string/;
    for (const configuration of ["{}", '{"token": ""}', '{"tokn": "abc"}', '{"token": 42}', "not json"]) {
      const bootstrap = await bootstrapFor("auth", upstream);
      wasmFilter(bootstrap).typed_config.config!.configuration!.value = configuration;
      const validation = await validateEnvoyConfig(envoy.binary!, bootstrap);
      assert.equal(validation.ok, false, `validate accepted ${configuration}`);
      assert.ok(
        validation.problems.some((p) => critical.test(p)),
        `${configuration}: ${validation.problems.join("\n")}`,
      );
      if (configuration === "{}") {
        const started = await startEnvoy({ binary: envoy.binary!, bootstrap, readyTimeoutMs: 10_000 }).then(
          async (proxy) => {
            await proxy.stop();
            return undefined;
          },
          (error: unknown) => error,
        );
        assert.ok(started instanceof EnvoyStartError, `Envoy started with ${configuration}: ${String(started)}`);
        assert.ok(
          started.problems.some((p) => critical.test(p)),
          started.problems.join("\n"),
        );
      }
    }
  });
});

describe("rate-limit template", { skip }, () => {
  test("requestsPerSecond requests pass, the next get 429 with retry-after: 1, and the bucket refills every second", async () => {
    await withUpstream(undefined, async (upstream) => {
      // config.example.json: { "requestsPerSecond": 2 }
      await withEnvoy(await bootstrapFor("rate-limit", upstream.port), async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const status = async () => (await send(port)).status;
        // The bucket starts full: two pass. Then drain it (a refill may come between two requests), and
        // wait for the refill: the next ticks are then a second away, far from the burst below. (Envoy
        // configures the plugin on the main thread and on the worker, each with its own timer, both set at
        // start-up: they refill the one shared bucket at nearly the same moment.)
        const drained = [await status(), await status()];
        assert.deepEqual(drained, [200, 200]);
        while (drained.length < 10 && drained.at(-1) !== 429) drained.push(await status());
        assert.equal(drained.at(-1), 429, `requests: ${drained.join(", ")}`);
        const limited = await send(port);
        assert.equal(limited.status, 429);
        assert.equal(header(limited.headers, "retry-after"), "1");
        assert.equal(limited.body, "too many requests\n");

        const started = Date.now();
        let refilled = 429;
        while (refilled === 429 && Date.now() - started < 2500) {
          await sleep(25);
          refilled = await status();
        }
        assert.equal(refilled, 200, "the bucket was refilled within the tick period");
        const waited = Date.now() - started;
        assert.ok(waited < 1500, `refilled after ${waited} ms`);
        // One of the two tokens went to `refilled`. The other thread's timer may refill again a moment later
        // (the template's per-thread tick, issue "Examples gallery"), so the burst gets at most two more.
        const burst: number[] = [];
        for (let i = 0; i < 4; i++) burst.push(await status());
        assert.ok(burst[0] === 200 && burst.at(-1) === 429 && burst.filter((s) => s === 200).length <= 2, `burst: ${burst.join(", ")}`);
        const passed = drained.filter((s) => s === 200).length + 2;
        assert.equal(upstream.requests.length, passed, "429s never reached the upstream");
      });
    });
  });
});

describe("http-callout template", { skip }, () => {
  // config.example.json: { "cluster": "auth-service", "authority": "auth.internal", "path": "/check", "timeoutMs": 1000,
  // "failOpen": false, "headers": ["authorization", "cookie"], "upstreamHeaders": ["x-user-id"] }
  async function withCallout(
    decide: HttpUpstream["answer"] | "down",
    body: (proxy: EnvoyProcess, upstream: HttpUpstream, service: HttpUpstream | undefined) => Promise<void>,
    config?: string,
  ): Promise<void> {
    const service = decide === "down" ? undefined : await startHttpUpstream(decide);
    try {
      await withUpstream(
        () => ({ body: "orders" }),
        async (upstream) => {
          // The authorization service's cluster, named as config.example.json names it; "down": a port
          // nothing listens on.
          const port = service?.port ?? (await closedPort());
          const bootstrap = await bootstrapFor("http-callout", upstream.port, { config, extra: ["--cluster", `auth-service=127.0.0.1:${port}`] });
          await withEnvoy(bootstrap, (proxy) => body(proxy, upstream, service));
        },
      );
    } finally {
      await service?.close();
    }
  }

  const request = { path: "/orders", headers: [["authorization", "Bearer abc"]] as [string, string][] };

  test("asks the service with the client's credentials and the original method, path and host; 2xx → the request goes on marked x-auth-checked, with the service's x-user-id", async () => {
    await withCallout(
      () => ({ status: 200, headers: [["x-user-id", "alice"]], body: "" }),
      async (proxy, upstream, service) => {
        const spoofed = { ...request, method: "POST", headers: [...request.headers, ["x-user-id", "admin"]] as [string, string][] };
        const response = await send(proxy.listenerPort("listener_http"), spoofed);
        assert.equal(response.status, 200);
        assert.equal(response.body, "orders");
        assert.equal(service!.requests.length, 1);
        const [call] = service!.requests;
        assert.equal(call!.method, "GET");
        assert.equal(call!.path, "/check");
        assert.equal(header(call!.headers, "host"), "auth.internal");
        assert.equal(header(call!.headers, "authorization"), "Bearer abc");
        assert.equal(header(call!.headers, "x-forwarded-method"), "POST");
        assert.equal(header(call!.headers, "x-forwarded-uri"), "/orders");
        assert.equal(header(call!.headers, "x-forwarded-host"), "example.com");
        assert.equal(upstream.requests.length, 1);
        assert.equal(upstream.requests[0]!.path, "/orders");
        assert.equal(header(upstream.requests[0]!.headers, "x-auth-checked"), "true");
        assert.deepEqual(
          upstream.requests[0]!.headers.filter(([n]) => n === "x-user-id"),
          [["x-user-id", "alice"]],
        );
        assert.equal(header(upstream.requests[0]!.headers, "authorization"), "Bearer abc");

        // Without credentials the check carries none.
        await send(proxy.listenerPort("listener_http"), { path: "/public" });
        assert.ok(!names(service!.requests[1]!).includes("authorization"));
      },
    );
  });

  test("another answer from the service → its status and body reach the client; nothing reaches the upstream", async () => {
    await withCallout(
      () => ({ status: 401, body: "no" }),
      async (proxy, upstream, service) => {
        const response = await send(proxy.listenerPort("listener_http"), request);
        assert.equal(response.status, 401);
        assert.equal(response.body, "no");
        assert.equal(service!.requests.length, 1);
        assert.equal(upstream.requests.length, 0);
      },
    );
  });

  /** The request with the service down (connection refused) and with a service slower than timeoutMs, run once for the two tests below. */
  let failed: ReturnType<typeof runFailedChecks> | undefined;
  const failedChecks = () => (failed ??= runFailedChecks());
  async function runFailedChecks(): Promise<{ down: ClientResponse; slow: ClientResponse; slowMs: number; reachedUpstream: number; slowCalls: number }> {
    let down: ClientResponse | undefined;
    let reachedUpstream = 0;
    await withCallout("down", async (proxy, upstream) => {
      down = await send(proxy.listenerPort("listener_http"), request);
      reachedUpstream += upstream.requests.length;
    });
    let slow: ClientResponse | undefined;
    let slowMs = 0;
    let slowCalls = 0;
    const config = JSON.stringify({ cluster: "auth-service", authority: "auth.internal", path: "/check", timeoutMs: 200 });
    await withCallout(
      () => ({ hang: true }),
      async (proxy, upstream, service) => {
        const started = Date.now();
        slow = await send(proxy.listenerPort("listener_http"), request);
        slowMs = Date.now() - started;
        slowCalls = service!.requests.length;
        reachedUpstream += upstream.requests.length;
      },
      config,
    );
    return { down: down!, slow: slow!, slowMs, reachedUpstream, slowCalls };
  }

  test("the service down, or slower than timeoutMs: the request fails closed, nothing reaches the upstream", async () => {
    const { down, slow, slowMs, reachedUpstream, slowCalls } = await failedChecks();
    assert.ok([403, 503].includes(down.status), `service down: ${down.status} ${down.body}`);
    assert.ok([403, 503].includes(slow.status), `service slow: ${slow.status} ${slow.body}`);
    assert.equal(slowCalls, 1);
    assert.ok(slowMs >= 180 && slowMs < 2000, `answered after ${slowMs} ms (timeoutMs 200)`);
    assert.equal(reachedUpstream, 0);
  });

  test("the service down, or slower than timeoutMs: local 503 'authorization service unavailable', as its README promises", async () => {
    const { down, slow } = await failedChecks();
    assert.deepEqual([down.status, down.body], [503, "authorization service unavailable\n"], "service down");
    assert.deepEqual([slow.status, slow.body], [503, "authorization service unavailable\n"], "service slower than timeoutMs");
  });

  test("failOpen with the service down: the request reaches the upstream, without the client's x-user-id", async () => {
    const config = JSON.stringify({ cluster: "auth-service", failOpen: true, upstreamHeaders: ["x-user-id"] });
    await withCallout(
      "down",
      async (proxy, upstream) => {
        const spoofed = { ...request, headers: [...request.headers, ["x-user-id", "admin"]] as [string, string][] };
        const response = await send(proxy.listenerPort("listener_http"), spoofed);
        assert.deepEqual([response.status, response.body], [200, "orders"]);
        assert.equal(upstream.requests.length, 1);
        assert.equal(header(upstream.requests[0]!.headers, "x-user-id"), undefined);
        assert.equal(header(upstream.requests[0]!.headers, "x-auth-checked"), undefined);
      },
      config,
    );
  });

  test("a cluster Envoy does not know → local 503", async () => {
    const config = JSON.stringify({ cluster: "no-such-cluster" });
    await withCallout(
      () => ({ status: 200 }),
      async (proxy, upstream, service) => {
        const response = await send(proxy.listenerPort("listener_http"), request);
        assert.equal(response.status, 503);
        assert.equal(response.body, "authorization service unavailable\n");
        assert.equal(service!.requests.length, 0);
        assert.equal(upstream.requests.length, 0);
      },
      config,
    );
  });
});

describe("body-rewrite template", { skip }, () => {
  test("rewrites every match of a text response, also across chunks, without content-length", async () => {
    const big = `${"x".repeat(70_000)}http://c.example ${"y".repeat(70_000)}`;
    await withUpstream(
      (request) =>
        request.path === "/huge"
          ? { headers: [["content-type", "text/plain"]], body: "http://".repeat(300_000) }
          : request.path === "/big"
            ? {
                headers: [
                  ["content-type", "text/plain"],
                  ["content-length", String(big.length)],
                ],
                body: big,
              }
            : { headers: [["content-type", "text/html"]], chunks: ['<a href="ht', 'tp://a.example">a</a> <a href="http://b.example">b</a>'] },
      async (upstream) => {
        await withEnvoy(await bootstrapFor("body-rewrite", upstream.port, { extra: bodyRewriteEnvoyFlags }), async (proxy) => {
          const port = proxy.listenerPort("listener_http");
          const html = await send(port);
          assert.equal(html.status, 200);
          assert.equal(html.body, '<a href="https://a.example">a</a> <a href="https://b.example">b</a>');
          assert.ok(!names(html).includes("content-length"), JSON.stringify(html.headers));

          const large = await send(port, { path: "/big" });
          assert.equal(large.status, 200);
          assert.equal(large.body, big.replace("http://", "https://"));
          assert.ok(!names(large).includes("content-length"), JSON.stringify(large.headers));
          assert.equal(header(large.headers, "transfer-encoding"), "chunked");

          // A response without a body is not buffered and keeps its content-length.
          const head = await send(port, { method: "HEAD", path: "/big" });
          assert.equal(head.status, 200);
          assert.equal(header(head.headers, "content-length"), String(big.length));

          // Past the template's cap (maxBodyBytes, 256 KiB by default) the body is released unchanged instead of
          // held to its end, however large the read that brings it past the cap.
          const huge = await send(port, { path: "/huge" });
          assert.equal(huge.status, 200);
          assert.equal(huge.body, "http://".repeat(300_000));
        });
      },
    );
  });

  test("leaves other content types and request bodies alone", async () => {
    await withUpstream(
      () => ({
        headers: [
          ["content-type", "image/png"],
          ["content-length", "13"],
        ],
        body: "http://binary",
      }),
      async (upstream) => {
        await withEnvoy(await bootstrapFor("body-rewrite", upstream.port), async (proxy) => {
          const response = await send(proxy.listenerPort("listener_http"), {
            method: "POST",
            headers: [["content-type", "text/plain"]],
            body: "see http://up",
          });
          assert.equal(response.body, "http://binary");
          assert.equal(header(response.headers, "content-length"), "13");
          assert.equal(upstream.requests[0]!.body, "see http://up");
        });
      },
    );
  });

  test("uses the configured strings", async () => {
    await withUpstream(
      () => ({ headers: [["content-type", "application/json"]], body: '{"pet":"cat","cats":2}' }),
      async (upstream) => {
        await withEnvoy(await bootstrapFor("body-rewrite", upstream.port, { config: JSON.stringify({ from: "cat", to: "dog" }) }), async (proxy) => {
          const response = await send(proxy.listenerPort("listener_http"));
          assert.equal(response.body, '{"pet":"dog","dogs":2}');
        });
      },
    );
  });
});

describe("tcp template", { skip }, () => {
  async function withTcp(body: (proxy: EnvoyProcess, upstream: Awaited<ReturnType<typeof startTcpUpstream>>) => Promise<void>): Promise<void> {
    const upstream = await startTcpUpstream((data) => (data.endsWith("ping") ? "pong" : undefined));
    try {
      const bootstrap = await bootstrapFor("tcp", upstream.port, { extra: ["--type", "NETWORK"] });
      await withEnvoy(bootstrap, (proxy) => body(proxy, upstream));
    } finally {
      await upstream.close();
    }
  }

  test("passes data both ways, counts the bytes, logs the totals when the client disconnects", async () => {
    await withTcp(async (proxy, upstream) => {
      const client = await tcpConnect(proxy.listenerPort("listener_tcp"));
      client.socket.write("ping ");
      await sleep(30);
      client.socket.write("ping");
      assert.ok(await client.waitFor("pong"), `client got ${JSON.stringify(client.received())}`);
      client.socket.end();
      const closed = await client.closed;
      assert.equal(closed.error, undefined);
      assert.equal(client.received(), "pong");
      assert.equal(upstream.connections.length, 1);
      assert.equal(upstream.connections[0]!.received, "ping ping");
      const totals = "tcp: connection closed, 9 bytes in, 4 bytes out";
      const logged = await proxy.waitForLine((l) => l.message.endsWith(totals), 3000);
      assert.ok(logged, `logs: ${JSON.stringify(proxy.wasmLogs())}`);
      const stats = await proxy.stats("tcp_filter");
      assert.equal(stats.get("wasmcustom.tcp_filter.bytes_received"), "9", JSON.stringify([...stats]));
      assert.equal(stats.get("wasmcustom.tcp_filter.bytes_sent"), "4");
    });
  });

  test("closes a connection opening with the blocked prefix before anything reaches the upstream", async () => {
    await withTcp(async (proxy, upstream) => {
      const client = await tcpConnect(proxy.listenerPort("listener_tcp"));
      client.socket.write("DROP TABLE users");
      const closed = await Promise.race([client.closed, sleep(3000).then(() => "still open" as const)]);
      assert.notEqual(closed, "still open", "Envoy closed the connection");
      assert.equal(client.received(), "");
      await sleep(50);
      assert.equal(upstream.connections.map((c) => c.received).join(""), "");
      const closing = { level: "warn", message: "tcp: closing a connection that opened with the blocked prefix" };
      const totals = { level: "info", message: "tcp: connection closed, 0 bytes in, 0 bytes out" };
      await proxy.waitForLine(() => proxy.wasmLogs().length >= 2, 2000);
      assert.deepEqual(proxy.wasmLogs(), [closing, totals]);
    });
  });

  test("closes a connection whose first bytes start with the blocked prefix, also when they arrive in two segments", async () => {
    await withTcp(async (proxy, upstream) => {
      const client = await tcpConnect(proxy.listenerPort("listener_tcp"));
      client.socket.write("DR");
      await sleep(50);
      client.socket.write("OP TABLE users");
      const closed = await Promise.race([client.closed, sleep(1000).then(() => "still open" as const)]);
      client.socket.destroy();
      assert.equal(upstream.connections.map((c) => c.received).join(""), "", "nothing reaches the upstream");
      assert.notEqual(closed, "still open", "Envoy closed the connection");
    });
  });
});
