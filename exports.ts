// `export * from "as-proxy-wasm/exports"` in a filter's entry file resolves here: the callbacks a
// proxy-wasm host calls (sdk/abi/exports.ts).
export * from "./sdk/exports";
