import { join } from 'node:path';
// The config entry point only: the package root loads ccxt and the whole engine (seconds), and
// `perpscope serve` reads its config here before it can start the engine thread.
import { loadConfig, mergeLayers, type PerpscopeConfig } from '@perpscope/sdk/config';

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

export interface HostConfigSources {
  home: string;
  sim: boolean;
  env: Record<string, string | undefined>;
  /** The `--config FILE` option; it must exist. Defaults to `<home>/config.json`, which may be absent. */
  configFile?: string;
  /** Settings saved from the UI (universe gates, active built-in profile); they beat file and env. */
  saved: Record<string, unknown>;
}

/**
 * The engine config for a desktop shell, read by the sdk's loader like `perpscope run`. Layers,
 * later winning: sdk defaults < sim preset (with `--sim`) < `<home>/config.json` (or `--config`)
 * < PERPSCOPE_* env < settings saved from the UI < the shell's own options (home, and
 * `exchange: sim` with `--sim`). The `risk` section travels with the rest: the trading stack and
 * the settings view start from it.
 */
export function hostConfig(s: HostConfigSources): PerpscopeConfig {
  const explicit = { home: s.home, ...(s.sim ? { exchange: 'sim' } : {}) };
  return loadConfig({
    ...(s.sim ? { preset: structuredClone(SIM_PRESET) as unknown as Record<string, unknown> } : {}),
    file: s.configFile ?? join(s.home, CONFIG_FILE_NAME),
    fileRequired: s.configFile !== undefined,
    env: s.env,
    options: mergeLayers(s.saved, explicit),
  });
}
