/**
 * The parts of Envoy's v3 API that the generators emit, as JSON Schema: field names from the v3 protos
 * (proto JSON, snake_case) and the `validate.rules` (protoc-gen-validate) constraints Envoy enforces on
 * them when it loads a config. Not a full Envoy schema: enough that a wrong port, an empty uri or a
 * duration without unit fails here instead of in Envoy.
 */

/** google.protobuf.Duration in proto JSON: seconds with an `s` suffix. */
const durationSchema = { type: "string", pattern: "^[0-9]+(\\.[0-9]{1,9})?s$" } as const;

const socketAddressSchema = {
  type: "object",
  required: ["address", "port_value"],
  properties: {
    address: { type: "string", minLength: 1 },
    port_value: { type: "integer", minimum: 0, maximum: 65535 },
  },
} as const;

const addressSchema = {
  type: "object",
  required: ["socket_address"],
  properties: { socket_address: socketAddressSchema },
} as const;

/** envoy.config.cluster.v3.Cluster, the fields of a static cluster. */
export const envoyClusterSchema = {
  type: "object",
  required: ["name", "connect_timeout", "type", "load_assignment"],
  properties: {
    name: { type: "string", minLength: 1 },
    connect_timeout: durationSchema,
    type: { type: "string", enum: ["STATIC", "STRICT_DNS", "LOGICAL_DNS"] },
    lb_policy: { type: "string", enum: ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"] },
    load_assignment: {
      type: "object",
      required: ["cluster_name", "endpoints"],
      properties: {
        cluster_name: { type: "string", minLength: 1 },
        endpoints: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["lb_endpoints"],
            properties: {
              lb_endpoints: {
                type: "array",
                minItems: 1,
                items: {
                  type: "object",
                  required: ["endpoint"],
                  properties: { endpoint: { type: "object", required: ["address"], properties: { address: addressSchema } } },
                },
              },
            },
          },
        },
      },
    },
    transport_socket: {
      type: "object",
      required: ["name", "typed_config"],
      properties: {
        name: { type: "string", enum: ["envoy.transport_sockets.tls"] },
        typed_config: {
          type: "object",
          required: ["@type"],
          properties: {
            "@type": { type: "string", enum: ["type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"] },
            sni: { type: "string", maxLength: 255 },
          },
        },
      },
    },
  },
} as const;

/** envoy.extensions.wasm.v3.PluginConfig: the `config` of the HTTP and the network wasm filter alike. */
const wasmPluginConfigSchema = {
  type: "object",
  required: ["vm_config"],
  // Envoy refuses `fail_open: true` next to any failure_policy but UNSPECIFIED ("only one of fail_open or failure_policy can be set").
  if: { required: ["failure_policy"], properties: { failure_policy: { not: { const: "UNSPECIFIED" } } } },
  then: { properties: { fail_open: { const: false } } },
  properties: {
    name: { type: "string" },
    root_id: { type: "string" },
    fail_open: { type: "boolean" },
    // envoy.extensions.wasm.v3.FailurePolicy (Envoy ≥ 1.33), by name as proto JSON writes enums.
    failure_policy: { type: "string", enum: ["UNSPECIFIED", "FAIL_RELOAD", "FAIL_CLOSED", "FAIL_OPEN"] },
    configuration: {
      type: "object",
      required: ["@type", "value"],
      properties: {
        "@type": { type: "string", enum: ["type.googleapis.com/google.protobuf.StringValue"] },
        value: { type: "string" },
      },
    },
    vm_config: {
      type: "object",
      required: ["runtime", "code"],
      properties: {
        vm_id: { type: "string" },
        runtime: { type: "string", enum: ["envoy.wasm.runtime.v8"] },
        code: {
          type: "object",
          // AsyncDataSource: oneof specifier, required.
          oneOf: [{ required: ["local"] }, { required: ["remote"] }],
          properties: {
            local: {
              type: "object",
              required: ["filename"],
              properties: { filename: { type: "string", minLength: 1 } },
            },
            remote: {
              type: "object",
              required: ["http_uri", "sha256"],
              properties: {
                sha256: { type: "string", pattern: "^[a-f0-9]{64}$" },
                http_uri: {
                  type: "object",
                  required: ["uri", "cluster", "timeout"],
                  properties: {
                    uri: { type: "string", minLength: 1, pattern: "^https?://" },
                    cluster: { type: "string", minLength: 1 },
                    timeout: durationSchema,
                  },
                },
              },
            },
          },
        },
        environment_variables: {
          type: "object",
          properties: {
            host_env_keys: { type: "array", items: { type: "string", minLength: 1 } },
            key_values: { type: "object", additionalProperties: { type: "string" } },
          },
        },
      },
    },
  },
} as const;

