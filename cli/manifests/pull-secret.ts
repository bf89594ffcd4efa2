import { objectMetaSchema } from "./schemas/kubernetes.js";
import { validateManifest } from "./validate.js";

/** A registry login as the docker config holds it: a username and password, or an identity token. */
export interface RegistryLogin {
  username?: string;
  password?: string;
  identityToken?: string;
}

export interface PullSecretInput {
  name: string;
  namespace?: string;
  /** The key of the registry in `auths` (`https://index.docker.io/v1/` for Docker Hub). */
  registryKey: string;
  login: RegistryLogin;
}

export interface PullSecret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: { name: string; namespace?: string };
  type: "kubernetes.io/dockerconfigjson";
  data: { ".dockerconfigjson": string };
}

/** A core/v1 Secret of type dockerconfigjson, as the API server checks it. */
const pullSecretSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "type", "data"],
  properties: {
    apiVersion: { enum: ["v1"] },
    kind: { enum: ["Secret"] },
    metadata: objectMetaSchema,
    type: { enum: ["kubernetes.io/dockerconfigjson"] },
    data: {
      type: "object",
      required: [".dockerconfigjson"],
      properties: { ".dockerconfigjson": { type: "string", minLength: 1, pattern: "^[A-Za-z0-9+/]*={0,2}$" } },
    },
  },
} as const;

/**
 * The `kubernetes.io/dockerconfigjson` Secret that Istio's `imagePullSecret`, Higress's `imagePullSecret`
 * and Envoy Gateway's `pullSecretRef` name: one `auths` entry with the login, base64 in `data` as the API
 * server stores it. The result holds the secret: write it only to stdout or a private file.
 */
export function buildPullSecret(input: PullSecretInput): PullSecret {
  const { username, password, identityToken } = input.login;
  const entry = identityToken
    ? { identitytoken: identityToken }
    : { username, password, auth: Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64") };
  const dockerConfig = JSON.stringify({ auths: { [input.registryKey]: entry } });
  const secret: PullSecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: input.namespace === undefined ? { name: input.name } : { name: input.name, namespace: input.namespace },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(dockerConfig).toString("base64") },
  };
  validateManifest(pullSecretSchema, secret);
  return secret;
}
