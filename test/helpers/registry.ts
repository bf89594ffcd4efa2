/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) on a free loopback
 * port, with filesystem storage in a temp dir, behind a small recording proxy.
 *
 *   const registry = await startRegistry();                       // anonymous
 *   const registry = await startRegistry({ auth: "basic", users: { alice: "s3cret" } });   // htpasswd
 *   const registry = await startRegistry({ auth: "token", users: { alice: "s3cret" } });   // bearer tokens
 *   registry.host            // "127.0.0.1:<port>": use in references, e.g. `${registry.host}/team/filter:v1`
 *   registry.requests        // every request the registry received: { method, path, status }
 *   registry.tokenRequests   // token auth only: { scopes, user } of each token the test token server issued
 *   registry.onRequest = (r) => { ... }   // called as each request arrives (e.g. to kill the registry mid-upload)
 *   registry.kill()          // the registry process goes away (SIGKILL); the proxy then resets connections
 *   await registry.restart() // a new registry process on the same storage and port
 *   await registry.stop()    // stops everything and removes the temp dir; call it in `after`
 *
 * Loopback hosts speak plain HTTP, which every client here allows for 127.0.0.1 (skopeo needs
 * `--tls-verify=false`, the ORAS client `--plain-http`). When the Debian packages are missing, `requireTool`
 * throws saying what to install: these tests never skip silently.
 *
 * Long because it is one real registry's whole harness: the process and its config per auth mode, the token
 * server, and the recording proxy that can kill and restart it mid-request.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, createPublicKey, createSign, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RegistryOptions {
  auth?: "none" | "basic" | "token";
  /** user → password, for basic and token auth. */
  users?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status?: number;
}

export interface TestRegistry {
  host: string;
  storageDir: string;
  requests: RecordedRequest[];
  tokenRequests: { scopes: string[]; user?: string }[];
  onRequest?: (request: RecordedRequest) => void;
  kill(): void;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const packages: Record<string, string> = {
  "docker-registry": "docker-registry",
  skopeo: "skopeo",
  htpasswd: "apache2-utils",
  go: "golang-go",
  openssl: "openssl",
};

/** Throws a loud, actionable error when a tool the tests need is not installed. */
export function requireTool(name: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (found.status !== 0) {
    const deb = packages[name] ?? name;
    throw new Error(`${name} is not installed: these tests need the real tool. Install it with: apt-get install ${deb} (see .ci/run)`);
  }
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  requireTool("docker-registry");
  const dir = await mkdtemp(join(tmpdir(), "oci-registry-"));
  const storageDir = join(dir, "storage");
  const registryPort = await freePort();
  const cleanups: (() => Promise<void>)[] = [];
  const tokenRequests: TestRegistry["tokenRequests"] = [];
  let authConfig = "";
  if (options.auth === "basic") {
    requireTool("htpasswd");
    const lines = Object.entries(options.users ?? {}).map(([user, password]) =>
      spawnSync("htpasswd", ["-Bbn", user, password], { encoding: "utf8" }).stdout.trim(),
    );
    await writeFile(join(dir, "htpasswd"), `${lines.join("\n")}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${join(dir, "htpasswd")}\n`;
  } else if (options.auth === "token") {
    const server = await startTokenServer(dir, options.users ?? {}, tokenRequests);
    cleanups.push(server.close);
    authConfig = `auth:\n  token:\n    realm: ${server.realm}\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: ${server.certPath}\n`;
  }
  const configPath = join(dir, "config.yml");
  await writeFile(
    configPath,
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${registryPort}
  secret: test-secret-kept-across-restarts
${authConfig}`,
  );

  let child: ChildProcess | undefined;
  let output = "";
  const launch = async () => {
    const proc = spawn("docker-registry", ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    running.add(proc);
    proc.stdout!.on("data", (d) => (output += d));
    proc.stderr!.on("data", (d) => (output += d));
    proc.on("exit", () => running.delete(proc));
    child = proc;
    await waitForRegistry(registryPort, proc, () => output);
  };
  await launch();

  const requests: RecordedRequest[] = [];
  const registry: TestRegistry = {
    host: "",
    storageDir,
    requests,
    tokenRequests,
    kill: () => child?.kill("SIGKILL"),
    restart: async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => {
          child!.once("exit", resolve);
          child!.kill("SIGKILL");
        });
      }
      await launch();
    },
    stop: async () => {
      child?.kill("SIGKILL");
      await new Promise((resolve) => proxy.close(resolve));
      proxy.closeAllConnections();
      for (const cleanup of cleanups) await cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const proxy = recordingProxy(registryPort, registry);
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  registry.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return registry;
}

/** Forwards to the registry, recording each request; when the registry is gone, resets the client's connection. */
function recordingProxy(registryPort: number, registry: TestRegistry): Server {
  return createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? "GET", path: req.url ?? "/" };
    registry.requests.push(record);
    registry.onRequest?.(record);
    const upstream = httpRequest({ host: "127.0.0.1", port: registryPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      record.status = answer.statusCode;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
}

async function waitForRegistry(port: number, proc: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited: ${output().trim()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/v2/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`docker-registry did not start on port ${port}: ${output().trim()}`);
}

/**
 * The token server of the distribution token spec: GET /token?service&scope with basic auth answers a JWT
 * (RS256, `kid` = the libtrust key id of the certificate the registry trusts) granting the requested
 * actions to a known user, and 401 to a wrong password. Anonymous requests get a token with no access.
 */
async function startTokenServer(dir: string, users: Record<string, string>, log: TestRegistry["tokenRequests"]) {
  requireTool("openssl");
  const keyPath = join(dir, "token.key");
  const certPath = join(dir, "token.crt");
  const made = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=test-token-issuer"],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  const privateKey = await readFile(keyPath, "utf8");
  const kid = libtrustKeyId(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const scopes = url.searchParams.getAll("scope");
    const [user, password] = basicCredentials(req.headers.authorization);
    log.push({ scopes, user });
    if (user !== undefined && users[user] !== password) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "wrong credentials" }));
      return;
    }
    const access =
      user === undefined
        ? []
        : scopes.map((scope) => {
            const [type, ...rest] = scope.split(":");
            const actions = rest.pop()!.split(",");
            return { type, name: rest.join(":"), actions };
          });
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(
      { alg: "RS256", typ: "JWT", kid },
      {
        iss: "test-issuer",
        sub: user ?? "",
        aud: url.searchParams.get("service"),
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      },
      privateKey,
    );
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    realm: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    certPath,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function basicCredentials(header: string | undefined): [string?, string?] {
  if (!header?.startsWith("Basic ")) return [];
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function jwt(header: object, claims: object, privateKey: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = createSign("RSA-SHA256").update(signingInput).sign(privateKey).toString("base64url");
  return `${signingInput}.${signature}`;
}

/** libtrust's key id: base32 of the first 240 bits of sha256(SPKI DER), in 12 groups of 4. */
function libtrustKeyId(spki: Buffer): string {
  return base32(createHash("sha256").update(spki).digest().subarray(0, 30)).match(/.{4}/g)!.join(":");
}

function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
