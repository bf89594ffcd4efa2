/** The outside world a command talks to, injected so commands run in-process in tests. */
export interface Io {
  stdout: Output;
  stderr: Output;
  /** Reads all of standard input (used by `--password-stdin`). */
  readStdin(): Promise<string>;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Output {
  write(chunk: string): unknown;
  /** True when a person is watching: progress bars and colours only then. */
  isTTY?: boolean;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    cwd: process.cwd(),
    env: process.env,
  };
}

/** An Io that records output, for tests and for embedding the CLI. */
export function memoryIo(options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
  let out = "";
  let err = "";
  const io: Io = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    readStdin: async () => options.stdin ?? "",
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
  };
  return { io, stdout: () => out, stderr: () => err };
}
