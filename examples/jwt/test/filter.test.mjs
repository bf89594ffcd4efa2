import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Host } from "as-proxy-wasm/host";
import { exampleConfig, header, startPlugin } from "./plugin.mjs";

const config = JSON.parse(exampleConfig);
const secret = config.secrets[0];
const now = Date.UTC(2026, 0, 1) / 1000;
const b64url = (text) => Buffer.from(text).toString("base64url");

/** A token as an issuer would mint it (Node's crypto signs it); `header` and `secret` can be changed. */
function sign(claims, { key = secret, head = { alg: "HS256", typ: "JWT" }, hmac = "sha256" } = {}) {
  const signingInput = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac(hmac, key).update(signingInput).digest("base64url")}`;
}

/** Claims that pass the example configuration's checks. */
const good = (extra = {}) => ({ iss: "https://auth.example.com", aud: "api.example.com", sub: "user-7", exp: now + 600, scope: "read", ...extra });
const response = { headers: [[":status", "200"]], body: "data" };

/** A plugin on a host whose clock reads `now`; `changes` edit the example configuration. */
async function plugin(changes = {}) {
  const host = new Host({ startTime: now * 1000 });
  return (await startPlugin(JSON.stringify({ ...config, ...changes }), { host })).plugin;
}

async function call(p, token, { path = "/items", headers = [] } = {}) {
  const auth = token === undefined ? [] : [["authorization", `Bearer ${token}`]];
  return p.httpStream({ request: { headers: [[":method", "GET"], [":path", path], [":authority", "example.com"], ...auth, ...headers] }, response });
}

function assertUnauthorized(result, reason, label) {
  assert.equal(result.localResponse?.status, 401, label);
  assert.equal(result.request, null, label);
  assert.equal(header(result.response.headers, "www-authenticate"), `Bearer error="invalid_token", error_description="${reason}"`, label);
}

test("no token: 401 with a bare Bearer challenge (RFC 6750 §3.1), nothing reaches the upstream", async () => {
  const p = await plugin();
  for (const headers of [[], [["authorization", "Basic dXNlcjpwdw=="]], [["authorization", "Bearer "]], [["authorization", "Bearer"]]]) {
    const result = await p.httpStream({ request: { headers: [[":method", "GET"], [":path", "/"], [":authority", "a"], ...headers] }, response });
    assert.equal(result.localResponse?.status, 401, JSON.stringify(headers));
    assert.equal(header(result.response.headers, "www-authenticate"), "Bearer");
    assert.equal(result.request, null);
  }
});

test("a valid token: forwarded with the chosen claims as headers, without the token and without client-sent claim headers", async () => {
  const p = await plugin();
  const result = await call(p, sign(good()), {
    headers: [
      ["x-jwt-sub", "admin"],
      ["x-jwt-sub", "root"],
      ["x-jwt-scope", "admin"],
      ["x-other", "kept"],
    ],
  });
  assert.equal(result.localResponse, null);
  const sent = result.request.headers;
  assert.deepEqual(
    sent.filter(([n]) => n === "x-jwt-sub"),
    [["x-jwt-sub", "user-7"]],
  );
  assert.deepEqual(
    sent.filter(([n]) => n === "x-jwt-scope"),
    [["x-jwt-scope", "read"]],
  );
  assert.equal(header(sent, "authorization"), undefined);
  assert.equal(header(sent, "x-other"), "kept");
  assert.equal(result.response.body, "data");

  const noSub = await call(p, sign(good({ sub: undefined })), { headers: [["x-jwt-sub", "admin"]] });
  assert.equal(noSub.localResponse, null);
  assert.equal(header(noSub.request.headers, "x-jwt-sub"), undefined, "a claim the token lacks leaves no client copy behind");

  const lower = await p.httpStream({
    request: {
      headers: [
        [":method", "GET"],
        [":path", "/"],
        [":authority", "a"],
        ["authorization", `bearer ${sign(good())}`],
      ],
    },
    response,
  });
  assert.equal(lower.localResponse, null, "the scheme is case-insensitive");

  const kept = await call(await plugin({ forwardToken: true }), sign(good()));
  assert.equal(header(kept.request.headers, "authorization"), `Bearer ${sign(good())}`);
});

test("forwarded claims: integers and booleans as text, fractions and objects not at all, a value with a line break refuses the token", async () => {
  const forwardClaims = [
    ["sub", "x-jwt-sub"],
    ["uid", "x-jwt-uid"],
    ["admin", "x-jwt-admin"],
    ["org", "x-jwt-org"],
    ["ratio", "x-jwt-ratio"],
  ].map(([claim, h]) => ({ claim, header: h }));
  const p = await plugin({ forwardClaims });
  const result = await call(p, sign(good({ uid: -1234567, admin: false, org: { id: 1 }, ratio: 0.5 })), {
    headers: [
      ["x-jwt-org", "evil"],
      ["x-jwt-ratio", "1"],
    ],
  });
  assert.equal(result.localResponse, null);
  assert.equal(header(result.request.headers, "x-jwt-uid"), "-1234567");
  assert.equal(header(result.request.headers, "x-jwt-admin"), "false");
  assert.equal(header(result.request.headers, "x-jwt-org"), undefined);
  assert.equal(header(result.request.headers, "x-jwt-ratio"), undefined);
  for (const sub of ["user\r\nx-admin: true", "user\nx", "a\u0000b"]) {
    assertUnauthorized(await call(p, sign(good({ sub }))), "a forwarded claim is not a header-safe value", JSON.stringify(sub));
  }
  const unicode = await call(p, sign(good({ sub: "müller" })));
  assert.equal(header(unicode.request.headers, "x-jwt-sub"), "müller");
});

test("a bad signature, a foreign secret or a mangled token: 401 invalid_token", async () => {
  const p = await plugin();
  const token = sign(good());
  const [h, payload, sig] = token.split(".");
  const forged = `${h}.${b64url(JSON.stringify(good({ scope: "admin" })))}.${sig}`;
  // 32 bytes take 43 characters, the last one with two unused bits: setting one spells the same bytes.
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const twin = alphabet[alphabet.indexOf(sig.at(-1)) | 1];
  const cases = {
    [forged]: "the token signature is invalid",
    [sign(good(), { key: "another secret that is 32 bytes long!" })]: "the token signature is invalid",
    [`${h}.${payload}.${sig.slice(0, -3)}`]: "the token signature is invalid",
    [`${h}.${payload}.${sig.slice(0, -2)}`]: "the token is not base64url",
    [`${h}.${payload}.`]: "the token signature is invalid",
    [`${h}.${payload}.${sig}=`]: "the token is not base64url",
    [`${h}.${payload}.${sig.slice(0, -1)}${twin}`]: "the token is not base64url",
    [`${h}.${payload}`]: "the token is not a compact JWS",
    [`${token}.x`]: "the token is not a compact JWS",
    [`.${payload}.${sig}`]: "the token is not a compact JWS",
    [`${h}.${payload}.${sig.replace(/[A-Za-z]/, "+")}`]: "the token is not base64url",
    [`${b64url("not json")}.${payload}.${sig}`]: "the token header is not a JSON object",
  };
  for (const [bad, reason] of Object.entries(cases)) {
    assertUnauthorized(await call(p, bad), reason, bad);
  }
  // The payload is checked only after the signature: a signed non-object is refused as such.
  const signingInput = `${b64url(JSON.stringify({ alg: "HS256" }))}.${b64url("[1]")}`;
  const arrayPayload = `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
  assertUnauthorized(await call(p, arrayPayload), "the token payload is not a JSON object", "array payload");
});

