import { ok, reject, decimal, type Reply } from './wire.js';

/** A funds transfer between BloFin accounts (`asset/bills`); amount in `currency` units. */
export interface SimTransfer {
  transferId: string;
  currency: string;
  fromAccount: string;
  toAccount: string;
  amount: number;
  tsMs: number;
  clientId: string;
}

const ACCOUNTS: readonly string[] = ['funding', 'futures', 'copy_trading', 'earn', 'spot', 'inverse_contract'];
/** `asset/bills` serves 100 rows unless `limit` asks for fewer (its documented default and maximum). */
const MAX_LIMIT = 100;

/**
 * One page of `asset/bills`, as documented: newest first, filtered by `currency`, `fromAccount`
 * and `toAccount`; `after` (older than) and `before` (newer than) are timestamps in ms, not ids.
 */
export function billsReply(transfers: readonly SimTransfer[], q: Record<string, unknown>): Reply {
  const limit = q.limit === undefined || q.limit === '' ? MAX_LIMIT : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return reject('152002', `Parameter limit error: got "${String(q.limit)}", expected an integer 1..${MAX_LIMIT}`);
  for (const k of ['fromAccount', 'toAccount'] as const) {
    const v = q[k];
    if (v !== undefined && v !== '' && !ACCOUNTS.includes(String(v))) return reject('152002', `Parameter ${k} error: got "${String(v)}", expected one of ${ACCOUNTS.join(', ')}`);
  }
  const bound = (k: 'after' | 'before'): number | null | Reply => {
    const v = q[k];
    if (v === undefined || v === '') return null;
    return /^\d{1,16}$/.test(String(v)) ? Number(v) : reject('152002', `Parameter ${k} error: got "${String(v)}", expected a timestamp in ms`);
  };
  const after = bound('after');
  const before = bound('before');
  if (after !== null && typeof after !== 'number') return after;
  if (before !== null && typeof before !== 'number') return before;
  const rows = transfers
    .filter(
      (t) =>
        (!q.currency || t.currency === q.currency) &&
        (!q.fromAccount || t.fromAccount === q.fromAccount) &&
        (!q.toAccount || t.toAccount === q.toAccount) &&
        (after === null || t.tsMs < after) &&
        (before === null || t.tsMs > before),
    )
    .sort((x, y) => y.tsMs - x.tsMs || Number(y.transferId) - Number(x.transferId));
  const page = before !== null && after === null ? rows.slice(-limit) : rows.slice(0, limit);
  return ok(
    page.map((t) => ({
      transferId: t.transferId,
      currency: t.currency,
      fromAccount: t.fromAccount,
      toAccount: t.toAccount,
      amount: decimal(t.amount, 10),
      ts: String(t.tsMs),
      clientId: t.clientId,
    })),
  );
}
