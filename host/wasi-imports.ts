import { Errno } from "./abi.js";
import { ProcExit, faultsAs } from "./errors.js";
import type { Vm } from "./vm.js";

type WasiFunction = (...args: never[]) => number | void;

/** Random bytes per call, as cpp-host caps `random_get` (PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES). */
const RANDOM_GET_MAX = 64 * 1024;

/** The WASI subset cpp-host provides: fd_write to logs, virtual clocks, random, environment, stubs. */
export function wasiImports(vm: Vm): Record<string, WasiFunction> {
  const host = vm.host;
  const mem = () => vm.memory;
  const logError = (message: string) => host.log("error", message, vm.vmId, vm.context().id);
  const envEntries = () => Object.entries(vm.env).map(([k, v]) => new TextEncoder().encode(`${k}=${v}\0`));

  const functions: Record<string, WasiFunction> = {
    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      const level = fd === 1 ? "info" : fd === 2 ? "error" : undefined;
      if (!level) return Errno.Badf;
      const parts: Uint8Array[] = [];
      for (let i = 0; i < iovsLen; i++) {
        const buf = mem().readU32(iovs + i * 8);
        const len = mem().readU32(iovs + i * 8 + 4);
        if (len !== 0) parts.push(mem().read(buf, len));
      }
      let message = Buffer.concat(parts).toString("utf8");
      const written = parts.reduce((n, p) => n + p.length, 0);
      if (message.endsWith("\n")) message = message.slice(0, -1);
      if (written !== 0) host.log(level, message, vm.vmId, vm.context().id);
      mem().writeU32(nwrittenPtr, written);
      return Errno.Success;
    },
    fd_read: () => Errno.Nosys,
    fd_seek: () => {
      logError("wasi_unstable fd_seek");
      return Errno.Success;
    },
    fd_close: () => {
      logError("wasi_unstable fd_close");
      return Errno.Success;
    },
    fd_fdstat_get: (fd: number, statPtr: number) => {
      if (fd !== 1 && fd !== 2) return Errno.Badf;
      // filetype 0, fs_rights_base = FD_WRITE (64), fs_rights_inheriting 0.
      mem().writeU64(statPtr, 0n);
      mem().writeU64(statPtr + 8, 64n);
      mem().writeU64(statPtr + 16, 0n);
      return Errno.Success;
    },
    fd_prestat_get: () => Errno.Badf,
    fd_prestat_dir_name: () => Errno.Nosys,
    path_open: () => Errno.Noent,
    environ_sizes_get: (countPtr: number, sizePtr: number) => {
      const entries = envEntries();
      mem().writeU32(countPtr, entries.length);
      mem().writeU32(
        sizePtr,
        entries.reduce((n, e) => n + e.length, 0),
      );
      return Errno.Success;
    },
    environ_get: (arrayPtr: number, bufPtr: number) => {
      for (const entry of envEntries()) {
        mem().writeU32(arrayPtr, bufPtr);
        mem().write(bufPtr, entry);
        bufPtr += entry.length;
        arrayPtr += 4;
      }
      return Errno.Success;
    },
    args_get: () => Errno.Success,
    args_sizes_get: (argcPtr: number, sizePtr: number) => {
      mem().writeU32(argcPtr, 0);
      mem().writeU32(sizePtr, 0);
      return Errno.Success;
    },
    clock_time_get: (clockId: number, _precision: bigint, resultPtr: number) => {
      if (clockId === 0) mem().writeU64(resultPtr, host.nowNanoseconds());
      else if (clockId === 1) mem().writeU64(resultPtr, host.monotonicNanoseconds());
      else return Errno.Notsup;
      return Errno.Success;
    },
    random_get: (ptr: number, len: number) => {
      if (len > RANDOM_GET_MAX) return Errno.Inval;
      if (len === 0) return Errno.Success;
      mem().write(ptr, crypto.getRandomValues(new Uint8Array(len)));
      return Errno.Success;
    },
    sched_yield: () => Errno.Success,
    poll_oneoff: () => Errno.Nosys,
    proc_exit: (code: number) => {
      throw new ProcExit(code);
    },
  };
  return Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, faultsAs(Errno.Fault, f)]));
}
