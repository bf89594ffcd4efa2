/** Cosign-compatible signing of pushed images: keys, signatures, verification. */
export { generateKeyPair, KeyError, loadPrivateKey, loadPublicKey, type KeyPairPem } from "./keys.js";
export { signImage, SignatureError, verifyImage } from "./signatures.js";
export { signatureTag } from "./simple-signing.js";
