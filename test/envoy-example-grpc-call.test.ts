/**
 * examples/grpc-call in a real Envoy, calling a real gRPC server (@grpc/grpc-js, serving authz.v1.Check
 * from the example's own .proto) over an HTTP/2 cluster on loopback: the protobuf messages as-proto
 * writes and reads are the ones a stock gRPC implementation reads and writes; allow, deny, gRPC error,
 * timeout, fail open. (test/examples-envoy-yaml.test.ts checks its envoy.yaml is current.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests, validateEnvoyConfig, withValidatedEnvoy } from "./helpers/envoy.js";
import { header, send, startHttpUpstream, type HttpUpstream } from "./helpers/envoy-upstream.js";
import { atProject, checkedInBootstrap, exampleBootstrap, exampleProject } from "./helpers/example-envoy.js";

const envoy = envoyForTests();
const skip = envoy.skip;
const example = join(packageRoot, "examples", "grpc-call");

interface CheckRequest {
  method: string;
  path: string;
  host: string;
  headers: { name: string; value: string }[];
}
interface CheckResponse {
  allowed?: boolean;
  status?: number;
  reason?: string;
  headers?: { name: string; value: string }[];
}
type Check = (request: CheckRequest) => CheckResponse | grpc.ServiceError | Promise<CheckResponse | grpc.ServiceError>;

/** A gRPC server on 127.0.0.1 answering authz.v1.Check/Check with `check`, recording each request. */
async function startAuthz(check: Check): Promise<{ port: number; requests: CheckRequest[]; close(): void }> {
  const definition = protoLoader.loadSync(join(example, "proto", "authz.proto"), { keepCase: true, defaults: true });
  const service = (grpc.loadPackageDefinition(definition) as unknown as { authz: { v1: { Check: grpc.ServiceClientConstructor } } }).authz.v1.Check.service;
  const requests: CheckRequest[] = [];
  const server = new grpc.Server();
  server.addService(service, {
    Check: async (call: grpc.ServerUnaryCall<CheckRequest, CheckResponse>, callback: grpc.sendUnaryData<CheckResponse>) => {
      requests.push(call.request);
      const answer = await check(call.request);
      if ("code" in answer) callback(answer);
      else callback(null, answer);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, requests, close: () => server.forceShutdown() };
}

describe("examples/grpc-call in Envoy", { skip }, () => {
  let project = "";
  let upstream: HttpUpstream;
  before(async () => {
    project = await exampleProject("grpc-call");
    upstream = await startHttpUpstream();
  });
  after(() => upstream?.close());

  test("its envoy.yaml passes envoy --mode validate (the module path pointed at the build)", async () => {
    const validation = await validateEnvoyConfig(envoy.binary!, await checkedInBootstrap("grpc-call", atProject(project)));
    assert.ok(validation.ok, validation.problems.join("\n"));
  });

  // --grpc-cluster: the authz cluster speaks HTTP/2, as the example's envoy.yaml has it.
  const bootstrap = (authzPort: number, config: Record<string, unknown>) =>
    exampleBootstrap(project, upstream.port, JSON.stringify(config), ["--grpc-cluster", `authz=127.0.0.1:${authzPort}`]);

  test("allow (headers set, spoofed ones replaced), deny with the service's status, gRPC error and timeout fail closed", async () => {
    const authz = await startAuthz(async (request) => {
      if (request.path === "/deny") return { allowed: false, status: 401, reason: "token expired" };
      if (request.path === "/error")
        return Object.assign(new Error("authz store down"), { code: grpc.status.UNAVAILABLE, details: "authz store down", metadata: new grpc.Metadata() });
      if (request.path === "/slow") await new Promise((resolve) => setTimeout(resolve, 1500));
      return {
        allowed: true,
        headers: [
          { name: "x-user", value: "alice" },
          { name: ":path", value: "/admin" },
        ],
      };
    });
    try {
      const config = JSON.parse(await readFile(join(example, "config.example.json"), "utf8"));
      await withValidatedEnvoy(envoy.binary!, await bootstrap(authz.port, config), async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const allowed = await send(port, {
          path: "/orders?id=7",
          headers: [
            ["authorization", "Bearer a"],
            ["authorization", "Bearer b"],
            ["x-user", "mallory"],
            ["cookie", "c"],
          ],
        });
        assert.equal(allowed.status, 200, allowed.body);
        const [check] = authz.requests;
        assert.deepEqual([check!.method, check!.path, check!.host], ["GET", "/orders?id=7", "example.com"]);
        // Envoy keeps authorization as one header (an inline header: a repeated one is joined with ",").
        assert.deepEqual(
          check!.headers.filter((h) => h.name === "authorization"),
          [{ name: "authorization", value: "Bearer a,Bearer b" }],
        );
        assert.ok(
          check!.headers.some((h) => h.name === "x-request-id"),
          "Envoy's x-request-id is forwarded (configured)",
        );
        assert.ok(!check!.headers.some((h) => h.name === "cookie"), "unlisted headers stay home");
        const received = upstream.requests.at(-1)!;
        assert.equal(received.path, "/orders?id=7", "the service cannot rewrite :path");
        assert.deepEqual(
          received.headers.filter(([n]) => n === "x-user"),
          [["x-user", "alice"]],
        );

        const before = upstream.requests.length;
        const denied = await send(port, { path: "/deny" });
        assert.deepEqual([denied.status, denied.body], [401, "token expired\n"]);
        const failed = await send(port, { path: "/error" });
        assert.deepEqual([failed.status, failed.body], [503, "authorization unavailable\n"]);
        const started = Date.now();
        const slow = await send(port, { path: "/slow" });
        assert.deepEqual([slow.status, slow.body], [503, "authorization unavailable\n"]);
        assert.ok(Date.now() - started < 1400, `timed out after timeoutMs (500), not the service's 1.5 s: ${Date.now() - started} ms`);
        assert.equal(upstream.requests.length, before, "nothing denied reached the upstream");

        const logs = proxy.wasmLogs().map((l) => `${l.level} ${l.message}`);
        assert.ok(logs.includes("info grpc-call: denied 401: token expired"), logs.join("\n"));
        // Envoy's status message: the grpc-message as sent (percent-encoded) and the stream's details.
        assert.ok(logs.includes("warn grpc-call: check failed, denying: gRPC status 14 authz%20store%20down{via_upstream}"), logs.join("\n"));
        // A call past its timeout: Envoy closes it with UNAVAILABLE (14) at timeoutMs, unless the server, which
        // got the same deadline in grpc-timeout, answers DEADLINE_EXCEEDED first (grpc-js does; a race).
        const timedOut = ["14 upstream request timeout{response_timeout}", "4 Deadline%20exceeded{via_upstream}"];
        assert.ok(
          timedOut.some((t) => logs.includes(`warn grpc-call: check failed, denying: gRPC status ${t}`)),
          logs.join("\n"),
        );
        assert.ok(logs.includes("warn grpc-call: ignored 1 header(s) from the service: not settable"), logs.join("\n"));
      });
    } finally {
      authz.close();
    }
  });

  test("failOpen: with the service down, requests go through", async () => {
    const authz = await startAuthz(() => ({ allowed: true }));
    authz.close(); // nothing listens there any more
    await withValidatedEnvoy(envoy.binary!, await bootstrap(authz.port, { cluster: "authz", failOpen: true }), async (proxy) => {
      const port = proxy.listenerPort("listener_http");
      const response = await send(port, { path: "/open" });
      assert.equal(response.status, 200, response.body);
      assert.equal(header(upstream.requests.at(-1)!.headers, "x-user"), undefined);
      assert.ok(
        proxy.wasmLogs().some((l) => l.message.startsWith("grpc-call: check failed, allowing: gRPC status 14")),
        JSON.stringify(proxy.wasmLogs()),
      );
    });
  });
});