test("HMAC-SHA256 agrees with Node's crypto for every message length modulo the block size, and for long secrets", async () => {
  // The signing input grows one byte at a time across more than a SHA-256 block (the padding edge cases).
  const p = await plugin();
  for (let n = 0; n < 70; n++) {
    const result = await call(p, sign(good({ pad: "x".repeat(n) })));
    assert.equal(result.localResponse, null, `padding ${n}`);
  }
  const long = "k".repeat(100); // over the 64-byte block: HMAC hashes the key first
  const withLong = await plugin({ secrets: [long] });
  assert.equal((await call(withLong, sign(good(), { key: long }))).localResponse, null);
  assertUnauthorized(await call(withLong, sign(good(), { key: long.slice(0, 64) })), "the token signature is invalid", "a key cut at the block size");
});

test('alg "none", other algorithms and algorithm confusion are refused before any signature check', async () => {
  const p = await plugin();
  const claims = b64url(JSON.stringify(good({ scope: "admin" })));
  const unsigned = `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${claims}.`;
  assertUnauthorized(await call(p, unsigned), "the token algorithm is not HS256", "alg none");
  for (const head of [
    { alg: "none" },
    { alg: "None" },
    { alg: "hs256" },
    { alg: "HS384" },
    { alg: "RS256" },
    { alg: "ES256" },
    { typ: "JWT" },
    { alg: ["HS256"] },
  ]) {
    // Signed with the secret as HMAC key, as an attacker holding a "public key" would for RS256.
    assertUnauthorized(await call(p, sign(good(), { head })), "the token algorithm is not HS256", JSON.stringify(head));
  }
  assertUnauthorized(await call(p, sign(good(), { head: { alg: "HS384" }, hmac: "sha384" })), "the token algorithm is not HS256", "real HS384");
  assertUnauthorized(await call(p, sign(good(), { head: { alg: "HS256", crit: ["exp"] } })), "the token has critical header extensions", "crit");
});

