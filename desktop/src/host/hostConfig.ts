import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, envLayer, mergeLayers, parseConfig, type PerpscopeConfig } from '@perpscope/sdk';

/**
 * Defaults for `--sim`, below the config file and env (which may override any of them):
 * - 60 symbols: a full-looking table that warms up in a few seconds;
 * - acceleration 60: one sim minute per wall second, so a 1m bar closes every second and a 15m
 *   bar every 15 s, and the ranking (each bar close) refreshes about once a second;
 * - rateLimitScale 20: BloFin's limits x20, so backfill (2 timeframes x 60 symbols) and order-flow
 *   refreshes finish in seconds rather than minutes;
 * - timeframes 1m and 15m: 1m for live charts, 15m (the longest) feeds the ranking;
 * - 300 backfilled bars: 75 h of 15m history, enough for 24 h change and the ranking's features.
 */
export const SIM_PRESET = {
  timeframes: ['1m', '15m'],
  backfillBars: 300,
  sim: { symbols: 60, acceleration: 60, rateLimitScale: 20 },
} as const;

/**
 * Test credentials the in-process SimExchange accepts for private requests (no real money is ever
 * involved). Enter them as a `blofin` key in the Keys view to try the key tester in sim mode.
 */
export const SIM_API_KEY = { apiKey: 'perpscope-sim-key', secret: 'perpscope-sim-secret', password: 'perpscope-sim-pass' } as const;

/** Name of the JSON config file inside the Perpscope home. */
export const CONFIG_FILE_NAME = 'config.json';

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: '(file)', received: JSON.stringify(file), expected: `valid JSON (${(err as Error).message})` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([{ path: '(file)', received: typeof parsed, expected: 'a JSON object' }]);
  }
  return parsed as Record<string, unknown>;
}

export interface HostConfigSources {
  home: string;
  sim: boolean;
  env: Record<string, string | undefined>;
  /** Settings saved from the UI (universe gates, active built-in profile); they beat file and env. */
  saved: Record<string, unknown>;
}

/**
 * The engine config for a desktop shell. Layers, later winning: sdk defaults < sim preset (with
 * `--sim`) < `<home>/config.json` < PERPSCOPE_* env < settings saved from the UI < the shell's
 * own options (home, and `exchange: sim` with `--sim`).
 */
export function hostConfig(s: HostConfigSources): PerpscopeConfig {
  const file = readConfigFile(join(s.home, CONFIG_FILE_NAME));
  const explicit = { home: s.home, ...(s.sim ? { exchange: 'sim' } : {}) };
  return parseConfig(mergeLayers(s.sim ? structuredClone(SIM_PRESET) : {}, file, envLayer(s.env), s.saved, explicit));
}
