import type { Exchange } from 'ccxt';
import { mapCcxtError } from '../../core/ccxtErrors.js';
import { createCcxtExchange } from '../../engine/exchangeClient.js';
import { createKeytarSecretStore, type SecretRef, type SecretStore } from '../../secrets/index.js';
import type { CliIo } from '../io.js';
import { readSecretInput } from '../readSecretInput.js';

export interface KeysOptions {
  exchange?: string;
  label: string;
  /** With `test`: base URL of a SimExchange to test against instead of the real exchange. */
  simUrl?: string;
  /** With `test`: the exchange's testnet (a testnet key is its own key, under its own label). */
  sandbox?: boolean;
}

export interface KeysDeps {
  store?: SecretStore;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Builds the exchange client for `test`; defaults to ccxt's pro class for the id. */
  exchangeFor?: (exchangeId: string, secret: { apiKey: string; secret: string; password?: string }, simUrl?: string, sandbox?: boolean) => Promise<Exchange>;
}

async function defaultExchangeFor(exchangeId: string, secret: { apiKey: string; secret: string; password?: string }, simUrl?: string, sandbox = false): Promise<Exchange> {
  if (simUrl) {
    const { loadSimClient } = await import('../../sim/clientSetup.js');
    const url = new URL(simUrl);
    return loadSimClient({ dialect: 'blofin', url: url.origin, wsUrl: `ws://${url.host}/ws`, apiKey: { ...secret, password: secret.password ?? '' } });
  }
  const ex = await createCcxtExchange(exchangeId, { timeoutMs: 10_000, sandbox });
  ex.apiKey = secret.apiKey;
  ex.secret = secret.secret;
  if (secret.password) ex.password = secret.password;
  return ex;
}

/** `perpscope keys set|list|delete|test`: API keys live only in the OS keychain. */
export async function runKeys(action: 'set' | 'list' | 'delete' | 'test', opts: KeysOptions, io: CliIo, deps: KeysDeps = {}): Promise<number> {
  const store = deps.store ?? createKeytarSecretStore();
  if (action === 'list') {
    const refs = await store.list(opts.exchange);
    if (!refs.length) io.err(opts.exchange ? `no keys stored for ${opts.exchange}` : 'no keys stored');
    for (const r of refs) io.out(io.isTTY ? `${r.exchange}  ${r.label}` : JSON.stringify(r));
    return 0;
  }
  if (!opts.exchange) {
    io.err(`perpscope keys ${action}: --exchange is required (e.g. --exchange blofin)`);
    return 2;
  }
  const ref: SecretRef = { exchange: opts.exchange, label: opts.label };
  if (action === 'set') {
    const secret = await readSecretInput((deps.stdin ?? process.stdin) as never, process.stderr);
    await store.set(ref, secret);
    io.out(`stored ${ref.exchange}:${ref.label} in the OS keychain`);
    return 0;
  }
  if (action === 'delete') {
    const deleted = await store.delete(ref);
    io.out(deleted ? `deleted ${ref.exchange}:${ref.label}` : `no key ${ref.exchange}:${ref.label}`);
    return deleted ? 0 : 1;
  }
  const secret = await store.get(ref);
  if (!secret) {
    io.err(`no key ${ref.exchange}:${ref.label}; add one with: perpscope keys set --exchange ${ref.exchange} --label ${ref.label}`);
    return 1;
  }
  const exchange = await (deps.exchangeFor ?? defaultExchangeFor)(opts.exchange, secret, opts.simUrl, opts.sandbox === true);
  try {
    const balance = (await exchange.fetchBalance()) as unknown as { total?: Record<string, number> };
    const assets = Object.keys(balance.total ?? {}).length;
    io.out(`ok: ${ref.exchange}:${ref.label} authenticated (${assets} asset balance${assets === 1 ? '' : 's'} visible)`);
    return 0;
  } catch (err) {
    const mapped = mapCcxtError(err, { exchange: opts.exchange, operation: 'fetchBalance' });
    // An exchange may echo request fields back in its error text; never let a secret through.
    const scrubbed = [secret.secret, secret.password, secret.apiKey]
      .filter((s): s is string => Boolean(s))
      .reduce((msg, s) => msg.split(s).join('(hidden)'), mapped.shortMessage);
    io.err(`key test failed for ${ref.exchange}:${ref.label}: ${mapped.code}: ${scrubbed}`);
    return 1;
  } finally {
    await (exchange as unknown as { close?: () => Promise<void> }).close?.();
  }
}
