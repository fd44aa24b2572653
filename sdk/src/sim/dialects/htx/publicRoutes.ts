import { barCode } from '../../timeframes.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { SimCandle, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import type { DialectReply } from '../types.js';
import { HT, HTX_OI_PERIODS, HTX_PERIODS, htOk, htPriceNum, htTick, htV5, htxContractSize, htxVolumeFromBase, marketOf } from './wire.js';

type Query = URLSearchParams;

const FUNDING_INTERVAL_MS = 8 * 3_600_000;
/** Book levels per side: `step0`..`step5` serve 150, the coarser merges 20. */
const FULL_DEPTH = 150;
const SHALLOW_DEPTH = 20;

/**
 * HTX's public USDT-margined swap data over the sim's market: contract info and funding under
 * `linear-swap-api`, market data under `linear-swap-ex/market` (the `ch`/`tick` envelope), funding
 * and open interest under `v5/market`, the server time and the currency reference ccxt loads with
 * its markets. Volumes count HTX contracts (one lot of the core each, see {@link htxContractSize}).
 * Null when the path is not a public route.
 */
export function handleHtxPublic(ctx: SimContext, faults: FaultState, method: string, path: string, query: Query): DialectReply | null {
  if (method !== 'GET') return null;
  const now = ctx.nowMs();
  switch (path) {
    case '/api/v1/timestamp':
      return { status: 200, body: { status: 'ok', ts: Date.now() } };
    case '/v2/reference/currencies': {
      // The coins the markets trade and settle in; the sim moves no coins on chains.
      const coins = [...new Set(ctx.markets().flatMap((m) => [m.base, m.settle]))].sort();
      return { status: 200, body: { code: 200, data: coins.map((c) => ({ currency: c.toLowerCase(), assetType: 1, chains: [], instStatus: 'normal' })) } };
    }
    case '/linear-swap-api/v1/swap_contract_info': {
      const code = query.get('contract_code');
      let list = ctx.markets();
      if (code) list = list.filter((m) => m.id === code.toUpperCase());
      return htOk(list.map((m) => contractInfo(ctx, m, now)));
    }
    case '/linear-swap-ex/market/detail/batch_merged': {
      const code = query.get('contract_code');
      const m = code ? marketOf(ctx, code) : undefined;
      if (code && !m) return HT.symbol();
      const list = (m ? [m] : ctx.markets()).filter((x) => ctx.isLive(x, now));
      const ticks = list.map((x) => tick(ctx, x, now)).filter((t) => t !== null);
      return { status: 200, body: { status: 'ok', ticks, ts: Date.now() } };
    }
    case '/linear-swap-ex/market/detail/merged':
      return withCode(ctx, query, (m) => {
        const t = tick(ctx, m, now);
        return htTick(`market.${m.id}.detail.merged`, t ?? {});
      });
    case '/linear-swap-ex/market/depth':
      return withCode(ctx, query, (m) => depth(ctx, m, query, now));
    case '/linear-swap-ex/market/history/trade':
      return withCode(ctx, query, (m) => trades(ctx, m, query, now));
    case '/linear-swap-ex/market/history/kline':
      return withCode(ctx, query, (m) => klines(ctx, m, query, now));
    case '/v5/market/funding_rate':
      return withCode(ctx, query, (m) => {
        const at = ctx.tradingTime(m, now);
        const f = ctx.source.fundingRate(m.symbol, at);
        const settles = f.nextFundingTimeMs ?? Math.ceil((at + 1) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
        const rate = faults.fundingRateOverride(m.symbol, m.id, at) ?? f.rate;
        return htV5([{ contract_code: m.id, funding_rate: decimal(rate, 8), funding_time: String(settles), next_funding_time: String(settles + FUNDING_INTERVAL_MS), estimated_rate: null, fee_asset: m.settle, symbol: m.base }]);
      });
    case '/v5/market/funding_rate_history':
      return withCode(ctx, query, (m) => fundingHistory(ctx, faults, m, query, now));
    case '/v5/market/open_interest':
      return withCode(ctx, query, (m) => {
        const at = ctx.tradingTime(m, now);
        const oi = ctx.source.openInterest(m.symbol, at);
        const mark = ctx.source.markPrice(m.symbol, at).markPrice;
        const s = ctx.source.stats24h(m.symbol, at);
        return htV5({
          contract_code: m.id,
          amount: decimal(oi.amountBase, 8),
          volume: String(htxVolumeFromBase(oi.amountBase, m)),
          value: decimal(oi.valueUsd ?? oi.amountBase * mark, 4),
          trade_amount: decimal(s?.baseVolume24h ?? 0, 8),
          trade_volume: String(htxVolumeFromBase(s?.baseVolume24h ?? 0, m)),
          trade_turnover: decimal(s?.quoteVolume24h ?? 0, 4),
        });
      });
    case '/linear-swap-api/v1/swap_his_open_interest':
      return withCode(ctx, query, (m) => openInterestHistory(ctx, m, query, now));
    default:
      return null;
  }
}

/** HTX's `contract_status`: 1 listed, 3 suspended (the sim's delisted markets). */
function contractStatus(ctx: SimContext, m: SimMarket, now: number): number {
  return ctx.isLive(m, now) ? 1 : 3;
}

function contractInfo(ctx: SimContext, m: SimMarket, now: number): Record<string, unknown> {
  const listed = new Date(m.listedAtMs ?? ctx.source.firstDataMs(m.symbol));
  const ymd = `${listed.getUTCFullYear()}${String(listed.getUTCMonth() + 1).padStart(2, '0')}${String(listed.getUTCDate()).padStart(2, '0')}`;
  // Swaps carry no delivery date: ccxt tells a future from a swap by its presence.
  return {
    symbol: m.base,
    contract_code: m.id,
    contract_size: Number(decimal(htxContractSize(m), 12)),
    price_tick: m.tickSize,
    create_date: ymd,
    contract_status: contractStatus(ctx, m, now),
    settlement_date: String(Math.ceil((now + 1) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS),
    support_margin_mode: 'all',
    business_type: 'swap',
    pair: m.id,
    contract_type: 'swap',
    trade_partition: m.settle,
  };
}

/** `detail.merged`'s tick: 24h figures and the best bid and ask (also the `market.$code.detail` stream's). */
export function tick(ctx: SimContext, m: SimMarket, now: number): Record<string, unknown> | null {
  const at = ctx.tradingTime(m, now);
  const s = ctx.source.stats24h(m.symbol, at);
  if (!s) return null;
  const book = ctx.source.orderBook(m.symbol, at, 1);
  const level = (l: [number, number] | undefined): number[] | null => (l ? [htPriceNum(l[0], m), Math.max(1, htxVolumeFromBase(l[1], m))] : null);
  return {
    contract_code: m.id,
    id: Math.floor(at / 1000),
    amount: decimal(s.baseVolume24h, 8),
    ask: level(book.asks[0]),
    bid: level(book.bids[0]),
    open: String(htPriceNum(s.open24h, m)),
    close: String(htPriceNum(s.last, m)),
    count: 0,
    high: String(htPriceNum(s.high24h, m)),
    low: String(htPriceNum(s.low24h, m)),
    vol: String(htxVolumeFromBase(s.baseVolume24h, m)),
    trade_turnover: decimal(s.quoteVolume24h, 4),
    ts: at,
    number_of: '0',
    business_type: 'swap',
    trade_partition: m.settle,
  };
}

/** `type` step0..step5: 150 levels a side; step6..step19 (coarser merges): 20. Bids best first. */
function depth(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const type = query.get('type') ?? '';
  if (type === '') return HT.missing('type');
  const step = /^step(\d{1,2})$/.exec(type);
  if (!step || Number(step[1]) > 19) return HT.badValue('type', `Got "${type}", expected step0..step19.`);
  const levels = Number(step[1]) <= 5 ? FULL_DEPTH : SHALLOW_DEPTH;
  const at = ctx.tradingTime(m, now);
  const book = ctx.isLive(m, now) ? ctx.source.orderBook(m.symbol, at, levels) : { bids: [], asks: [] };
  const ch = `market.${m.id}.depth.${type}`;
  return htTick(ch, { asks: depthLevels(book.asks, m), bids: depthLevels(book.bids, m), ch, id: Math.floor(at / 1000), mrid: at, ts: at, version: at });
}

/** Book levels as HTX sends them, `[price, contracts]` numbers; a level under half a contract is left out. */
export function depthLevels(rows: readonly (readonly [number, number])[], m: SimMarket): [number, number][] {
  return rows.map(([p, a]): [number, number] => [htPriceNum(p, m), htxVolumeFromBase(a, m)]).filter((l) => l[1] > 0);
}

/** The newest `size` (default 1, max 2000) trades, newest first, each in its own batch as HTX groups them by match. */
function trades(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const size = intParam(query, 'size', 1, 1, 2000);
  if (typeof size !== 'number') return size;
  const rows = ctx.recentTrades(m, now, size).reverse();
  const data = rows.map((t, i) => {
    const id = Number(t.id ?? t.timestampMs * 1000 + i);
    return {
      data: [{ amount: String(Math.max(1, htxVolumeFromBase(t.amount, m))), quantity: decimal(t.amount, 8), trade_turnover: decimal(t.amount * t.price, 8), direction: t.side === 'sell' ? 'sell' : 'buy', id, price: String(htPriceNum(t.price, m)), ts: t.timestampMs }],
      id,
      ts: t.timestampMs,
    };
  });
  return { status: 200, body: { ch: `market.${m.id}.trade.detail`, status: 'ok', data, ts: Date.now() } };
}

/**
 * Klines oldest first, `id` the bar's open in seconds. With `from` and `to` (seconds) the bars
 * from the one containing `from` up to `to`, at most `size` (else 2000); otherwise the latest
 * `size` (default 150, max 2000), the forming bar included.
 */
function klines(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const period = query.get('period') ?? '';
  if (period === '') return HT.missing('period');
  const tfMs = HTX_PERIODS[period];
  const code = tfMs === undefined ? null : barCode(tfMs);
  if (tfMs === undefined || code === null || !ctx.source.supportsTimeframe(tfMs)) return HT.badValue('period', `Got "${period}", expected one of ${Object.keys(HTX_PERIODS).join(', ')}.`);
  const size = intParam(query, 'size', 150, 1, 2000);
  if (typeof size !== 'number') return size;
  const from = secondsParam(query, 'from');
  if (typeof from === 'object' && from !== null) return from;
  const to = secondsParam(query, 'to');
  if (typeof to === 'object' && to !== null) return to;
  if ((from === null) !== (to === null)) return HT.param('from and to must be sent together');
  if (from !== null && to !== null && to < from) return HT.badValue('to', `Got ${to / 1000}, expected a time at or after from (${from / 1000}).`);
  const at = ctx.tradingTime(m, now);
  const formingOpen = Math.floor(at / tfMs) * tfMs;
  const first = ctx.historyStartMs(m, tfMs);
  let fromOpen: number;
  let toOpen: number;
  if (from !== null && to !== null) {
    // ccxt computes a since-less span from its own clock, which runs ahead of a sim pinned in the
    // past: a span wholly after the sim's now is moved back to end at it (the latest bars), the
    // answer HTX gives that request when both clocks agree.
    const shift = from > at ? to - at : 0;
    const cap = query.get('size') ? size : 2000;
    fromOpen = Math.max(first, Math.floor((from - shift) / tfMs) * tfMs);
    toOpen = Math.min(formingOpen, Math.floor((to - shift) / tfMs) * tfMs, fromOpen + (cap - 1) * tfMs);
  } else {
    toOpen = formingOpen;
    fromOpen = Math.max(first, toOpen - (size - 1) * tfMs);
  }
  const rows: SimCandle[] = toOpen < fromOpen ? [] : ctx.source.candles(m.symbol, code, fromOpen, Math.min(toOpen + 1, formingOpen));
  if (toOpen >= formingOpen && fromOpen <= formingOpen && ctx.isLive(m, now)) {
    const forming = ctx.source.formingCandle(m.symbol, code, at);
    if (forming) rows.push(forming);
  }
  const data = rows.map((c) => htxKline(c, m));
  return { status: 200, body: { ch: `market.${m.id}.kline.${period}`, status: 'ok', data, ts: Date.now() } };
}

/**
 * Settled funding rates, newest first, at most `limit` (default 100, max 100): from `start_time`
 * on when given (the oldest `limit` from there), else the latest up to `end_time` (or now).
 */
function fundingHistory(ctx: SimContext, faults: FaultState, m: SimMarket, query: Query, now: number): DialectReply {
  const limit = intParam(query, 'limit', 100, 1, 100);
  if (typeof limit !== 'number') return limit;
  const start = msParam(query, 'start_time');
  if (typeof start === 'object' && start !== null) return start;
  const end = msParam(query, 'end_time');
  if (typeof end === 'object' && end !== null) return end;
  const toMs = Math.min(ctx.tradingTime(m, now), end ?? Number.POSITIVE_INFINITY);
  const all = ctx.source.fundingHistory(m.symbol, start !== null ? start - 1 : toMs - (limit + 1) * FUNDING_INTERVAL_MS, toMs);
  const rows = (start !== null ? all.slice(0, limit) : all.slice(-limit)).reverse();
  return htV5(rows.map((f, i) => ({ id: String(i + 1), contract_code: m.id, funding_rate: decimal(faults.fundingRateOverride(m.symbol, m.id, f.timestampMs) ?? f.rate, 8), funding_time: String(f.timestampMs) })));
}

/**
 * Open interest per `period` (60min, 4hour, 12hour, 1day), newest first, `size` points (default
 * 48, max 200); `amount_type` 1 counts contracts, 2 base coin. `value` is in the settle coin.
 */
function openInterestHistory(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const period = query.get('period') ?? '';
  if (period === '') return HT.missing('period');
  const periodMs = HTX_OI_PERIODS[period];
  if (periodMs === undefined) return HT.badValue('period', `Got "${period}", expected one of ${Object.keys(HTX_OI_PERIODS).join(', ')}.`);
  const amountType = query.get('amount_type') ?? '';
  if (amountType !== '1' && amountType !== '2') return HT.badValue('amount_type', `Got "${amountType}", expected 1 (contracts) or 2 (coin).`);
  const size = intParam(query, 'size', 48, 1, 200);
  if (typeof size !== 'number') return size;
  const at = ctx.tradingTime(m, now);
  const earliest = ctx.source.firstDataMs(m.symbol);
  const tick: Record<string, string>[] = [];
  for (let t = Math.floor(at / periodMs) * periodMs; t >= earliest && tick.length < size; t -= periodMs) {
    const oi = ctx.source.openInterest(m.symbol, t);
    const mark = ctx.source.markPrice(m.symbol, t).markPrice;
    tick.push({ volume: amountType === '1' ? String(htxVolumeFromBase(oi.amountBase, m)) : decimal(oi.amountBase, 8), amount_type: amountType, ts: String(t), value: decimal(oi.valueUsd ?? oi.amountBase * mark, 4) });
  }
  return htOk({ symbol: m.base, tick, contract_code: m.id, business_type: 'swap', pair: m.id, contract_type: 'swap', trade_partition: m.settle });
}

function withCode(ctx: SimContext, query: Query, fn: (m: SimMarket) => DialectReply): DialectReply {
  const code = query.get('contract_code');
  if (!code) return HT.missing('contract_code');
  const m = marketOf(ctx, code);
  return m ? fn(m) : HT.symbol();
}

export function intParam(query: Query, name: string, dflt: number, min: number, max: number): number | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) return HT.badValue(name, `Got "${raw}", expected an integer ${min}..${max}.`);
  return n;
}

/** A time in seconds (HTX kline `from`/`to`), returned in ms. */
function secondsParam(query: Query, name: string): number | null | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n * 1000 : HT.badValue(name, `Got "${raw}", expected a time in seconds.`);
}

function msParam(query: Query, name: string): number | null | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : HT.badValue(name, `Got "${raw}", expected a time in ms.`);
}

/** One bar as HTX's `history/kline` answers it and its kline stream pushes it: `id` is its open in seconds. */
export function htxKline(c: SimCandle, m: SimMarket): Record<string, number> {
  return {
    id: Math.floor(c.openTimeMs / 1000),
    open: htPriceNum(c.open, m),
    close: htPriceNum(c.close, m),
    high: htPriceNum(c.high, m),
    low: htPriceNum(c.low, m),
    amount: Number(decimal(c.volume, 8)),
    vol: htxVolumeFromBase(c.volume, m),
    trade_turnover: Number(decimal(c.quoteVolume, 4)),
    count: 0,
  };
}
