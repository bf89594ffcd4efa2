// `import "as-proxy-wasm/exports"` lands here: the module exports a proxy-wasm host calls (see abi/exports.ts).
export * from "./abi/exports";
