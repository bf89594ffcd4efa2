/**
 * A compiler transform `build` runs: a filter callback must return its own status enum. The SDK's status
 * enums are all i32 to AssemblyScript, so `onRequestHeaders` returning `FilterDataStatus.StopIterationAndBuffer`
 * compiles silently, and the host reads the 1 as `FilterHeadersStatus.StopIteration`. This reports such a
 * return (or a declared return type of the wrong enum) as a compile error at its source line.
 */
import { DiagnosticCode, NodeKind } from "assemblyscript";
import type { Node, Program, Range } from "assemblyscript";

/** Each context method whose result the host reads, and the enum it must be. */
const RESULT_ENUM: Record<string, string> = {
  onRequestHeaders: "FilterHeadersStatus",
  onResponseHeaders: "FilterHeadersStatus",
  onRequestBody: "FilterDataStatus",
  onResponseBody: "FilterDataStatus",
  onRequestTrailers: "FilterTrailersStatus",
  onResponseTrailers: "FilterTrailersStatus",
  onNewConnection: "FilterStatus",
  onDownstreamData: "FilterStatus",
  onUpstreamData: "FilterStatus",
};
const STATUS_ENUMS = new Set(Object.values(RESULT_ENUM));

/** The SDK's context classes, as asc names them in the repository (`sdk/context/…`) and installed (`~lib/as-proxy-wasm/sdk/context/…`). */
const SDK_CONTEXT = /(^|\/)sdk\/context\/(HttpStream|TcpStream|HttpContext|TcpContext)$/;

/** Duck-typed views of asc's elements: the transform may see another copy of the compiler module. */
interface ClassLike {
  internalName: string;
  basePrototype: ClassLike | null;
  instanceMembers: Map<string, { declaration?: MethodLike }> | null;
  members?: Map<string, unknown> | null;
}
interface MethodLike {
  signature?: { returnType?: Node & { name?: { identifier?: { text: string } } } };
  body?: Node | null;
}

export const statusCheck = {
  afterInitialize(program: Program): void {
    for (const cls of contextClasses(program)) {
      for (const [method, member] of cls.instanceMembers ?? []) {
        const expected = RESULT_ENUM[method];
        if (expected && member.declaration) checkMethod(program, method, expected, member.declaration);
      }
    }
  },
};

function checkMethod(program: Program, method: string, expected: string, declaration: MethodLike): void {
  const declared = declaration.signature?.returnType;
  const declaredName = declared?.kind === NodeKind.NamedType ? declared.name?.identifier?.text : undefined;
  if (declaredName && declaredName !== expected && STATUS_ENUMS.has(declaredName)) {
    report(program, declared!.range, `${method} is declared to return ${declaredName}, but the host reads its result as ${expected}: declare it ${expected}`);
  }
  for (const value of returnedValues(declaration.body)) {
    const [enumName, member] = enumMember(value);
    if (!enumName || enumName === expected || !STATUS_ENUMS.has(enumName)) continue;
    report(
      program,
      value.range,
      `${method} returns ${enumName}.${member}, but the host reads its result as ${expected} (a number: this one means something else there): return a ${expected}`,
    );
  }
}

function report(program: Program, range: Range, message: string): void {
  program.error(DiagnosticCode.User_defined_0, range, message);
}

/** `Enum.Member` of a property access on an identifier, else `[]`. */
function enumMember(node: Node): [string?, string?] {
  if (node.kind !== NodeKind.PropertyAccess) return [];
  const access = node as Node & { expression: Node & { text?: string }; property: { text: string } };
  return access.expression.kind === NodeKind.Identifier ? [access.expression.text, access.property.text] : [];
}

/** The values of the `return` statements in a method body, not those of function literals inside it. */
function returnedValues(body: Node | null | undefined): Node[] {
  const values: Node[] = [];
  const seen = new Set<Node>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isNode(node) || node.kind === NodeKind.Function || seen.has(node)) return;
    seen.add(node);
    if (node.kind === NodeKind.Return) {
      const value = (node as Node & { value: Node | null }).value;
      if (value) values.push(value);
      return;
    }
    for (const [key, child] of Object.entries(node)) if (key !== "range") visit(child);
  };
  visit(body);
  return values;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as Node).kind === "number" && "range" in value;
}

/** Classes of the filter's own sources that derive from an SDK context class. */
function contextClasses(program: Program): ClassLike[] {
  const found: ClassLike[] = [];
  const visit = (element: unknown): void => {
    const cls = element as ClassLike;
    if (cls.members) for (const member of cls.members.values()) visit(member);
    if (!("basePrototype" in cls) || SDK_CONTEXT.test(cls.internalName)) return;
    for (let base = cls.basePrototype; base; base = base.basePrototype) {
      if (SDK_CONTEXT.test(base.internalName)) return void found.push(cls);
    }
  };
  for (const file of program.filesByName.values()) visit(file);
  return found;
}