test("exp and nbf against the host clock, with the configured skew", async () => {
  const p = await plugin();
  const cases = [
    [{ exp: now - 61 }, "the token has expired"],
    [{ exp: now - 59 }, ""],
    [{ nbf: now + 61 }, "the token is not valid yet"],
    [{ nbf: now + 59 }, ""],
    [{ exp: undefined }, "the token has no exp"],
    [{ exp: "tomorrow" }, "the token exp is not a number"],
    [{ nbf: "now" }, "the token nbf is not a number"],
    [{ exp: now + 0.5 }, ""],
  ];
  for (const [extra, reason] of cases) {
    const result = await call(p, sign(good(extra)));
    if (reason) assertUnauthorized(result, reason, JSON.stringify(extra));
    else assert.equal(result.localResponse, null, JSON.stringify(extra));
  }
  const strict = await plugin({ clockSkewSeconds: 0 });
  assertUnauthorized(await call(strict, sign(good({ exp: now - 1 }))), "the token has expired", "no skew");
  const lenient = await plugin({ requireExpiration: false });
  assert.equal((await call(lenient, sign(good({ exp: undefined })))).localResponse, null);
});

test("iss and aud (string or array) must match the configuration", async () => {
  const p = await plugin();
  const cases = [
    [{ iss: "https://evil.example.com" }, "the token issuer is not accepted"],
    [{ iss: undefined }, "the token issuer is not accepted"],
    [{ aud: "other" }, "the token audience is not accepted"],
    [{ aud: ["other", "api.example.com"] }, ""],
    [{ aud: ["other"] }, "the token audience is not accepted"],
    [{ aud: [] }, "the token audience is not accepted"],
    [{ aud: undefined }, "the token has no aud"],
  ];
  for (const [extra, reason] of cases) {
    const result = await call(p, sign(good(extra)));
    if (reason) assertUnauthorized(result, reason, JSON.stringify(extra));
    else assert.equal(result.localResponse, null, JSON.stringify(extra));
  }
  const { audiences, issuer, ...rest } = config;
  const open = (await startPlugin(JSON.stringify(rest), { host: new Host({ startTime: now * 1000 }) })).plugin;
  assertUnauthorized(await call(open, sign(good())), "the token audience is not accepted", "an aud this filter was not told about (RFC 7519 §4.1.3)");
  assert.equal((await call(open, sign(good({ aud: undefined, iss: "anyone" })))).localResponse, null);
});

test("secret rotation: tokens of any configured secret pass; removing one refuses its tokens", async () => {
  const next = "a-new-secret-of-at-least-32-bytes-long";
  const both = await plugin({ secrets: [secret, next] });
  assert.equal((await call(both, sign(good()))).localResponse, null);
  assert.equal((await call(both, sign(good(), { key: next }))).localResponse, null);
  const rotated = await plugin({ secrets: [next] });
  assertUnauthorized(await call(rotated, sign(good())), "the token signature is invalid", "old secret");
  const single = await plugin({ secrets: undefined, secret: next });
  assert.equal((await call(single, sign(good(), { key: next }))).localResponse, null);
});

