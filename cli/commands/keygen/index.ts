import { access, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { KeyObject } from "node:crypto";
import { writeAtomically } from "../../atomic-write.js";
import { UsageError } from "../../errors.js";
import type { Io } from "../../io.js";

/** cosign's variable for the private key's password: one setting for both tools. */
const passwordEnv = "COSIGN_PASSWORD";

export function registerKeygen(program: CommandUnknownOpts, io: Io): void {
  program
    .command("keygen")
    .summary("create a cosign-compatible signing key pair (for push --sign / pull --verify)")
    .description("Create an ECDSA P-256 key pair in cosign's format: <prefix>.key (encrypted with $COSIGN_PASSWORD, mode 0600) and <prefix>.pub")
    .option("--output-key-prefix <prefix>", "where to write <prefix>.key and <prefix>.pub", "cosign")
    .option("--force", "overwrite existing key files")
    .addHelpText(
      "after",
      `
The private key is encrypted with $COSIGN_PASSWORD (set it, even to an empty string) exactly as
\`cosign generate-key-pair\` does, so cosign signs with it and as-proxy-wasm signs with cosign's keys.

Examples:
  $ COSIGN_PASSWORD=… as-proxy-wasm keygen
  $ as-proxy-wasm push build/plugin.wasm ghcr.io/acme/filter:v1 --sign cosign.key
  $ as-proxy-wasm pull ghcr.io/acme/filter:v1 --verify cosign.pub
  $ cosign verify --key cosign.pub ghcr.io/acme/filter:v1`,
    )
    .action(async (options) => {
      const password = io.env[passwordEnv];
      if (password === undefined) {
        throw new UsageError(
          `keygen needs ${passwordEnv}: the private key is encrypted with it`,
          `set it (an empty value leaves the key unprotected): ${passwordEnv}=… as-proxy-wasm keygen`,
        );
      }
      const privatePath = resolve(io.cwd, `${options.outputKeyPrefix}.key`);
      const publicPath = resolve(io.cwd, `${options.outputKeyPrefix}.pub`);
      if (!options.force) {
        for (const path of [privatePath, publicPath]) {
          if (await exists(path)) throw new UsageError(`${path} already exists`, "keep it, or pass --force to replace the key pair");
        }
      }
      const { generateKeyPair } = await import("../../sign/index.js");
      const pair = generateKeyPair(password);
      await writeAtomically(privatePath, pair.privateKey, { mode: 0o600 });
      await writeAtomically(publicPath, pair.publicKey, { mode: 0o644 });
      io.stdout.write(`private key written to ${options.outputKeyPrefix}.key (mode 0600)\npublic key written to ${options.outputKeyPrefix}.pub\n`);
    });
}

/** The private key of `--sign <file>`, decrypted with $COSIGN_PASSWORD (empty when unset). */
export async function readSigningKey(file: string, io: Io): Promise<KeyObject> {
  const { KeyError, loadPrivateKey } = await import("../../sign/index.js");
  const text = await readKeyFile(file, "--sign", io);
  try {
    return loadPrivateKey(text, io.env[passwordEnv] ?? "");
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    throw new UsageError(
      `--sign ${file}: ${error.message}`,
      /password/.test(error.message) ? `set ${passwordEnv} to the key's password` : "make one with: as-proxy-wasm keygen",
    );
  }
}

/** The public key of `--verify <file>`. */
export async function readVerifyKey(file: string, io: Io): Promise<KeyObject> {
  const { KeyError, loadPublicKey } = await import("../../sign/index.js");
  const text = await readKeyFile(file, "--verify", io);
  try {
    return loadPublicKey(text);
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    throw new UsageError(`--verify ${file}: ${error.message}`, "give the .pub file of the signing key pair (as-proxy-wasm keygen, cosign generate-key-pair)");
  }
}

async function readKeyFile(file: string, flag: string, io: Io): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
