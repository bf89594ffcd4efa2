import { objectMetaSchema, policyTargetReferenceSchema } from "./kubernetes.js";

/**
 * `networking.istio.io/v1alpha3` EnvoyFilter: the `openAPIV3Schema` of istio/istio
 * `manifests/charts/base/files/crd-all.gen.yaml`, reduced to the fields this CLI emits (HTTP_FILTER and
 * CLUSTER patches), CEL rules (`x-kubernetes-validations`) included verbatim.
 */
export const envoyFilterSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { type: "string", enum: ["networking.istio.io/v1alpha3"] },
    kind: { type: "string", enum: ["EnvoyFilter"] },
    metadata: objectMetaSchema,
    spec: {
      type: "object",
      properties: {
        configPatches: {
          type: "array",
          items: {
            type: "object",
            properties: {
              applyTo: {
                type: "string",
                enum: [
                  "INVALID",
                  "LISTENER",
                  "FILTER_CHAIN",
                  "NETWORK_FILTER",
                  "HTTP_FILTER",
                  "ROUTE_CONFIGURATION",
                  "VIRTUAL_HOST",
                  "HTTP_ROUTE",
                  "CLUSTER",
                  "EXTENSION_CONFIG",
                  "BOOTSTRAP",
                  "LISTENER_FILTER",
                ],
              },
              match: {
                type: "object",
                // The CRD's encoding of the proto oneof: at most one of listener, routeConfiguration, cluster.
                oneOf: [
                  { not: { anyOf: [{ required: ["listener"] }, { required: ["routeConfiguration"] }, { required: ["cluster"] }] } },
                  { required: ["listener"] },
                  { required: ["routeConfiguration"] },
                  { required: ["cluster"] },
                ],
                properties: {
                  cluster: {
                    type: "object",
                    properties: {
                      name: { type: "string" },
                      portNumber: { type: "integer", minimum: 0, maximum: 4294967295 },
                      service: { type: "string" },
                      subset: { type: "string" },
                    },
                  },
                  context: { type: "string", enum: ["ANY", "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY"] },
                  listener: {
                    type: "object",
                    properties: {
                      filterChain: {
                        type: "object",
                        properties: {
                          filter: {
                            type: "object",
                            properties: {
                              name: { type: "string" },
                              subFilter: { type: "object", properties: { name: { type: "string" } } },
                            },
                          },
                          name: { type: "string" },
                        },
                      },
                      name: { type: "string" },
                      portNumber: { type: "integer", minimum: 0, maximum: 4294967295 },
                    },
                  },
                },
              },
              patch: {
                type: "object",
                properties: {
                  filterClass: { type: "string", enum: ["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"] },
                  operation: {
                    type: "string",
                    enum: ["INVALID", "MERGE", "ADD", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"],
                  },
                  value: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
            },
          },
        },
        priority: { type: "integer", format: "int32" },
        targetRefs: { type: "array", maxItems: 16, items: policyTargetReferenceSchema },
        workloadSelector: {
          type: "object",
          properties: {
            labels: {
              type: "object",
              maxProperties: 256,
              additionalProperties: {
                type: "string",
                maxLength: 63,
                "x-kubernetes-validations": [{ message: "wildcard is not supported in selector", rule: "!self.contains('*')" }],
              },
            },
          },
        },
      },
      "x-kubernetes-validations": [
        {
          message: "only one of targetRefs or workloadSelector can be set",
          rule: "(has(self.workloadSelector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1",
        },
      ],
    },
  },
} as const;