test("claims per path prefix: 403 insufficient_scope; the path is decoded and normalised first", async () => {
  const p = await plugin();
  const reader = sign(good());
  for (const path of ["/admin", "/admin/users", "//admin", "/public/../admin", "/%61dmin/x", "/%2561dmin", "/ADMIN", "/public/%2e%2e/admin", "/admin?x=1"]) {
    const result = await call(p, reader, { path });
    assert.equal(result.localResponse?.status, 403, path);
    assert.equal(header(result.response.headers, "www-authenticate"), 'Bearer error="insufficient_scope"');
    assert.equal(result.request, null);
  }
  assert.ok((await call(p, reader, { path: "/admin" })).logs.some((l) => l.message === 'jwt: forbidden: the token lacks the required claim "scope"'));
  for (const scope of ["admin", "read admin", ["read", "admin"]]) {
    assert.equal((await call(p, sign(good({ scope })), { path: "/admin/users" })).localResponse, null, JSON.stringify(scope));
  }
  for (const scope of ["administrator", "read", ["read admin"], 1]) {
    assert.equal((await call(p, sign(good({ scope })), { path: "/admin" })).localResponse?.status, 403, JSON.stringify(scope));
  }
  assert.equal((await call(p, reader, { path: "/items/admin" })).localResponse, null);

  const everywhere = await plugin({ claims: [{ claim: "tenant", value: "acme" }], rules: [] });
  assert.equal((await call(everywhere, sign(good({ tenant: "acme" })))).localResponse, null);
  assert.equal((await call(everywhere, sign(good({ tenant: "other" })))).localResponse?.status, 403);
  assert.equal((await call(everywhere, sign(good()))).localResponse?.status, 403);
});

test("neither the token nor the secret is ever logged", async () => {
  const p = await plugin();
  const logs = [];
  for (const token of [sign(good()), sign(good({ exp: 1 })), sign(good(), { key: "x".repeat(40) }), sign(good()), "garbage"]) {
    logs.push(...(await call(p, token, { path: "/admin" })).logs);
  }
  assert.ok(logs.length >= 3);
  for (const l of logs) {
    assert.ok(!l.message.includes(secret), l.message);
    assert.ok(!l.message.includes(sign(good()).split(".")[2]), l.message);
  }
});

test("a configuration without a usable secret, or with a setting that cannot be applied safely, is refused", async () => {
  const bad = {
    "": /"secret"/,
    "not json": /not a JSON object/,
    "[1]": /not a JSON object/,
    "{}": /"secret"/,
    [JSON.stringify({ secrets: [] })]: /"secret"/,
    [JSON.stringify({ secrets: [""] })]: /32 bytes/,
    [JSON.stringify({ secret: "short" })]: /32 bytes/,
    [JSON.stringify({ secret: 42 })]: /"secret"/,
    [JSON.stringify({ secrets: "x".repeat(40) })]: /"secrets"/,
    [JSON.stringify({ secret: secret, clockSkewSeconds: -1 })]: /"clockSkewSeconds"/,
    [JSON.stringify({ secret: secret, clockSkewSeconds: 3600 })]: /"clockSkewSeconds"/,
    [JSON.stringify({ secret: secret, audiences: "api" })]: /"audiences"/,
    [JSON.stringify({ secret: secret, claims: { scope: "admin" } })]: /"claims"/,
    [JSON.stringify({ secret: secret, claims: [{ claim: "scope", value: 1 }] })]: /"claims"/,
    [JSON.stringify({ secret: secret, claims: [{ claim: "scope" }] })]: /"claims"/,
    [JSON.stringify({ secret: secret, rules: [{ prefix: "admin", claims: [] }] })]: /"prefix"/,
    [JSON.stringify({ secret: secret, rules: [{ prefix: "/admin", claims: [{ claim: "", value: "x" }] }] })]: /rules\[0\]\."claims"/,
    [JSON.stringify({ secret: secret, issuer: 7 })]: /"issuer"/,
    [JSON.stringify({ secret: secret, requireExpiration: "no" })]: /"requireExpiration"/,
    [JSON.stringify({ secret: secret, forwardClaims: [{ claim: "sub", header: "X Sub" }] })]: /forwardClaims/,
    [JSON.stringify({ secret: secret, forwardClaims: [{ claim: "sub", header: ":path" }] })]: /forwardClaims/,
    [JSON.stringify({ secret: secret, forwardClaims: [{ claim: "sub", header: "authorization" }] })]: /forwardClaims/,
    [JSON.stringify({ secret: secret, forwardClaims: { sub: "x-jwt-sub" } })]: /"forwardClaims"/,
  };
  for (const [configuration, reason] of Object.entries(bad)) {
    const host = new Host();
    await assert.rejects(startPlugin(configuration, { host }), /refused its configuration/, configuration);
    const critical = host.logs.filter((l) => l.level === "critical").map((l) => l.message);
    assert.ok(
      critical.some((m) => m.startsWith("jwt: configuration refused: ") && reason.test(m)),
      `${configuration}: ${JSON.stringify(critical)}`,
    );
    assert.ok(!critical.some((m) => m.includes(secret)), "the secret is not logged");
  }
});
