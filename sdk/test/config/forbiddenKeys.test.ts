import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { ConfigError } from '../../src/core/errors.js';
import { envLayer, loadConfig, mergeLayers, parseConfig } from '../../src/config/index.js';
import { thrownError } from '../thrownError.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'perpscope-proto-')), 'config.json');
  writeFileSync(file, text);
  return file;
}


describe('prototype keys in config layers', () => {
  it('refuses {"__proto__":{"mode":"live"}} in config.json with an error naming the key, and never sets mode', () => {
    const file = configFile('{"__proto__":{"mode":"live"}}');
    const e = thrownError(ConfigError, () => loadConfig({ file }));
    expect(e.code).toBe(ErrorCode.InvalidConfig);
    expect(e.issues.map((i) => i.path), 'names the key').toEqual(['__proto__']);
    expect(e.message, 'says what was expected').toContain('no "__proto__", "constructor" or "prototype" key');
    expect(e.message, 'names the file').toContain(file);
  });

  it('refuses constructor and prototype keys nested anywhere in the file, listing every one', () => {
    const file = configFile('{"universe":{"constructor":{"topN":1}},"risk":{"gates":{"prototype":1}},"timeframes":[{"__proto__":1}]}');
    const e = thrownError(ConfigError, () => loadConfig({ file }));
    expect(e.issues.map((i) => i.path).sort()).toEqual(['risk.gates.prototype', 'timeframes.0.__proto__', 'universe.constructor']);
  });

  it('refuses prototype keys in environment variables, by name or inside a JSON value', () => {
    const byName = thrownError(ConfigError, () => envLayer({ PERPSCOPE_CONSTRUCTOR__MODE: 'live' }));
    expect(byName.issues[0]?.path, 'names the variable').toBe('PERPSCOPE_CONSTRUCTOR__MODE');
    const proto = thrownError(ConfigError, () => envLayer({ PERPSCOPE_UNIVERSE__PROTOTYPE: '1' }));
    expect(proto.issues[0]?.path).toBe('PERPSCOPE_UNIVERSE__PROTOTYPE');
    const inJson = thrownError(ConfigError, () => loadConfig({ env: { PERPSCOPE_UNIVERSE: '{"__proto__":{"topN":1}}' } }));
    expect(inJson.issues.map((i) => i.path)).toEqual(['PERPSCOPE_UNIVERSE.__proto__']);
  });

  it('refuses prototype keys in explicit options and in parseConfig input', () => {
    const options = JSON.parse('{"__proto__":{"mode":"live"}}') as Record<string, unknown>;
    expect(thrownError(ConfigError, () => loadConfig({ options })).issues.map((i) => i.path)).toEqual(['__proto__']);
    expect(thrownError(ConfigError, () => parseConfig(options)).issues.map((i) => i.path)).toEqual(['__proto__']);
  });

  it('mergeLayers never assigns through the prototype', () => {
    const merged = mergeLayers({ exchange: 'sim' }, JSON.parse('{"__proto__":{"mode":"live"}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(merged), 'prototype untouched').toBe(Object.prototype);
    expect((merged as { mode?: unknown }).mode, 'mode not inherited').toBeUndefined();
  });

  it('still loads a clean config with ordinary keys', () => {
    const cfg = loadConfig({ file: configFile('{"mode":"paper","universe":{"topN":5}}') });
    expect(cfg.mode).toBe('paper');
    expect(cfg.universe.topN).toBe(5);
  });
});
