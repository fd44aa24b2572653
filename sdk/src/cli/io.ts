/** Where a command writes. Injected so commands are testable and the CLI stays one thin edge. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** True when stdout is a terminal: tables and progress bars; false: JSON lines. */
  isTTY: boolean;
  /** Terminal width in characters when stdout is a terminal; tables fit it. */
  columns?: number;
  env: Record<string, string | undefined>;
  /** Resolves when the user interrupts (SIGINT/SIGTERM). */
  interrupted: Promise<void>;
}

export function processIo(): CliIo {
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTTY: Boolean(process.stdout.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    env: process.env,
    interrupted,
  };
}
