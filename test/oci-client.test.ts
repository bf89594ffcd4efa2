/**
 * The registry client's layers on their own: retry (table-driven against a loopback fake that answers
 * the faults a real registry will not give on demand), auth challenges and redirects, references,
 * content verification and reproducible packaging (tar: oci-tar.test.ts).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { retryingFetch } from "../cli/oci/remote/retry/client.js";
import { backoff, parseRetryAfter } from "../cli/oci/remote/retry/policy.js";
import { AuthClient, mergeScopes } from "../cli/oci/remote/auth/client.js";
import { parseChallenge } from "../cli/oci/remote/auth/challenge.js";
import { parseLayoutReference, parseReference } from "../cli/oci/reference.js";
import { Repository } from "../cli/oci/remote/repository.js";
import { verifyContent } from "../cli/oci/content/reader.js";
import { describe as describeBlob } from "../cli/oci/descriptor.js";
import { findInTar } from "../cli/oci/tar.js";
import { packageWasm } from "../cli/oci/package.js";
import { extractWasm } from "../cli/oci/extract.js";
import { parseManifest } from "../cli/oci/copy.js";
import { tinyWasm } from "./fixtures/oci/wasm.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server answering from a script of handlers, one per request; an unexpected request fails the test. */
async function fakeServer(): Promise<{ url: string; server: Server; script: Handler[]; seen: IncomingMessage[] }> {
  const script: Handler[] = [];
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    const next = script.shift();
    if (!next) {
      res.writeHead(599).end("unexpected request");
      return;
    }
    req.resume();
    req.on("end", () => next(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, script, seen };
}

let fake: Awaited<ReturnType<typeof fakeServer>>;
let other: Awaited<ReturnType<typeof fakeServer>>;
before(async () => {
  [fake, other] = await Promise.all([fakeServer(), fakeServer()]);
});
after(() => {
  fake.server.close();
  other.server.close();
  fake.server.closeAllConnections();
  other.server.closeAllConnections();
});

const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    res.writeHead(code, headers).end();
const reset: Handler = (req) => req.socket.destroy();

test("retry: which failures are retried, how often, and how long it waits", async () => {
  const cases: { name: string; script: Handler[]; body?: RequestInit["body"]; status?: number; error?: boolean; waits: number[] }[] = [
    { name: "503 then 200", script: [status(503), status(200)], status: 200, waits: [100] },
    { name: "429 honours Retry-After", script: [status(429, { "retry-after": "2" }), status(200)], status: 200, waits: [2000] },
    { name: "Retry-After is capped", script: [status(503, { "retry-after": "3600" }), status(200)], status: 200, waits: [5000] },
    { name: "gives up after maxRetries", script: [status(502), status(502), status(502), status(502), status(502)], status: 502, waits: [100, 200, 400, 800] },
    { name: "404 is not transient", script: [status(404)], status: 404, waits: [] },
    { name: "501 is not transient", script: [status(501)], status: 501, waits: [] },
    { name: "connection reset then 200", script: [reset, status(201)], status: 201, waits: [100] },
    { name: "a stream body is sent once", script: [status(503)], body: new Blob(["x"]).stream(), status: 503, waits: [] },
  ];
  for (const c of cases) {
    fake.script.push(...c.script);
    const waits: number[] = [];
    // Jitter pinned to its top (random = 1 → full exponential) so waits are exact.
    const send = retryingFetch({ sleep: async (ms) => void waits.push(ms), policy: { maxRetries: 4, minWait: 100, maxWait: 5000 }, random: () => 1 });
    const init: RequestInit = c.body ? ({ method: "PUT", body: c.body, duplex: "half" } as RequestInit) : { method: "GET" };
    const response = await send(`${fake.url}/v2/`, init);
    assert.equal(response.status, c.status, c.name);
    await response.body?.cancel();
    assert.deepEqual(waits, c.waits, c.name);
    assert.equal(fake.script.length, 0, `${c.name}: every scripted answer used`);
  }
});

test("backoff: exponential with jitter within [half, full], capped; Retry-After as seconds or a date", () => {
  const policy = { maxRetries: 4, minWait: 200, maxWait: 1000 };
  for (let attempt = 0; attempt < 6; attempt++) {
    const full = Math.min(1000, 200 * 2 ** attempt);
    assert.equal(
      backoff(policy, attempt, null, () => 0),
      full / 2,
    );
    assert.equal(
      backoff(policy, attempt, null, () => 1),
      full,
    );
  }
  assert.equal(parseRetryAfter("7"), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(parseRetryAfter("soon"), undefined);
});

test("auth: a basic challenge is answered once, then credentials go up front", async () => {
  fake.script.push(status(401, { "www-authenticate": 'Basic realm="test"' }), status(200), status(200));
  const client = new AuthClient({ credential: async () => ({ username: "u", password: "p" }) });
  for (let i = 0; i < 2; i++) await (await client.fetch(`${fake.url}/v2/a/manifests/x`, { method: "GET" }, { scopes: [] })).body?.cancel();
  const auth = fake.seen.slice(-3).map((r) => r.headers.authorization);
  assert.deepEqual(auth, [undefined, `Basic ${Buffer.from("u:p").toString("base64")}`, `Basic ${Buffer.from("u:p").toString("base64")}`]);
});

test("auth: a refused basic credential is not sent twice", async () => {
  fake.script.push(
    status(401, { "www-authenticate": 'Basic realm="test"' }),
    status(401, { "www-authenticate": 'Basic realm="test"' }),
    status(401, { "www-authenticate": 'Basic realm="test"' }),
  );
  const client = new AuthClient({ credential: async () => ({ username: "u", password: "wrong" }) });
  const first = await client.fetch(`${fake.url}/v2/`, { method: "GET" }, { scopes: [] });
  const second = await client.fetch(`${fake.url}/v2/`, { method: "GET" }, { scopes: [] });
  assert.deepEqual([first.status, second.status], [401, 401]);
  assert.equal(fake.script.length, 0, "one challenge round, then one attempt with the cached scheme");
});

test("auth: credentials are not sent to the origin a registry redirects to", async () => {
  fake.script.push(status(401, { "www-authenticate": 'Basic realm="test"' }), status(307, { location: `${other.url}/storage/blob` }));
  other.script.push((_req, res) => res.writeHead(200).end("blob"));
  const client = new AuthClient({ credential: async () => ({ username: "u", password: "p" }) });
  const response = await client.fetch(`${fake.url}/v2/a/blobs/sha256:00`, { method: "GET" }, { scopes: [] });
  assert.equal(await response.text(), "blob");
  assert.ok(fake.seen.at(-1)!.headers.authorization, "the registry got the credential");
  assert.equal(other.seen.at(-1)!.headers.authorization, undefined, "the storage origin did not");
});

test("auth: a bearer challenge fetches a token for the merged scopes", async () => {
  const realm = `${other.url}/token`;
  fake.script.push(status(401, { "www-authenticate": `Bearer realm="${realm}",service="reg",scope="repository:a:push,pull"` }), status(202));
  other.script.push((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "tok" })));
  const client = new AuthClient({ credential: async () => ({ username: "u", password: "p" }) });
  await (await client.fetch(`${fake.url}/v2/a/blobs/uploads/`, { method: "POST" }, { scopes: ["repository:a:pull"] })).body?.cancel();
  const tokenRequest = new URL(other.seen.at(-1)!.url!, other.url);
  assert.equal(tokenRequest.searchParams.get("service"), "reg");
  assert.deepEqual(tokenRequest.searchParams.getAll("scope"), ["repository:a:pull,push"]);
  assert.equal(fake.seen.at(-1)!.headers.authorization, "Bearer tok");
  assert.deepEqual(mergeScopes(["repository:b:pull", "repository:a:push", "repository:a:pull", "registry:catalog:*"]), [
    "registry:catalog:*",
    "repository:a:pull,push",
    "repository:b:pull",
  ]);
});

