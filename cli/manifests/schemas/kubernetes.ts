/**
 * Schema pieces shared by the Istio CRDs, in the OpenAPI v3 dialect of Kubernetes structural schemas
 * (validated here by `validate.ts`, which knows the `x-kubernetes-*` keywords). Copied from the subset of
 * istio/istio `manifests/charts/base/files/crd-all.gen.yaml` that the generators emit.
 */

/** `metadata` as the API server checks it for any namespaced object (not part of the CRD text). */
export const objectMetaSchema = {
  type: "object",
  required: ["name"],
  properties: {
    name: {
      description: "DNS-1123 subdomain",
      type: "string",
      minLength: 1,
      maxLength: 253,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    },
    namespace: {
      description: "DNS-1123 label",
      type: "string",
      minLength: 1,
      maxLength: 63,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    },
  },
} as const;

/** `istio.type.v1beta1.PolicyTargetReference`, as in the WasmPlugin and EnvoyFilter CRDs. */
export const policyTargetReferenceSchema = {
  type: "object",
  required: ["kind", "name"],
  properties: {
    group: {
      description: "group is the group of the target resource.",
      type: "string",
      maxLength: 253,
      pattern: "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    },
    kind: {
      description: "kind is kind of the target resource.",
      type: "string",
      minLength: 1,
      maxLength: 63,
      pattern: "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$",
    },
    name: {
      description: "name is the name of the target resource.",
      type: "string",
      minLength: 1,
      maxLength: 253,
    },
    namespace: {
      description: "namespace is the namespace of the referent.",
      type: "string",
      "x-kubernetes-validations": [{ message: "cross namespace referencing is not currently supported", rule: "self.size() == 0" }],
    },
  },
} as const;
