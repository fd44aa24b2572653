import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/configSchema.js';
import { ConfigError } from '../../src/core/errors.js';
import { createCcxtExchange, SANDBOX_EXCHANGES } from '../../src/engine/exchangeClient.js';

/** Every URL a ccxt client would call, flattened (its `urls.api` table). */
function apiUrls(api: unknown): string[] {
  if (typeof api === 'string') return [api];
  if (!api || typeof api !== 'object') return [];
  return Object.values(api).flatMap(apiUrls);
}

describe('sandbox (ccxt testnets)', () => {
  it('is off by default and a boolean in the config', () => {
    expect(ConfigSchema.parse({}).sandbox).toBe(false);
    expect(ConfigSchema.safeParse({ sandbox: 'yes' }).success).toBe(false);
  });

  it.each(SANDBOX_EXCHANGES)('points %s at its testnet, every REST URL moved off the production hosts', async (id) => {
    const live = apiUrls((await createCcxtExchange(id, { timeoutMs: 1_000 })).urls.api);
    const test = apiUrls((await createCcxtExchange(id, { timeoutMs: 1_000, sandbox: true })).urls.api).filter((u) => u.startsWith('http'));
    expect(test.length).toBeGreaterThan(0);
    for (const url of test) {
      expect(live, `${id}: ${url} is a production URL`).not.toContain(url);
      expect(url, `${id}: ${url}`).toMatch(/test|demo/);
    }
  });

  it('refuses an exchange ccxt has no testnet for, naming the field and the ones that have one', async () => {
    let caught: unknown;
    try {
      await createCcxtExchange('htx', { timeoutMs: 1_000, sandbox: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issue = (caught as ConfigError).issues[0]!;
    expect(issue.path).toBe('sandbox');
    expect(issue.received).toContain('htx');
    expect(issue.expected).toContain('bybit');
  });

  it('leaves the production URLs alone when off', async () => {
    const urls = apiUrls((await createCcxtExchange('bybit', { timeoutMs: 1_000 })).urls.api);
    expect(urls.some((u) => u.includes('testnet'))).toBe(false);
  });
});
