import type { CliIo } from '../../src/cli/io.js';

export function captureIo(isTTY = false): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    isTTY,
    env: {},
    interrupted: new Promise(() => {}),
  };
}
