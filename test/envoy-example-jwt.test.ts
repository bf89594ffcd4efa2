/**
 * examples/jwt in a real Envoy, behind the bootstrap `manifest envoy` writes for it, with tokens Node's
 * crypto signs: 401 for missing, forged, expired and `alg: none` tokens, 403 for a valid token without the
 * claims a path needs (however the path is spelt), and what the upstream gets of an accepted request.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests, validateEnvoyConfig, withValidatedEnvoy } from "./helpers/envoy.js";
import { closedPort, header, send, startHttpUpstream } from "./helpers/envoy-upstream.js";
import { atProject, checkedInBootstrap, exampleBootstrap, exampleProject, readmeBootstrap } from "./helpers/example-envoy.js";

const envoy = envoyForTests();
const skip = envoy.skip;
const secret = randomBytes(24).toString("base64url");
let project = "";
// init fills {{randomToken}} in a scaffolded project (config.example.json and envoy.yaml); here a fresh
// secret takes its place.
const withSecret = (text: string) => text.replace("{{randomToken}}", secret);
const config = JSON.parse(withSecret(await readFile(join(packageRoot, "examples", "jwt", "config.example.json"), "utf8"))) as Record<string, unknown>;

before(async () => {
  if (skip) return;
  project = await exampleProject("jwt");
});

test("examples/jwt/envoy.yaml is what manifest envoy writes, as the README runs it (with init's secret)", async () => {
  assert.deepEqual(await checkedInBootstrap("jwt", withSecret), await readmeBootstrap("jwt", JSON.stringify(config)));
});

/** The part of a `manifest envoy` bootstrap holding the wasm filter's configuration. */
interface WithHttpFilters {
  static_resources: {
    listeners: { filter_chains: { filters: { typed_config: { http_filters: { typed_config: { config: { configuration: { value: string } } } }[] } }[] }[] }[];
  };
}

const b64url = (text: string) => Buffer.from(text).toString("base64url");

