// AssemblyScript compiler transform (loaded by the root asconfig.json): drops the exports of callbacks that no
// context class of the filter overrides. A host calls every exported per-stream callback on every request; a
// callback the filter does not override would only return the default action, so leaving it out saves the host
// a call per request (and the module its code). The root's timer, queue and foreign-function callbacks go the
// same way when not overridden (their defaults do nothing, and Envoy calls each only if exported), which
// trims every filter that uses none of them. Callbacks that keep SDK state (context create/delete, callout
// answers) and the once-per-plugin ones always stay. If it cannot find the SDK's context classes it changes
// nothing.
import { Transform } from "assemblyscript/transform";

/** Callback export → the context method that handles it. */
const OPTIONAL = {
  proxy_on_request_headers: "onRequestHeaders",
  proxy_on_request_body: "onRequestBody",
  proxy_on_request_trailers: "onRequestTrailers",
  proxy_on_response_headers: "onResponseHeaders",
  proxy_on_response_body: "onResponseBody",
  proxy_on_response_trailers: "onResponseTrailers",
  proxy_on_new_connection: "onNewConnection",
  proxy_on_downstream_data: "onDownstreamData",
  proxy_on_downstream_connection_close: "onDownstreamConnectionClose",
  proxy_on_upstream_data: "onUpstreamData",
  proxy_on_upstream_connection_close: "onUpstreamConnectionClose",
  proxy_on_log: "onLog",
  proxy_on_done: "onDone",
  proxy_on_tick: "onTick",
  proxy_on_queue_ready: "onQueueReady",
  proxy_on_foreign_function: "onForeignFunction",
};

const SDK_CONTEXT = /(^|\/)sdk\/context\/(BaseContext|RootContext|HttpStream|TcpStream|HttpContext|TcpContext)$/;
const SDK_EXPORTS = /(^|\/)sdk\/abi\/exports$/;

export default class TrimCallbacks extends Transform {
  afterInitialize(program) {
    const exportsFile = [...program.filesByName.values()].find((f) => SDK_EXPORTS.test(f.internalName));
    if (!exportsFile || !exportsFile.exports) return;
    const overridden = overriddenMethods(program);
    if (!overridden) return;
    for (const [name, method] of Object.entries(OPTIONAL)) {
      if (!overridden.has(method)) exportsFile.exports.delete(name);
    }
  }
}

/** Method names declared by classes deriving from the SDK's contexts, or null when there are none. */
function overriddenMethods(program) {
  const names = new Set();
  let found = false;
  const visit = (element) => {
    // Namespaces (and classes) hold further declarations.
    if (element.members) for (const member of element.members.values()) visit(member);
    // Class prototypes have instance members and a base prototype (duck-typed: the transform may be
    // loaded with another copy of the compiler module than the one running).
    if (!("basePrototype" in element) || SDK_CONTEXT.test(element.internalName)) return;
    let base = element.basePrototype;
    while (base && !SDK_CONTEXT.test(base.internalName)) base = base.basePrototype;
    if (!base) return;
    found = true;
    for (let c = element; c && c !== base; c = c.basePrototype) {
      for (const member of c.instanceMembers?.keys() ?? []) names.add(member);
    }
  };
  for (const file of program.filesByName.values()) {
    if (file.members) for (const element of file.members.values()) visit(element);
  }
  return found ? names : null;
}
