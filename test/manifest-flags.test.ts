import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyImage, defaultName } from "../cli/manifests/source.js";
import { parseCluster, parseEnv, parseFailure, parseHostPort, parseInteger, parseLabels, parseMatch, parseTargetRef } from "../cli/commands/manifest/flags.js";

// The pure parsers behind the manifest flags: argv text → manifest values, with the flag named on bad syntax.

const digest = "sha256:" + "f".repeat(64);

test("--image: scheme, local file or registry reference", () => {
  const exists = (path: string) => path === "/work/build/filter.wasm";
  const cases: [string, ReturnType<typeof classifyImage>][] = [
    ["oci://ghcr.io/acme/f:v1", { kind: "oci", url: "oci://ghcr.io/acme/f:v1", reference: "ghcr.io/acme/f:v1", digest: undefined }],
    ["ghcr.io/acme/f:v1", { kind: "oci", url: "oci://ghcr.io/acme/f:v1", reference: "ghcr.io/acme/f:v1", digest: undefined }],
    [`localhost:5000/f@${digest}`, { kind: "oci", url: `oci://localhost:5000/f@${digest}`, reference: `localhost:5000/f@${digest}`, digest }],
    ["https://cdn.example.com/f.wasm", { kind: "http", url: "https://cdn.example.com/f.wasm" }],
    ["HTTP://cdn.example.com/f.wasm", { kind: "http", url: "HTTP://cdn.example.com/f.wasm" }],
    ["file:///opt/f%20x.wasm", { kind: "file", url: "file:///opt/f%20x.wasm", path: "/opt/f x.wasm" }],
    ["build/filter.wasm", { kind: "file", url: "file:///work/build/filter.wasm", path: "/work/build/filter.wasm" }],
    ["/elsewhere/module.wasm", { kind: "file", url: "file:///elsewhere/module.wasm", path: "/elsewhere/module.wasm" }],
  ];
  for (const [image, expected] of cases) assert.deepEqual(classifyImage(image, "/work", exists), expected, image);
  assert.throws(() => classifyImage("s3://bucket/f.wasm", "/work", exists), {
    name: "ManifestInputError",
    input: "image",
    reason: 'url must have schema one of [http, https, file, oci] (got "s3://bucket/f.wasm")',
  });
});

test("default names are DNS-1123 labels from the image", () => {
  const name = (image: string) => defaultName(classifyImage(image, "/work", () => false));
  assert.equal(name("ghcr.io/acme/add_header:v1"), "add-header");
  assert.equal(name(`localhost:5000/team/auth:v1@${digest}`), "auth");
  assert.equal(name("localhost:5000/rate.limit"), "rate-limit");
  assert.equal(name("https://cdn.example.com/wasm/Body_Rewrite.wasm"), "body-rewrite");
  assert.equal(name("https://cdn.example.com/"), "wasm-plugin");
  assert.equal(name("/opt/filters/tcp.wasm"), "tcp");
});