test("WWW-Authenticate parsing", () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
    scheme: "bearer",
    params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
  });
  assert.deepEqual(parseChallenge('Basic realm="x \\"quoted\\""'), { scheme: "basic", params: { realm: 'x "quoted"' } });
  assert.equal(parseChallenge(null), undefined);
});

test("references: registries, Docker Hub, tags, digests, layouts", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const table: [string, ReturnType<typeof parseReference>][] = [
    ["localhost:5000/filter", { registry: "localhost:5000", repository: "filter", reference: "latest" }],
    ["ghcr.io/acme/add-header:1.0.0", { registry: "ghcr.io", repository: "acme/add-header", reference: "1.0.0" }],
    [`oci://ghcr.io/acme/f@${digest}`, { registry: "ghcr.io", repository: "acme/f", reference: digest }],
    ["nginx", { registry: "docker.io", repository: "library/nginx", reference: "latest" }],
    ["[::1]:5000/a/b:v2", { registry: "[::1]:5000", repository: "a/b", reference: "v2" }],
  ];
  for (const [raw, expected] of table) assert.deepEqual(parseReference(raw), expected, raw);
  for (const bad of ["ghcr.io/Acme/x", "ghcr.io/a:bad tag", "ghcr.io/a@sha256:short"]) assert.throws(() => parseReference(bad), /invalid reference/, bad);
  // A registry with no repository is not a Docker Hub image named after the host.
  for (const hostOnly of ["127.0.0.1:5000", "localhost:5000", "ghcr.io", "localhost"])
    assert.throws(() => parseReference(hostOnly), /names a registry but no repository/, hostOnly);
  assert.deepEqual(parseReference("alpine:3"), { registry: "docker.io", repository: "library/alpine", reference: "3" });
  assert.deepEqual(parseLayoutReference("./out/image:1.0"), { dir: "./out/image", reference: "1.0" });
  assert.deepEqual(parseLayoutReference("/tmp/a:b/image"), { dir: "/tmp/a:b/image", reference: "latest" });
  assert.deepEqual(parseLayoutReference(`img@${digest}`), { dir: "img", reference: digest });
  assert.deepEqual(parseLayoutReference(`/tmp/team@x/img:1`), { dir: "/tmp/team@x/img", reference: "1" });
  // A malformed digest is refused, not taken as part of a directory name (it created `dir@sha256`).
  for (const bad of ["dir@sha256:abc", "dir@latest", "out/img@"])
    assert.throws(() => parseLayoutReference(bad), /invalid OCI layout reference .* is not a sha256 digest/, bad);
});

