import { CommanderError } from 'commander';
import { describeError, PerpscopeError } from '../core/errors.js';
import type { CliIo } from './io.js';
import { buildProgram, type CliExtension } from './program.js';

/**
 * Runs the CLI and returns the exit code. Errors never escape as stack traces: a PerpscopeError
 * prints its message (which names the field, value and expectation), anything else prints one
 * line and exit code 1.
 */
export async function runCli(argv: readonly string[], io: CliIo, extensions: readonly CliExtension[] = []): Promise<number> {
  const program = buildProgram(io, extensions);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return err.exitCode || 2;
    }
    if (err instanceof PerpscopeError) {
      io.err(`perpscope: ${err.message}`);
      return err.code === 'INVALID_CONFIG' || err.code === 'INVALID_INPUT' ? 2 : 1;
    }
    io.err(`perpscope: ${describeError(err)}`);
    return 1;
  }
}
