// The one-file tar of compat layers, and reading a module out of a layer as it streams in: archives GNU tar
// writes in its formats (long names, PAX records, ustar prefixes), split into chunks of any size, with other
// files before the module, and cut short.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findInTar, tarOneFile } from "../cli/oci/tar.js";
import { prngBytes as bytes } from "./helpers/prng.js";

/** `archive` as a stream of chunks of `size` bytes (the last one shorter). */
async function* chunked(archive: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < archive.byteLength; at += size) yield archive.subarray(at, at + size);
}

/** GNU tar's archive of `files` (path → content) in `format`, in the order given. */
async function gnuTar(format: string, files: [string, Uint8Array][]): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "tar-"));
  try {
    for (const [path, content] of files) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    return execFileSync("tar", [`--format=${format}`, "-cf", "-", "-C", dir, ...files.map(([path]) => path)], { maxBuffer: 1 << 26 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("tarOneFile: fixed metadata, read back whole; GNU tar lists it as such", async () => {
  const content = Buffer.from("x".repeat(1000));
  const tar = Buffer.concat(tarOneFile("plugin.wasm", content, 0));
  assert.equal(tar.byteLength % 512, 0);
  assert.ok(Buffer.from((await findInTar(chunked(tar, tar.byteLength), "plugin.wasm"))!).equals(content));
  assert.equal(await findInTar(chunked(tar, tar.byteLength), "other.wasm"), undefined);
  const listing = execFileSync("tar", ["-tvf", "-"], { input: tar }).toString();
  assert.match(listing, /^-rw-r--r-- 0\/0\s+1000 1970-01-01 00:00 plugin\.wasm$/m);
});

test("findInTar takes the module out of GNU, PAX and ustar archives, past other files, in chunks of any size", async () => {
  const wasm = bytes(70_001, 1);
  const deep = `${"layer/".repeat(20)}plugin.wasm`; // 131 characters: a GNU long name, a PAX path, a ustar prefix
  const cases: [format: string, path: string][] = [
    ["gnu", deep],
    ["pax", deep],
    ["ustar", deep],
    ["gnu", "plugin.wasm"],
  ];
  for (const [format, path] of cases) {
    const archive = await gnuTar(format, [
      ["etc/other.wasm", bytes(1000, 2)],
      [`${"x/".repeat(60)}plugin.wasm.bak`, bytes(600, 3)],
      [path, wasm],
      ["after/plugin.wasm", bytes(10, 4)],
    ]);
    for (const size of [1, 511, 512, 4096, archive.byteLength]) {
      const found = await findInTar(chunked(archive, size), "plugin.wasm");
      assert.ok(found && Buffer.from(found).equals(wasm), `${format} ${path.length}-character path, chunks of ${size}`);
    }
  }
});

test("findInTar: no such file is undefined; an archive cut short is an error, wherever it is cut", async () => {
  const archive = await gnuTar("gnu", [
    ["a.txt", bytes(700, 5)],
    [`${"long/".repeat(30)}plugin.wasm`, bytes(5000, 6)],
  ]);
  assert.equal(await findInTar(chunked(archive, 4096), "missing.wasm"), undefined);
  // GNU tar's layout here: a.txt's header at 0, its data at 512; the long name's header at 1536, the name at
  // 2048; the module's header at 2560, its data at 3072. Cut in each of them.
  for (const cut of [100, 800, 1600, 2100, 2800, 4000]) {
    await assert.rejects(findInTar(chunked(archive.subarray(0, cut), 4096), "plugin.wasm"), /tar archive is truncated/, `cut at ${cut}`);
  }
});
