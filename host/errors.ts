/** An error of the host emulator, naming the operation (callback or host call) and the context it ran for. */
export class HostError extends Error {
  constructor(
    message: string,
    readonly operation: string,
    readonly contextId?: number,
    options?: { cause?: unknown },
  ) {
    super(contextId === undefined ? `${operation}: ${message}` : `${operation} (context ${contextId}): ${message}`, options);
    this.name = "HostError";
  }
}

/** The module trapped (unreachable, out-of-bounds access, abort, proc_exit): the VM is failed afterwards. */
export class WasmTrapError extends HostError {
  constructor(
    message: string,
    operation: string,
    contextId: number | undefined,
    cause: unknown,
    /** The module's call stack at the trap, innermost first: function names (debug builds) or `wasm-function[i]:0x…`. */
    readonly wasmFrames: string[] = [],
  ) {
    super(`module trapped: ${message}`, operation, contextId, { cause });
    this.name = "WasmTrapError";
  }
}

/** Thrown inside a host function when the module passed a pointer outside its memory; becomes a status code. */
export class MemoryFault extends Error {
  constructor(ptr: number, size: number) {
    super(`memory access out of bounds: ${size} bytes at ${ptr}`);
    this.name = "MemoryFault";
  }
}

/** Thrown by WASI proc_exit: unwinds the module like a trap, as cpp-host fails the VM. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code}) called`);
    this.name = "ProcExit";
  }
}

/** Wraps a host function so a bad pointer from the module returns `code` (a status or errno) instead of throwing. */
export function faultsAs<F extends (...args: never[]) => number | void>(code: number, f: F): F {
  return ((...args: never[]) => {
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof MemoryFault) return code;
      throw e;
    }
  }) as F;
}
