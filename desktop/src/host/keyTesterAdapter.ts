import { AuthError, createCcxtExchange, liveExchangeClient, loadCcxtProClass, mapCcxtError, PerpscopeError, type Clock } from '@perpscope/sdk';
import type { SimExchange } from '@perpscope/sdk/sim';
import { ErrorCode } from '@perpscope/shared';
import type { Exchange } from 'ccxt';
import type { HostSecret, KeyTester } from './ports.js';

export interface KeyTesterOptions {
  /** Wall clock for the latency figure. */
  clock: Clock;
  /** In sim mode, keys of the exchange the sim's dialect speaks for are checked against the sim instead of the real exchange. */
  sim: () => SimExchange | undefined;
  timeoutMs: number;
  /** The config's `sandbox`: a key is tested against the exchange's testnet, where the engine trades. */
  sandbox?: boolean;
}

async function exchangeFor(exchange: string, secret: HostSecret, o: KeyTesterOptions): Promise<Exchange> {
  const credentials = { apiKey: secret.apiKey, secret: secret.secret, ...(secret.password !== undefined ? { password: secret.password } : {}) };
  const sim = o.sim();
  if (sim) {
    if (exchange !== sim.dialect) {
      throw new PerpscopeError(ErrorCode.NotSupported, `The simulator stands in for ${sim.dialect} only; a ${exchange} key can be tested when not running --sim`, { details: { exchange } });
    }
    return liveExchangeClient(exchange, secret, sim, o.timeoutMs);
  }
  if (!(await loadCcxtProClass(exchange))) throw new PerpscopeError(ErrorCode.NotSupported, `${exchange} is not an exchange ccxt supports`, { details: { exchange } });
  // The engine's own client factory: the same class, options and testnet switch as the live session's.
  return Object.assign(await createCcxtExchange(exchange, { timeoutMs: o.timeoutMs, sandbox: o.sandbox === true }), credentials);
}

/**
 * Tests a key with a private read (the balance). A refusal surfaces as AuthError with the
 * exchange's reason; messages name the exchange, never a credential.
 */
export function createKeyTester(o: KeyTesterOptions): KeyTester {
  return {
    async test(exchange, secret) {
      const client = await exchangeFor(exchange, secret, o);
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
