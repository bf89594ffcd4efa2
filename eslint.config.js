// Lints the TypeScript tooling (CLI, host emulator, tests, benchmarks); the AssemblyScript SDK and filters
// are checked by the AssemblyScript compiler instead (.prettierignore lists the same exclusions).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "bench/envoy/solo/**",
      "sdk/**",
      "examples/*/assembly/**",
      "templates/**/assembly/**",
      "test/fixtures/**",
      "bench/fixtures/**",
      "dist/**",
      "docs/**",
      "node_modules/**",
      ".test-cache/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // Binary formats, terminal escapes and CEL strings are matched byte for byte on purpose.
      "no-control-regex": "off",
    },
  },
  // Tests walk parsed YAML and JSON documents by path.
  { files: ["test/**"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        performance: "readonly",
        WebAssembly: "readonly",
        structuredClone: "readonly",
        queueMicrotask: "readonly",
        Response: "readonly",
        Request: "readonly",
        Headers: "readonly",
        Blob: "readonly",
        ReadableStream: "readonly",
        crypto: "readonly",
      },
    },
  },
);
