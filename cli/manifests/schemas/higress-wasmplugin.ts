import { objectMetaSchema } from "./kubernetes.js";

/**
 * `extensions.higress.io/v1alpha1` WasmPlugin: the `openAPIV3Schema` of alibaba/higress
 * `api/kubernetes/customresourcedefinitions.gen.yaml` (https://github.com/alibaba/higress, Higress v2 line at
 * commit 9437a213: `failStrategy`, `vmConfig`, `matchRules[].routeType`), the whole spec verbatim.
 *
 * One addition: `additionalProperties: false`, as kubectl's strict field validation (its default since
 * Kubernetes 1.27) refuses an unknown field instead of pruning it: a misspelt `matchRule` fails here.
 */
const stringList = { type: "array", items: { type: "string" } } as const;

export const higressWasmPluginSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { type: "string", enum: ["extensions.higress.io/v1alpha1"] },
    kind: { type: "string", enum: ["WasmPlugin"] },
    metadata: objectMetaSchema,
    spec: {
      type: "object",
      additionalProperties: false,
      properties: {
        defaultConfig: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        defaultConfigDisable: { type: "boolean" },
        failStrategy: { type: "string", enum: ["FAIL_CLOSE", "FAIL_OPEN"] },
        imagePullPolicy: { type: "string", enum: ["UNSPECIFIED_POLICY", "IfNotPresent", "Always"] },
        imagePullSecret: { type: "string" },
        matchRules: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            properties: {
              config: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              configDisable: { type: "boolean" },
              domain: stringList,
              ingress: stringList,
              routeType: { type: "string", enum: ["HTTP", "GRPC"] },
              service: stringList,
            },
          },
        },
        phase: { type: "string", enum: ["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"] },
        pluginConfig: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        pluginName: { type: "string" },
        priority: { type: "integer", nullable: true },
        sha256: { type: "string" },
        url: { type: "string" },
        verificationKey: { type: "string" },
        vmConfig: {
          type: "object",
          additionalProperties: false,
          properties: {
            env: {
              type: "array",
              items: {
                type: "object",
                additionalProperties: false,
                properties: {
                  name: { type: "string" },
                  value: { type: "string" },
                  valueFrom: { type: "string", enum: ["INLINE", "HOST"] },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
