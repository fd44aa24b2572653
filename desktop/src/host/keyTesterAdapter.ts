import { AuthError, mapCcxtError, PerpscopeError, type Clock } from '@perpscope/sdk';
import { createBlofinClient } from '@perpscope/sdk/sim';
import { ErrorCode } from '@perpscope/shared';
import ccxt, { type Exchange } from 'ccxt';
import type { HostSecret, KeyTester } from './ports.js';

/** The in-process SimExchange's endpoints, when the engine runs against it. */
export interface SimEndpoints {
  url: string;
  wsUrl: string;
}

export interface KeyTesterOptions {
  /** Wall clock for the latency figure. */
  clock: Clock;
  /** In sim mode, `blofin` keys are checked against the sim instead of the real exchange. */
  sim: () => SimEndpoints | undefined;
  timeoutMs: number;
}

function exchangeFor(exchange: string, secret: HostSecret, o: KeyTesterOptions): Exchange {
  const credentials = { apiKey: secret.apiKey, secret: secret.secret, ...(secret.password !== undefined ? { password: secret.password } : {}) };
  const sim = o.sim();
  if (sim) {
    if (exchange !== 'blofin') {
      throw new PerpscopeError(ErrorCode.NotSupported, `The simulator stands in for blofin only; a ${exchange} key can be tested when not running --sim`, { details: { exchange } });
    }
    return createBlofinClient({ url: sim.url, wsUrl: sim.wsUrl }, { ...credentials, timeout: o.timeoutMs }) as unknown as Exchange;
  }
  const pro = ccxt.pro as unknown as Record<string, new (opts: Record<string, unknown>) => Exchange>;
  const Ctor = pro[exchange];
  if (!Ctor) throw new PerpscopeError(ErrorCode.NotSupported, `${exchange} is not an exchange ccxt supports`, { details: { exchange } });
  return new Ctor({ ...credentials, timeout: o.timeoutMs, options: { defaultType: 'swap' } });
}

/**
 * Tests a key with a private read (the balance). A refusal surfaces as AuthError with the
 * exchange's reason; messages name the exchange, never a credential.
 */
export function createKeyTester(o: KeyTesterOptions): KeyTester {
  return {
    async test(exchange, secret) {
      const client = exchangeFor(exchange, secret, o);
      const startMs = o.clock.nowMs();
      try {
        await client.fetchBalance();
        const latencyMs = Math.max(0, Math.round(o.clock.nowMs() - startMs));
        return { latencyMs, message: `Authenticated with ${exchange}: balance read in ${latencyMs} ms` };
      } catch (e) {
        const mapped = mapCcxtError(e, { exchange, operation: 'fetchBalance' });
        if (mapped instanceof AuthError) {
          throw new AuthError(mapped.code, `${exchange} refused the key: ${mapped.message}`, { details: { exchange } });
        }
        throw mapped;
      } finally {
        await client.close().catch(() => undefined);
      }
    },
  };
}
