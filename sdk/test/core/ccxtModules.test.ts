import ccxt, { errors as rootErrors } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { ccxtErrorClasses, ccxtProExchangeIds, loadCcxtProClass } from '../../src/core/ccxtModules.js';
import { ConfigError } from '../../src/core/errors.js';
import { createCcxtExchange } from '../../src/engine/exchangeClient.js';

/** The package root's pro classes by id (its namespace also carries `Exchange` and the id list). */
const rootPro = ccxt.pro as unknown as Record<string, unknown>;
const rootProIds = Object.keys(rootPro)
  .filter((id) => /^[a-z0-9]+$/.test(id) && typeof rootPro[id] === 'function')
  .sort();

describe('ccxt one exchange at a time', () => {
  it('lists the same pro exchange ids as the package root', () => {
    expect(rootProIds.length).toBeGreaterThan(50);
    expect(ccxtProExchangeIds()).toEqual(rootProIds);
  });

  it('loads, for every id, the very class the package root exports (so instanceof holds across both)', async () => {
    const mismatched: string[] = [];
    for (const id of rootProIds) if ((await loadCcxtProClass(id)) !== rootPro[id]) mismatched.push(id);
    expect(mismatched).toEqual([]);
  }, 60_000);

  it('gives the package root\'s error classes, each one the same object', () => {
    const names = Object.keys(rootErrors);
    expect(names).toContain('DuplicateOrderId');
    for (const name of names) expect(ccxtErrorClasses[name as keyof typeof ccxtErrorClasses], name).toBe(rootErrors[name as keyof typeof rootErrors]);
    const thrown = new ccxtErrorClasses.BadRequest('x');
    expect(thrown).toBeInstanceOf(ccxt.BadRequest);
    expect(thrown).toBeInstanceOf(ccxt.ExchangeError);
  });

  it('answers undefined for an id ccxt has no pro class for, and never builds a path from a malformed one', async () => {
    for (const id of ['nosuchexchange', 'Blofin', '../base/errors', 'base/errors', '', 'blofin.js', 'pro/blofin']) {
      expect(await loadCcxtProClass(id), JSON.stringify(id)).toBeUndefined();
    }
  });

  it('creates an engine client of the class the id names, and refuses an unknown id naming the field and value', async () => {
    const ex = await createCcxtExchange('bybit', { timeoutMs: 1_000 });
    expect(ex).toBeInstanceOf(ccxt.pro.bybit);
    expect(ex.timeout).toBe(1_000);
    await expect(createCcxtExchange('nosuchexchange', { timeoutMs: 1_000 })).rejects.toBeInstanceOf(ConfigError);
    const err = await createCcxtExchange('nosuchexchange', { timeoutMs: 1_000 }).catch((e: unknown) => e as ConfigError);
    expect(err.issues[0]).toMatchObject({ path: 'exchange', received: '"nosuchexchange"' });
    expect(err.issues[0]!.expected).toContain(`${rootProIds.length} available`);
  });
});
