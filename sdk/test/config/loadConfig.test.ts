import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { envLayer, loadConfig } from '../../src/config/index.js';

function tmpFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'perpscope-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('gives a complete config from defaults alone', () => {
    const cfg = loadConfig();
    expect(cfg.exchange).toBe('blofin');
    expect(cfg.universe.topN).toBe(400);
    expect(cfg.timeframes).toEqual(['15m', '1h']);
  });

  it('layers defaults < file < env < options', () => {
    const file = tmpFile(JSON.stringify({ exchange: 'htx', universe: { topN: 10, minPrice: 1 }, backfillBars: 300 }));
    const cfg = loadConfig({
      file,
      env: { PERPSCOPE_UNIVERSE__TOP_N: '20', PERPSCOPE_BACKFILL_BARS: '400', PERPSCOPE_TIMEFRAMES: '1m,5m', UNRELATED: 'x' },
      options: { backfillBars: 600 },
    });
    expect(cfg.exchange, 'file overrides default').toBe('htx');
    expect(cfg.universe.topN, 'env overrides file').toBe(20);
    expect(cfg.universe.minPrice, 'untouched file value survives the env layer').toBe(1);
    expect(cfg.backfillBars, 'options override env').toBe(600);
    expect(cfg.timeframes, 'comma list in env becomes an array').toEqual(['1m', '5m']);
  });

  it('reports every bad field in one error with path, value and expectation', () => {
    const file = tmpFile(JSON.stringify({ universe: { topN: -5, minQuoteVolumeUsd: 'lots' }, timeframes: ['7m'] }));
    let caught: unknown;
    try {
      loadConfig({ file, env: { PERPSCOPE_BACKFILL_BARS: '3' }, options: { mode: 'paper', logLevel: 'loud', bogus: 1 } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    const paths = err.issues.map((i) => i.path).sort();
    expect(paths).toEqual(['backfillBars', 'bogus', 'logLevel', 'timeframes.0', 'universe.minQuoteVolumeUsd', 'universe.topN']);
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i]));
    expect(byPath['universe.topN']!.received).toBe('-5');
    expect(byPath['universe.minQuoteVolumeUsd']!.received).toBe('"lots"');
    expect(byPath['backfillBars']!.received).toBe('3');
    expect(byPath['timeframes.0']!.expected).toContain('1h');
    expect(err.message, 'one message names every bad field').toMatch(/6 problems/);
    for (const p of paths) expect(err.message).toContain(p);
    expect(err.code).toBe('INVALID_CONFIG');
  });

  it('checks consistency across fields', () => {
    expect(() => loadConfig({ options: { exchange: 'sim', mode: 'live' } })).toThrow(/mode: got "live", expected paper when exchange is sim/);
  });

  it('rejects a config file that is not JSON, naming the file', () => {
    const file = tmpFile('{ not json');
    expect(() => loadConfig({ file })).toThrow(ConfigError);
    expect(() => loadConfig({ file })).toThrow(/config\.json/);
  });

  it('reads a single value as a list for list fields', () => {
    expect(envLayer({ PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_UNIVERSE__EXCLUDE: 'BTCDOM-*' })).toEqual({ timeframes: ['1m'], universe: { exclude: ['BTCDOM-*'] } });
    expect(loadConfig({ env: { PERPSCOPE_TIMEFRAMES: '1h' } }).timeframes).toEqual(['1h']);
  });

  it('ignores tooling variables and non-PERPSCOPE variables', () => {
    expect(
      envLayer({ PERPSCOPE_TEST_DATA: '../x', PERPSCOPE_SOAK: '1', PERPSCOPE_IN_KEYRING: '1', PERPSCOPE_E2E_URL: 'http://127.0.0.1:1', HOME: '/root', PERPSCOPE_EXCHANGE: 'htx' }),
      'regression: PERPSCOPE_SOAK=1 made serve refuse its config',
    ).toEqual({ exchange: 'htx' });
    expect(() => loadConfig({ env: { PERPSCOPE_SOAK: '1', PERPSCOPE_TEST_DATA: '../shared/data' } })).not.toThrow();
    expect(
      () => loadConfig({ env: { PERPSCOPE_SIM: '1', PERPSCOPE_SKIP_NATIVE_BUILD: '1', PERPSCOPE_NODE_GYP: '/usr/bin/node-gyp', PERPSCOPE_CHROMIUM: '/usr/bin/chromium' } }),
      'regression: the desktop app started with PERPSCOPE_SIM=1 refused its config (sim: 1), and PERPSCOPE_SKIP_NATIVE_BUILD=1 failed every CLI test',
    ).not.toThrow();
    expect(() => loadConfig({ env: { PERPSCOPE_BOGUS: '1' } }), 'a misspelt engine variable is still reported').toThrow(/bogus/);
  });
});

describe('nested module configs', () => {
  it('validates risk and signal settings inside the one schema, by full path', () => {
    let caught: unknown;
    try {
      loadConfig({ options: { risk: { gates: { maxPositions: -1 } }, signals: { bogus: true } } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const paths = (caught as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['risk.gates.maxPositions', 'signals.bogus']);
  });

  it('fills module defaults', () => {
    const cfg = loadConfig();
    expect(cfg.risk.gates.maxPositions).toBeGreaterThan(0);
    expect(Object.keys(cfg.signals).length).toBeGreaterThan(0);
  });
});
