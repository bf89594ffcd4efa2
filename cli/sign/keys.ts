import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync, type KeyObject } from "node:crypto";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa";

/**
 * Signing keys in cosign's formats, so one key pair serves both tools: the private key as cosign's
 * `ENCRYPTED SIGSTORE PRIVATE KEY` PEM (go-securesystemslib `encrypted`: scrypt N=65536 r=8 p=1 derives a
 * 32-byte key from the password, nacl secretbox seals the PKCS#8 DER; the PEM body is that envelope as
 * JSON), the public key as a PKIX `PUBLIC KEY` PEM. ECDSA P-256, as `cosign generate-key-pair` makes.
 */
const encryptedLabels = ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"];
const scryptParams = { N: 65536, r: 8, p: 1 };

interface Envelope {
  kdf: { name: "scrypt"; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: "nacl/secretbox"; nonce: string };
  ciphertext: string;
}

/** A key file that cannot be read as a key: the reason says what is wrong, never the password. */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

/** A new ECDSA P-256 key pair: the private key encrypted with `password` (which may be empty, as cosign allows). */
export function generateKeyPair(password: string): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privateKey: encryptPrivateKey(privateKey.export({ type: "pkcs8", format: "der" }), password),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export function encryptPrivateKey(pkcs8: Uint8Array, password: string): string {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const ciphertext = xsalsa20poly1305(derive(password, salt, scryptParams), nonce).encrypt(pkcs8);
  const envelope: Envelope = {
    kdf: { name: "scrypt", params: scryptParams, salt: salt.toString("base64") },
    cipher: { name: "nacl/secretbox", nonce: nonce.toString("base64") },
    ciphertext: Buffer.from(ciphertext).toString("base64"),
  };
  return pem(encryptedLabels[0], Buffer.from(JSON.stringify(envelope)));
}

/**
 * Reads a private key: cosign's encrypted PEM (either label cosign has used), or an unencrypted PKCS#8 /
 * SEC1 EC PEM (`openssl ecparam -genkey`), which needs no password.
 */
export function loadPrivateKey(text: string, password: string): KeyObject {
  const block = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!block) throw new KeyError("not a PEM private key");
  if (!encryptedLabels.includes(block[1])) {
    try {
      return checkedEcKey(createPrivateKey(text));
    } catch (error) {
      if (error instanceof KeyError) throw error;
      throw new KeyError(`not a usable private key (${block[1]})`);
    }
  }
  let envelope: Envelope;
  try {
    envelope = JSON.parse(Buffer.from(block[2].replace(/\s+/g, ""), "base64").toString("utf8")) as Envelope;
  } catch {
    throw new KeyError(`${block[1]}: the body is not cosign's JSON envelope`);
  }
  if (envelope.kdf?.name !== "scrypt" || envelope.cipher?.name !== "nacl/secretbox") {
    throw new KeyError(`${block[1]}: unsupported encryption ${envelope.kdf?.name}/${envelope.cipher?.name}`);
  }
  const key = derive(password, Buffer.from(envelope.kdf.salt, "base64"), envelope.kdf.params);
  let der: Uint8Array;
  try {
    der = xsalsa20poly1305(key, Buffer.from(envelope.cipher.nonce, "base64")).decrypt(Buffer.from(envelope.ciphertext, "base64"));
  } catch {
    throw new KeyError("wrong password for the private key (COSIGN_PASSWORD)");
  }
  return checkedEcKey(createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" }));
}

/** Reads a PKIX `PUBLIC KEY` PEM (what `cosign generate-key-pair` and `keygen` write). */
export function loadPublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    throw new KeyError("not a PEM public key");
  }
  return checkedEcKey(key);
}

function checkedEcKey(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new KeyError(
      `an ECDSA P-256 key is needed (this is ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ""})`,
    );
  }
  return key;
}

function derive(password: string, salt: Uint8Array, params: { N: number; r: number; p: number }): Uint8Array {
  return scryptSync(password, salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 });
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
