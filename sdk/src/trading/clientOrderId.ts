import { createHash } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import type { Ledger } from '../store/index.js';

/** Default prefix of every client order id Perpscope sends; the reconciler adopts orphans by it. */
export const DEFAULT_CLIENT_ID_PREFIX = 'ps';

/** BloFin: numbers, letters or underscores, at most 32 characters. */
const BLOFIN_CLIENT_ID = /^[A-Za-z0-9_]{1,32}$/;
const HASH_CHARS = 24;

export interface ClientOrderIdParts {
  ledger: Ledger;
  tradeId: string;
  /** Which order of the trade: `entry`, `sl`, `tp1`, `exit`, `pyramid1`, ... */
  leg: string;
  /** Re-placement counter of that leg (a stop moved for the 3rd time is attempt 3). */
  attempt: number;
}

/**
 * The deterministic client order id: prefix + 24 hex chars of sha256(ledger|tradeId|leg|attempt).
 * A restart re-derives the same id for the same order, so the exchange (which refuses a reused
 * id) can never hold two copies of one intent.
 */
export function deriveClientOrderId(parts: ClientOrderIdParts, prefix: string = DEFAULT_CLIENT_ID_PREFIX): string {
  if (!/^[A-Za-z0-9]{1,8}$/.test(prefix)) {
    throw new InvalidInputError('client order id', [{ path: 'prefix', received: JSON.stringify(prefix), expected: '1-8 letters or digits' }]);
  }
  if (!Number.isInteger(parts.attempt) || parts.attempt < 0) {
    throw new InvalidInputError('client order id', [{ path: 'attempt', received: String(parts.attempt), expected: 'an integer >= 0' }]);
  }
  if (parts.tradeId === '' || parts.leg === '') {
    throw new InvalidInputError('client order id', [{ path: parts.tradeId === '' ? 'tradeId' : 'leg', received: '""', expected: 'a non-empty string' }]);
  }
  const hash = createHash('sha256').update(`${parts.ledger}|${parts.tradeId}|${parts.leg}|${parts.attempt}`).digest('hex').slice(0, HASH_CHARS);
  const id = `${prefix}${hash}`;
  if (!BLOFIN_CLIENT_ID.test(id)) throw new InvalidInputError('client order id', [{ path: 'id', received: id, expected: '[A-Za-z0-9_]{1,32}' }]);
  return id;
}

/** True for ids this app derived with `prefix` (used to adopt orphans, never to match by time). */
export function isOwnClientOrderId(id: string | null | undefined, prefix: string = DEFAULT_CLIENT_ID_PREFIX): boolean {
  return typeof id === 'string' && id.length === prefix.length + HASH_CHARS && id.startsWith(prefix) && /^[0-9a-f]+$/.test(id.slice(prefix.length));
}
