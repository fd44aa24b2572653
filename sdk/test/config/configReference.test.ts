import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envLayer, mergeLayers, parseConfig } from '../../src/config/loadConfig.js';
import { configKeys, renderConfigReference } from './configReference.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  it('is what the schema renders now (regenerate: node --import tsx scripts/gen-config-reference.ts)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderConfigReference());
  });

  it('describes every trading key, with its default', () => {
    const keys = configKeys();
    const trading = keys.filter((k) => k.path.startsWith('risk.') || k.path.startsWith('autotrade.'));
    expect(trading.length).toBeGreaterThan(50);
    expect(trading.filter((k) => k.description === '').map((k) => k.path), 'trading keys without a description').toEqual([]);
    for (const k of ['risk.gates.fundingAvoidWindowMs', 'risk.gates.minDepthUsd', 'risk.gates.maxSymbolNotionalUsd', 'autotrade.tpsl.trailing.mode', 'autotrade.emergencyFile', 'logLevel']) {
      expect(keys.some((c) => c.path === k), k).toBe(true);
    }
  });

  it("names each key's env variable so that the loader reads it back into that key", () => {
    const window = configKeys().find((k) => k.path === 'risk.gates.fundingAvoidWindowMs')!;
    expect(window.env).toBe('PERPSCOPE_RISK__GATES__FUNDING_AVOID_WINDOW_MS');
    expect(parseConfig(mergeLayers(envLayer({ [window.env]: '60000' }))).risk.gates.fundingAvoidWindowMs).toBe(60_000);
    const volume = configKeys().find((k) => k.path === 'risk.gates.minQuoteVolume24hUsd')!;
    expect(parseConfig(mergeLayers(envLayer({ [volume.env]: '123' }))).risk.gates.minQuoteVolume24hUsd).toBe(123);
  });
});
