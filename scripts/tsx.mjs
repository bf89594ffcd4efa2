// `node --import ./scripts/tsx.mjs …`: tsx for this repository's TypeScript (tests, bench), without tsx's pass
// over the packages' own ES modules. tsx reads every ES module it loads to decide whether to transform it;
// binaryen's 13.5 MB index.js, which the AssemblyScript compiler loads, then cost each test process that
// compiles ~7 s of CPU instead of 0.4 s. Packages ship JavaScript: they load as Node loads them.
import "tsx";
import { register } from "node:module";

// Registered after tsx, so its load hook runs first (hooks run last-registered first).
register("./tsx-packages-hooks.mjs", import.meta.url);