test("HTTPS by default; plain HTTP when asked or for loopback registries", () => {
  const base = (ref: string, plainHttp?: boolean) => new Repository(parseReference(ref), { client: new AuthClient(), plainHttp }).base;
  assert.equal(base("ghcr.io/acme/f"), "https://ghcr.io/v2/acme/f");
  assert.equal(base("nginx"), "https://registry-1.docker.io/v2/library/nginx");
  assert.equal(base("registry.internal:5000/f", true), "http://registry.internal:5000/v2/f");
  for (const loopback of ["localhost:5000/f", "127.0.0.1:5000/f", "127.1.2.3/f", "[::1]:5000/f"]) assert.match(base(loopback), /^http:\/\//, loopback);
  assert.match(base("127.example.com/f"), /^https:\/\//);
});

test("blob downloads are verified as they stream: exact bytes pass; more, less or other bytes are refused", async () => {
  const blob = Buffer.alloc(300_000, 7);
  const descriptor = describeBlob("application/octet-stream", blob);
  const repository = new Repository(parseReference(`${fake.url.slice("http://".length)}/verify/blob`), { client: new AuthClient() });
  const answer =
    (body: Buffer): Handler =>
    (_req, res) =>
      res.writeHead(200, { "content-length": String(body.byteLength) }).end(body);
  fake.script.push(answer(blob), answer(Buffer.concat([blob, Buffer.from("!")])), answer(blob.subarray(1)), answer(Buffer.alloc(blob.byteLength, 8)));
  assert.ok(Buffer.from(await repository.fetch(descriptor)).equals(blob));
  await assert.rejects(repository.fetch(descriptor), /trailing data/);
  await assert.rejects(repository.fetch(descriptor), /truncated/);
  await assert.rejects(repository.fetch(descriptor), /digest mismatch/);
  assert.deepEqual(
    fake.seen.slice(-4).map((r) => `${r.method} ${r.url}`),
    Array(4).fill(`GET /v2/verify/blob/blobs/${descriptor.digest}`),
  );
});

test("the transport sends bytes with their length, returns redirects unfollowed, and reports a refused connection as fetch does", async () => {
  const send = retryingFetch({ policy: { maxRetries: 0, minWait: 1, maxWait: 1 } });
  fake.script.push(status(202), status(307, { location: "/elsewhere" }));
  await send(`${fake.url}/upload`, { method: "PUT", body: new Uint8Array(5) });
  assert.equal(fake.seen.at(-1)?.headers["content-length"], "5");
  const redirect = await send(`${fake.url}/moved`, { method: "GET" });
  assert.deepEqual([redirect.status, redirect.headers.get("location")], [307, "/elsewhere"]);
  const refused = await send("http://127.0.0.1:1/v2/", { method: "GET" }).catch((error: unknown) => error);
  assert.ok(refused instanceof TypeError && refused.message === "fetch failed", String(refused));
  assert.equal((refused.cause as { code?: string }).code, "ECONNREFUSED");
});

test("content verification tells truncation, trailing data and a wrong digest apart", () => {
  const bytes = Buffer.from("hello");
  const descriptor = describeBlob("application/octet-stream", bytes);
  assert.equal(verifyContent(descriptor, bytes), bytes);
  assert.throws(() => verifyContent(descriptor, bytes.subarray(0, 3)), /truncated/);
  assert.throws(() => verifyContent(descriptor, Buffer.from("hello!")), /trailing data/);
  assert.throws(() => verifyContent(descriptor, Buffer.from("HELLO")), /digest mismatch/);
});

test("packaging is reproducible: same input, same digest; created changes it", async () => {
  const wasm = tinyWasm("repro");
  for (const variant of ["compat", "oci"] as const) {
    const a = await packageWasm(wasm, { variant, created: "1970-01-01T00:00:00Z" }, "t");
    const b = await packageWasm(wasm, { variant, created: "1970-01-01T00:00:00Z" }, "t");
    const c = await packageWasm(wasm, { variant, created: "2024-01-01T00:00:00Z" }, "t");
    assert.equal(a.manifest.digest, b.manifest.digest, variant);
    assert.notEqual(a.manifest.digest, c.manifest.digest, variant);
    const manifest = parseManifest(a.manifest, await a.store.fetch(a.manifest));
    assert.ok(Buffer.from((await extractWasm(manifest, a.store)).wasm).equals(wasm));
    if (variant === "compat") {
      const layer = await a.store.fetch(manifest.layers[0]);
      assert.deepEqual([...layer.subarray(4, 8)], [0, 0, 0, 0], "gzip mtime is zero");
      assert.equal(layer[9], 255, "gzip OS byte is 'unknown'");
      assert.ok(Buffer.from((await findInTar(Readable.from([gunzipSync(layer)]), "plugin.wasm"))!).equals(wasm));
    }
  }
});
