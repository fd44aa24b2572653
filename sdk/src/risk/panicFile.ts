import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Creating this file in the Perpscope home turns the kill switch on; deleting it turns it off. */
export const PANIC_FILE_NAME = '.panic';

export function panicFilePath(home: string): string {
  return join(home, PANIC_FILE_NAME);
}

/**
 * The edge half of the file kill switch: returns a check for `<home>/.panic` to inject as
 * `isKillSwitchOn`. It stats the file on every call, so creating or deleting it takes effect on
 * the next order without a restart.
 *
 * @example
 * const policy = new RiskPolicy(config.risk, { clock, isKillSwitchOn: panicFileCheck(home) });
 */
export function panicFileCheck(home: string, exists: (path: string) => boolean = existsSync): () => boolean {
  const file = panicFilePath(home);
  return () => exists(file);
}
