import { join } from 'node:path';
import { assignmentLayer, loadConfig, mergeLayers, type PerpscopeConfig } from '../config/index.js';
import { resolveHome } from '../store/paths.js';

/**
 * Resolves the home, then loads config from `<home>/config.json` (or `--config`), env, `--set`
 * flags and the command's own flags.
 * `preset` sits under the file and env: a command's defaults that either may override.
 */
export function loadCliConfig(
  global: { home?: string | undefined; config?: string | undefined; set?: readonly string[] | undefined },
  env: Record<string, string | undefined>,
  options: Record<string, unknown>,
  preset?: Record<string, unknown>,
): { config: PerpscopeConfig; home: string } {
  const home = resolveHome({ home: global.home, env });
  const config = loadConfig({
    ...(preset ? { preset } : {}),
    file: global.config ?? join(home, 'config.json'),
    fileRequired: global.config !== undefined,
    env,
    // `--set` sits under the command's own flags: `run --exchange x` wins over `--set exchange=y`.
    options: mergeLayers(assignmentLayer(global.set ?? []), { ...options, home }),
  });
  return { config, home };
}
