// A compact JWS token (RFC 7515 §7.1) signed with HS256, checked in this order: shape, header (alg must be
// HS256, no critical extensions), signature against each configured secret, then the payload as a JSON
// object. Only HS256 is accepted: "none" and every other algorithm (RS256 with the secret as a "public
// key", the classic confusion) are refused before any signature is computed.
import { decodeBase64url } from "./base64url";
import { Claims, parseClaims } from "./claims";
import { hmacSha256, sameBytes } from "./hmac";

export class Verified {
  constructor(
    /** Why the token is refused ("" when it is valid): safe to show the client and to log. */
    public readonly error: string,
    public readonly claims: Claims | null,
  ) {}
}

function refused(reason: string): Verified {
  return new Verified(reason, null);
}

/** Verifies `token` against `secrets` (any one may have signed it: rotation). */
export function verifyToken(token: string, secrets: Uint8Array[]): Verified {
  const firstDot = token.indexOf(".");
  const secondDot = firstDot < 0 ? -1 : token.indexOf(".", firstDot + 1);
  if (firstDot <= 0 || secondDot < 0 || token.indexOf(".", secondDot + 1) >= 0) return refused("the token is not a compact JWS");
  const headerBytes = decodeBase64url(token, 0, firstDot);
  const payloadBytes = decodeBase64url(token, firstDot + 1, secondDot);
  const signature = decodeBase64url(token, secondDot + 1, token.length);
  if (headerBytes == null || payloadBytes == null || signature == null) return refused("the token is not base64url");

  const header = parseClaims(headerBytes);
  if (header == null) return refused("the token header is not a JSON object");
  const alg = header.string("alg");
  if (alg == null || alg != "HS256") return refused("the token algorithm is not HS256");
  if (header.has("crit")) return refused("the token has critical header extensions");

  if (!signedByOneOf(token.substring(0, secondDot), signature, secrets)) return refused("the token signature is invalid");
  const claims = parseClaims(payloadBytes);
  if (claims == null) return refused("the token payload is not a JSON object");
  return new Verified("", claims);
}

function signedByOneOf(signingInput: string, signature: Uint8Array, secrets: Uint8Array[]): bool {
  if (signature.length != 32) return false;
  const message = Uint8Array.wrap(String.UTF8.encode(signingInput));
  let valid = false;
  // Every secret is tried, so the time taken does not say which one signed.
  for (let i = 0; i < secrets.length; i++) valid = sameBytes(hmacSha256(secrets[i], message), signature) || valid;
  return valid;
}
