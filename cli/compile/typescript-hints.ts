/**
 * TypeScript that AssemblyScript does not compile, recognised from asc's diagnostics. asc's first error for
 * such code often names a symptom (`TS1109: Expression expected.` for `a?.b`, `TS1003: Identifier
 * expected.` for `function*`); each rule turns it into one line naming the construct and what to write
 * instead. The same list is the "TypeScript you can't use here" section of sdk/README.md.
 */

interface Rule {
  /** The diagnostic's code and message, e.g. `AS100: Not implemented: Closures`. */
  diagnostic: RegExp;
  /** The source line asc quotes under it, when the code alone is ambiguous. */
  source?: RegExp;
  hint: string;
}

const SECTION = 'see "TypeScript you can\'t use here" in node_modules/as-proxy-wasm/sdk/README.md';

const RULES: Rule[] = [
  {
    diagnostic: /^AS100: Not implemented: Closures/,
    hint: "AssemblyScript has no closures: a function literal (`(x) => ...` passed to forEach/filter/map) cannot use the enclosing function's variables or parameters; write a for loop instead",
  },
  {
    diagnostic: /^AS100: Not implemented: Iterators/,
    hint: "AssemblyScript has no iterators: `for...of` does not compile; loop with an index (`for (let i = 0; i < xs.length; i++)`), over a Map's `keys()` or `values()` array",
  },
  {
    diagnostic: /^TS1003: Identifier expected/,
    source: /\bfunction\s*\*|\byield\b/,
    hint: "AssemblyScript has no generators (`function*`, `yield`): return an array instead",
  },
  {
    diagnostic: /^TS100[35]: /,
    source: /\b(?:const|let|var)\s*[[{]/,
    hint: "AssemblyScript has no destructuring (`const [k, v] = ...`, `const { a } = obj`, `for (const [k, v] of map)`): read each element or field by name",
  },
  {
    diagnostic: /^TS1109: Expression expected/,
    source: /\?\.|\?\?/,
    hint: "AssemblyScript has no optional chaining (`a?.b`) or `??`: test for null first (`const v = map.has(k) ? map.get(k) : null; if (v !== null) ...`)",
  },
  {
    diagnostic: /^TS1005: '\{' expected/,
    source: /\basync\b|\bawait\b/,
    hint: "AssemblyScript has no async/await or Promise: proxy-wasm callbacks are synchronous; an HTTP callout's answer arrives in onHttpCallResponse",
  },
  {
    diagnostic: /^AS100: Not implemented: Exceptions/,
    hint: "AssemblyScript has no exceptions: try/catch does not compile and `throw` aborts the module (Envoy then fails the VM); return a status or null instead",
  },
  {
    diagnostic: /^AS100: Not implemented: union types/,
    hint: "AssemblyScript has no union types except `T | null`: use one type (e.g. a string, parsed where needed) or a class with a kind field",
  },
  {
    diagnostic: /^AS100: Not implemented: Spread operator/,
    hint: "AssemblyScript has no spread (`...xs`): use `a.concat(b)` or push in a loop",
  },
  {
    diagnostic: /^TS2304: Cannot find name '(?:any|unknown|undefined)'/,
    hint: 'AssemblyScript has no `any`, `unknown` or `undefined`: name a concrete type, and use `T | null` with null for "absent"',
  },
  {
    diagnostic: /^TS2322: Type '<object>' is not assignable to type 'auto'/,
    hint: "an object literal needs a declared class type in AssemblyScript: `class Opts { a: i32 = 0 }` then `const o: Opts = { a: 1 }`",
  },
];

/** One hint per construct asc tripped on, in the order of the diagnostics; empty when none applies. */
export function typescriptHints(diagnostics: string): string[] {
  const hints = new Set<string>();
  for (const block of diagnostics.split(/\n\s*\n/)) {
    const head = /^(?:ERROR|WARNING) ((?:TS|AS)\d+: .*)$/m.exec(block);
    if (!head) continue;
    const source = /^\s*\d+ │ (.*)$/m.exec(block)?.[1] ?? "";
    const rule = RULES.find((r) => r.diagnostic.test(head[1]) && (!r.source || r.source.test(source)));
    if (rule) hints.add(`${rule.hint} (${SECTION})`);
  }
  return [...hints];
}
