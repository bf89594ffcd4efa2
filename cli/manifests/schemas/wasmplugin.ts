import { objectMetaSchema, policyTargetReferenceSchema } from "./kubernetes.js";

/**
 * `extensions.istio.io/v1alpha1` WasmPlugin: the `openAPIV3Schema` of istio/istio
 * `manifests/charts/base/files/crd-all.gen.yaml` (as in Istio 1.23 and on master), reduced to the fields this CLI
 * emits, CEL rules (`x-kubernetes-validations`) included verbatim.
 *
 * One deliberate addition: Istio 1.23's CRD limited `targetRefs` to Service and Gateway with a CEL rule;
 * later CRDs dropped the rule while the API documentation lists four attachable kinds (Gateway,
 * GatewayClass, Service, ServiceEntry). The rule below states that list, so a typo'd kind fails here
 * instead of silently attaching to nothing.
 */
export const targetRefKindsRule =
  "[self.group, self.kind] in [['core','Service'], ['','Service'], ['gateway.networking.k8s.io','Gateway'], " +
  "['gateway.networking.k8s.io','GatewayClass'], ['networking.istio.io','ServiceEntry']]";

export const wasmPluginSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { type: "string", enum: ["extensions.istio.io/v1alpha1"] },
    kind: { type: "string", enum: ["WasmPlugin"] },
    metadata: objectMetaSchema,
    spec: {
      type: "object",
      required: ["url"],
      properties: {
        failStrategy: { type: "string", enum: ["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"] },
        imagePullPolicy: { type: "string", enum: ["UNSPECIFIED_POLICY", "IfNotPresent", "Always"] },
        imagePullSecret: { type: "string", minLength: 1, maxLength: 253 },
        match: {
          type: "array",
          items: {
            type: "object",
            properties: {
              mode: { type: "string", enum: ["UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"] },
              ports: {
                type: "array",
                "x-kubernetes-list-map-keys": ["number"],
                "x-kubernetes-list-type": "map",
                items: {
                  type: "object",
                  required: ["number"],
                  properties: { number: { type: "integer", minimum: 1, maximum: 65535 } },
                },
              },
            },
          },
        },
        phase: { type: "string", enum: ["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"] },
        pluginConfig: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        pluginName: { type: "string", minLength: 1, maxLength: 256 },
        priority: { type: "integer", format: "int32", nullable: true },
        selector: {
          type: "object",
          properties: {
            matchLabels: {
              type: "object",
              maxProperties: 4096,
              additionalProperties: {
                type: "string",
                maxLength: 63,
                "x-kubernetes-validations": [{ message: "wildcard not allowed in label value match", rule: "!self.contains('*')" }],
              },
              "x-kubernetes-validations": [
                { message: "wildcard not allowed in label key match", rule: "self.all(key, !key.contains('*'))" },
                { message: "key must not be empty", rule: "self.all(key, key.size() != 0)" },
              ],
            },
          },
        },
        sha256: { type: "string", pattern: "(^$|^[a-f0-9]{64}$)" },
        targetRefs: {
          type: "array",
          maxItems: 16,
          items: {
            ...policyTargetReferenceSchema,
            "x-kubernetes-validations": [
              {
                message:
                  "Support kinds are core/Service, gateway.networking.k8s.io/Gateway, " +
                  "gateway.networking.k8s.io/GatewayClass and networking.istio.io/ServiceEntry",
                rule: targetRefKindsRule,
              },
            ],
          },
        },
        type: { type: "string", enum: ["UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"] },
        url: {
          type: "string",
          minLength: 1,
          "x-kubernetes-validations": [
            {
              message: "url must have schema one of [http, https, file, oci]",
              rule:
                "isURL(self) ? (url(self).getScheme() in ['', 'http', 'https', 'oci', 'file']) : " +
                "(isURL('http://' + self) && url('http://' + self).getScheme() in ['', 'http', 'https', 'oci', 'file'])",
            },
          ],
        },
        vmConfig: {
          type: "object",
          properties: {
            env: {
              type: "array",
              maxItems: 256,
              "x-kubernetes-list-map-keys": ["name"],
              "x-kubernetes-list-type": "map",
              items: {
                type: "object",
                required: ["name"],
                properties: {
                  name: { type: "string", minLength: 1, maxLength: 256 },
                  value: { type: "string", maxLength: 2048 },
                  valueFrom: { type: "string", enum: ["INLINE", "HOST"] },
                },
                "x-kubernetes-validations": [
                  {
                    message: "value may only be set when valueFrom is INLINE",
                    rule: "(has(self.valueFrom) ? self.valueFrom : '') != 'HOST' || !has(self.value)",
                  },
                ],
              },
            },
          },
        },
      },
      "x-kubernetes-validations": [
        {
          message: "only one of targetRefs or selector can be set",
          rule: "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1",
        },
      ],
    },
  },
} as const;