function sign(claims: Record<string, unknown>, head: Record<string, unknown> = { alg: "HS256", typ: "JWT" }, key = secret): string {
  const signingInput = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac("sha256", key).update(signingInput).digest("base64url")}`;
}

const good = (extra: Record<string, unknown> = {}) => ({
  iss: "https://auth.example.com",
  aud: "api.example.com",
  sub: "user-7",
  scope: "read",
  exp: Math.floor(Date.now() / 1000) + 600,
  ...extra,
});
const bearer = (token: string): [string, string] => ["authorization", `Bearer ${token}`];

describe("examples/jwt in Envoy", { skip }, () => {
  test("its envoy.yaml passes envoy --mode validate (the module path pointed at the build)", async () => {
    const validation = await validateEnvoyConfig(envoy.binary!, await checkedInBootstrap("jwt", (text) => atProject(project)(withSecret(text))));
    assert.ok(validation.ok, validation.problems.join("\n"));
  });

  test("401 without a valid token, 403 without the path's claims, and an accepted request forwarded with its claims", async () => {
    const upstream = await startHttpUpstream(() => ({ body: "data" }));
    try {
      await withValidatedEnvoy(envoy.binary!, await exampleBootstrap(project, upstream.port, JSON.stringify(config)), async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const missing = await send(port, { path: "/items" });
        assert.equal(missing.status, 401);
        assert.equal(header(missing.headers, "www-authenticate"), "Bearer");

        const now = Math.floor(Date.now() / 1000);
        const invalid: [string, string][] = [
          [sign(good(), { alg: "HS256" }, "another secret, 32 bytes or more...."), "the token signature is invalid"],
          [sign(good({ exp: now - 120 })), "the token has expired"],
          [sign(good({ nbf: now + 120 })), "the token is not valid yet"],
          [`${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(good({ scope: "admin" })))}.`, "the token algorithm is not HS256"],
          [sign(good(), { alg: "HS384" }), "the token algorithm is not HS256"],
          [sign(good({ aud: "other" })), "the token audience is not accepted"],
          [sign(good({ iss: "https://evil.example.com" })), "the token issuer is not accepted"],
        ];
        for (const [token, reason] of invalid) {
          const response = await send(port, { path: "/items", headers: [bearer(token)] });
          assert.equal(response.status, 401, reason);
          assert.equal(header(response.headers, "www-authenticate"), `Bearer error="invalid_token", error_description="${reason}"`);
        }

        const reader = sign(good());
        // Envoy's HTTP/1 codec joins a repeated authorization header into one value: no token, whatever comes first.
        const twice = await send(port, { path: "/items", headers: [bearer(reader), bearer("x")] });
        assert.equal(twice.status, 401);
        assert.equal(header(twice.headers, "www-authenticate"), 'Bearer error="invalid_token", error_description="the token is not base64url"');

        for (const path of ["/admin", "//admin/users", "/%61dmin", "/public/../admin", "/public/%2e%2e/admin"]) {
          const response = await send(port, { path, headers: [bearer(reader)] });
          assert.equal(response.status, 403, path);
          assert.equal(header(response.headers, "www-authenticate"), 'Bearer error="insufficient_scope"');
        }
        assert.equal(upstream.requests.length, 0, "nothing refused reached the upstream");

        const ok = await send(port, { path: "/items", headers: [bearer(reader), ["x-jwt-sub", "admin"], ["x-jwt-scope", "admin"], ["x-other", "kept"]] });
        assert.equal(ok.status, 200);
        assert.equal(ok.body, "data");
        const admin = await send(port, { path: "/admin/users", headers: [bearer(sign(good({ sub: "root-1", scope: "read admin" })))] });
        assert.equal(admin.status, 200);
        assert.equal(upstream.requests.length, 2);
        const [first, second] = upstream.requests;
        assert.deepEqual(
          first!.headers.filter(([n]) => n.startsWith("x-jwt-")),
          [
            ["x-jwt-sub", "user-7"],
            ["x-jwt-scope", "read"],
          ],
        );
        assert.equal(header(first!.headers, "authorization"), undefined);
        assert.equal(header(first!.headers, "x-other"), "kept");
        assert.equal(header(second!.headers, "x-jwt-sub"), "root-1");
        assert.equal(header(second!.headers, "x-jwt-scope"), "read admin");

        await sleep(100); // Envoy's log comes through a pipe.
        const logs = proxy.wasmLogs();
        assert.ok(
          logs.some((l) => l.message === "jwt: unauthorized: the token has expired"),
          JSON.stringify(logs),
        );
        assert.ok(logs.some((l) => l.message === 'jwt: forbidden: the token lacks the required claim "scope"'));
        for (const l of logs) assert.ok(!l.message.includes(secret) && !l.message.includes(reader.split(".")[2]!), l.message);
      });
    } finally {
      await upstream.close();
    }
  });

  test("a configuration without a usable secret: Envoy refuses to start the filter, saying why", async () => {
    const upstream = await closedPort();
    for (const configuration of [{}, { secret: "too-short" }]) {
      const { secrets: _, ...rest } = { ...config, ...configuration };
      const bootstrap = await exampleBootstrap(project, upstream, JSON.stringify(config));
      // What `manifest` checks by the schema could still reach Envoy another way: the filter refuses it too.
      const manager = (bootstrap as WithHttpFilters).static_resources.listeners[0]!.filter_chains[0]!.filters[0]!;
      manager.typed_config.http_filters[0]!.typed_config.config.configuration.value = JSON.stringify(rest);
      const validation = await validateEnvoyConfig(envoy.binary!, bootstrap);
      assert.equal(validation.ok, false, JSON.stringify(rest));
      assert.ok(
        validation.problems.some((p) => /jwt: configuration refused: /.test(p)),
        validation.problems.join("\n"),
      );
      assert.ok(!validation.problems.some((p) => p.includes(secret)), "the secret is not printed");
    }
  });
});