test("selector labels, target refs, match, env, integers, host:port", () => {
  assert.deepEqual(parseLabels(["app=web, version = v1", "tier="], "--selector"), { app: "web", version: "v1", tier: "" });
  assert.throws(() => parseLabels(["app"], "--selector"), { message: '--selector: expected key=value (got "app")' });

  assert.deepEqual(parseTargetRef("Gateway/ingress"), { group: "gateway.networking.k8s.io", kind: "Gateway", name: "ingress" });
  assert.deepEqual(parseTargetRef("/Service/reviews"), { group: "", kind: "Service", name: "reviews" });
  assert.deepEqual(parseTargetRef("example.com/Widget/w"), { group: "example.com", kind: "Widget", name: "w" });
  assert.deepEqual(parseTargetRef("Widget/w"), { kind: "Widget", name: "w" });
  for (const bad of ["ingress", "Gateway/", "/ingress", "a/b/c/d"]) {
    assert.throws(() => parseTargetRef(bad), { message: `--target-ref: expected Kind/name or group/Kind/name (got "${bad}")` });
  }

  assert.deepEqual(parseMatch("SERVER"), { mode: "SERVER" });
  assert.deepEqual(parseMatch("CLIENT:80,443"), { mode: "CLIENT", ports: [{ number: 80 }, { number: 443 }] });
  assert.deepEqual(parseMatch(":8080"), { ports: [{ number: 8080 }] });
  assert.throws(() => parseMatch(":"), { message: '--match: expected MODE[:PORT,…] (got ":")' });

  assert.deepEqual(parseEnv(["A=1", "B=x=y", "C="], ["POD"]), [
    { name: "A", value: "1" },
    { name: "B", value: "x=y" },
    { name: "C", value: "" },
    { name: "POD", valueFrom: "HOST" },
  ]);

  assert.equal(parseInteger("42"), 42);
  assert.equal(parseInteger("-7"), -7);
  assert.equal(parseInteger("4.2"), "4.2");
  assert.equal(parseInteger("0x10"), "0x10");

  assert.deepEqual(parseHostPort("httpbin:8080", "--upstream"), { host: "httpbin", port: 8080 });
  assert.deepEqual(parseHostPort("[::1]:9000", "--upstream"), { host: "::1", port: 9000 });
  assert.throws(() => parseHostPort("::1:9000", "--upstream"), { message: '--upstream: expected host:port (got "::1:9000")' });
});

test("--cluster name=host:port; the name is everything before the first =", () => {
  assert.deepEqual(parseCluster("auth-service=127.0.0.1:9000"), { name: "auth-service", host: "127.0.0.1", port: 9000 });
  assert.deepEqual(parseCluster("outbound|80||svc=[::1]:80"), { name: "outbound|80||svc", host: "::1", port: 80 });
  assert.deepEqual(parseCluster("db = db.local:x"), { name: "db", host: "db.local", port: "x" });
  for (const bad of ["auth", "=h:1", " =h:1"]) {
    assert.throws(() => parseCluster(bad), { message: `--cluster: expected name=host:port (got "${bad}")` });
  }
  assert.throws(() => parseCluster("auth=h=1"), { message: '--cluster: expected host:port (got "h=1")' });
});

test("--fail-strategy and --failure-policy → fail_open or failure_policy, never both", () => {
  assert.deepEqual(parseFailure(undefined, undefined), { failOpen: false });
  assert.deepEqual(parseFailure("FAIL_OPEN", undefined), { failOpen: true });
  assert.deepEqual(parseFailure("FAIL_CLOSE", undefined), { failOpen: false });
  for (const policy of ["FAIL_CLOSED", "FAIL_OPEN", "FAIL_RELOAD"]) {
    assert.deepEqual(parseFailure(undefined, policy), { failOpen: false, failurePolicy: policy });
  }
  // Agreeing on open or closed: the newer field alone.
  assert.deepEqual(parseFailure("FAIL_OPEN", "FAIL_OPEN"), { failOpen: false, failurePolicy: "FAIL_OPEN" });
  assert.deepEqual(parseFailure("FAIL_CLOSE", "FAIL_CLOSED"), { failOpen: false, failurePolicy: "FAIL_CLOSED" });
  assert.deepEqual(parseFailure("FAIL_CLOSE", "FAIL_RELOAD"), { failOpen: false, failurePolicy: "FAIL_RELOAD" });
  assert.throws(() => parseFailure("FAIL_OPEN", "FAIL_CLOSED"), { message: "--fail-strategy FAIL_OPEN contradicts --failure-policy FAIL_CLOSED" });
  assert.throws(() => parseFailure("FAIL_CLOSE", "FAIL_OPEN"), { message: "--fail-strategy FAIL_CLOSE contradicts --failure-policy FAIL_OPEN" });
  assert.throws(() => parseFailure(undefined, "UNSPECIFIED"), {
    message: '--failure-policy: must be one of FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD (got "UNSPECIFIED")',
  });
  assert.throws(() => parseFailure("FAIL_RELOAD", undefined), { message: '--fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "FAIL_RELOAD")' });
});
