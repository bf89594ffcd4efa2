// AssemblyScript entry of the package: `import { ... } from "as-proxy-wasm"` resolves here (asc 0.28 looks
// for <package>/index.ts and ignores "ascMain"). The SDK itself lives in sdk/.
export * from "./sdk/index";
