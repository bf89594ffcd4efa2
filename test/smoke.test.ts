import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";

test("--version prints the package version", async () => {
  const { io, stdout } = memoryIo();
  assert.equal(await runCli(["--version"], io), 0);
  assert.match(stdout(), /^\d+\.\d+\.\d+\n$/);
});