/** A wasm filter: its name and typed_config type must agree (HTTP or network), around the same PluginConfig. */
function wasmFilterSchema(name: string, typeUrl: string) {
  return {
    type: "object",
    required: ["name", "typed_config"],
    properties: {
      name: { type: "string", enum: [name] },
      typed_config: {
        type: "object",
        required: ["@type", "config"],
        properties: { "@type": { type: "string", enum: [typeUrl] }, config: wasmPluginConfigSchema },
      },
    },
  } as const;
}

/** envoy.extensions.filters.http.wasm.v3.Wasm inside an HttpFilter. */
export const envoyWasmFilterSchema = wasmFilterSchema("envoy.filters.http.wasm", "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");

/** envoy.extensions.filters.network.wasm.v3.Wasm inside a listener's network Filter. */
export const envoyWasmNetworkFilterSchema = wasmFilterSchema("envoy.filters.network.wasm", "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm");

/** envoy.extensions.wasm.v3.WasmService under `bootstrap_extensions` (as `envoy.bootstrap.wasm`). */
export const envoyWasmServiceSchema = {
  type: "object",
  required: ["name", "typed_config"],
  properties: {
    name: { type: "string", enum: ["envoy.bootstrap.wasm"] },
    typed_config: {
      type: "object",
      required: ["@type", "config"],
      properties: {
        "@type": { type: "string", enum: ["type.googleapis.com/envoy.extensions.wasm.v3.WasmService"] },
        singleton: { type: "boolean" },
        config: wasmPluginConfigSchema,
      },
    },
  },
} as const;

/** envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy: stat_prefix (min_len 1) and the cluster_specifier oneof, here `cluster`. */
export const envoyTcpProxySchema = {
  type: "object",
  required: ["name", "typed_config"],
  properties: {
    name: { type: "string", enum: ["envoy.filters.network.tcp_proxy"] },
    typed_config: {
      type: "object",
      required: ["@type", "stat_prefix", "cluster"],
      properties: {
        "@type": { type: "string", enum: ["type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"] },
        stat_prefix: { type: "string", minLength: 1 },
        cluster: { type: "string", minLength: 1 },
      },
    },
  },
} as const;

const httpFilterSchema = {
  type: "object",
  required: ["name", "typed_config"],
  properties: { name: { type: "string", minLength: 1 }, typed_config: { type: "object", required: ["@type"] } },
} as const;

/** envoy.config.bootstrap.v3.Bootstrap with static listeners and clusters. */
export const envoyBootstrapSchema = {
  type: "object",
  required: ["static_resources"],
  properties: {
    admin: { type: "object", required: ["address"], properties: { address: addressSchema } },
    static_resources: {
      type: "object",
      required: ["listeners", "clusters"],
      properties: {
        listeners: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["name", "address", "filter_chains"],
            properties: {
              name: { type: "string", minLength: 1 },
              address: addressSchema,
              // A UInt32Value: Envoy refuses 0 for a listener's limit (nothing could be read) and anything past 2^32-1.
              per_connection_buffer_limit_bytes: { type: "integer", minimum: 1, maximum: 4294967295 },
              filter_chains: {
                type: "array",
                minItems: 1,
                items: {
                  type: "object",
                  required: ["filters"],
                  properties: {
                    filters: {
                      type: "array",
                      items: {
                        type: "object",
                        required: ["name", "typed_config"],
                        properties: {
                          name: { type: "string", minLength: 1 },
                          typed_config: {
                            type: "object",
                            required: ["@type"],
                            properties: {
                              stat_prefix: { type: "string", minLength: 1 },
                              http_filters: { type: "array", items: httpFilterSchema },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        clusters: { type: "array", items: envoyClusterSchema },
      },
    },
    bootstrap_extensions: { type: "array", items: { type: "object", required: ["name", "typed_config"] } },
    stats_config: {
      type: "object",
      properties: {
        // envoy.config.metrics.v3.TagSpecifier: tag_name, and its value extracted by an RE2 regex (at most 1024 bytes).
        stats_tags: {
          type: "array",
          items: {
            type: "object",
            required: ["tag_name", "regex"],
            properties: { tag_name: { type: "string", minLength: 1 }, regex: { type: "string", minLength: 1, maxLength: 1024 } },
          },
        },
      },
    },
  },
} as const;
