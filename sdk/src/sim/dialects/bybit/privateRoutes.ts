import { baseToContracts, contractsToBase } from '../../../market/contractUnits.js';
import { parseAttachedTpsl } from '../../attachedTpsl.js';
import type { MarginMode, SimPosition } from '../../account.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import { AmendRefusal, type Rejection, type SimOrder } from '../../orders.js';
import type { PrivateApi } from '../../restPrivate.js';
import type { SimTrigger } from '../../tpsl.js';
import type { SimApiKey, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import type { DialectReply } from '../types.js';
import { binanceId as bybitId, bnPrice as byPrice, bnQty as byQty, stepBase, type SymbolIndex } from '../binanceusdm/wire.js';
import { intParam, MIN_NOTIONAL_USDT } from './publicRoutes.js';
import { conditionalRecord, executionRecord, orderRecord, type BybitOrderMeta } from './records.js';
import { BY, byError, byOk } from './wire.js';

/** Bybit's `orderLinkId`: up to 36 letters, digits, `-` and `_`. */
const LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;
const TIME_IN_FORCE: Readonly<Record<string, 'limit' | 'ioc' | 'fok' | 'post_only'>> = { GTC: 'limit', IOC: 'ioc', FOK: 'fok', PostOnly: 'post_only' };
const TRIGGER_BY = new Set(['LastPrice', 'MarkPrice', 'IndexPrice']);
/** The widest span `execution/list` and `order/history` serve between startTime and endTime. */
const HISTORY_WINDOW_MS = 7 * 24 * 60 * 60 * 1_000;
/** The sim account's maintenance margin rate (see SimAccount). */
const MAINTENANCE_RATE = 0.004;
const LOOKUPS = new Set(['GET /v5/order/realtime', 'GET /v5/order/history']);
const PLACEMENTS = new Set(['POST /v5/order/create', 'POST /v5/order/amend']);

/** A request's parameters: the query of a GET, the JSON body of a POST (values as strings). */
type Params = Map<string, string>;

/**
 * Bybit v5's signed endpoints (`category=linear`, a unified trading account) over the sim's one
 * test account (the same account, matching and trigger engines the other dialects trade on).
 * One-way position mode (`positionIdx` 0) only; the margin mode is account-wide, as on a unified
 * account. Conditional orders (`triggerPrice`) keep their order id from placement to fill, as
 * Bybit's do. Every `orderLinkId` is unique for the account's life (110072 otherwise).
 */
export class BybitPrivateApi {
  /** Per order id (plain orders and conditional orders alike). */
  /** Per-order memory the routes write (`orderLinkId`, time in force, stop type); the private stream reads it (`orderMeta`). */
  private readonly meta = new Map<string, BybitOrderMeta>();

  /** What the codec remembers of the orders, read-only, for the private stream to render them as REST does. */
  orderMetas(): ReadonlyMap<string, BybitOrderMeta> {
    return this.meta;
  }
  private readonly byLinkId = new Map<string, string>();

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly core: PrivateApi,
    private readonly symbols: SymbolIndex,
    private readonly key: SimApiKey | null,
  ) {}

  /** Answers one verified request; null when the route is not a private one; 'hang' = processed, never answered. */
  handle(method: string, path: string, p: Params): DialectReply | 'hang' | null {
    const route = `${method} ${path}`;
    const hidden = LOOKUPS.has(route) && this.faults.takeHiddenLookup();
    const hangAfter = PLACEMENTS.has(route) && this.faults.takeAcceptThenTimeout();
    this.core.orders.fillRatio = this.faults.fillRatio;
    const reply = this.route(route, p, hidden);
    return reply !== null && hangAfter ? 'hang' : reply;
  }

  private route(route: string, p: Params, hidden: boolean): DialectReply | null {
    switch (route) {
      case 'GET /v5/user/query-api':
        return byOk(this.apiKeyInfo());
      case 'GET /v5/account/info':
        return byOk({ unifiedMarginStatus: 6, marginMode: this.core.account.marginMode === 'isolated' ? 'ISOLATED_MARGIN' : 'REGULAR_MARGIN', isMasterTrader: false, spotHedgingStatus: 'OFF', updatedTime: String(this.ctx.nowMs()), dcpStatus: 'OFF', timeWindow: 10, smpGroup: 0 });
      case 'GET /v5/asset/coin/query-info': {
        // The coins the account's markets trade and settle in; the sim moves no coins on chains.
        const coins = [...new Set(this.ctx.markets().flatMap((m) => [m.base, m.quote, m.settle]))].sort();
        return byOk({ rows: coins.map((coin) => ({ name: coin, coin, remainAmount: '0', chains: [] })) });
      }
      case 'GET /v5/account/wallet-balance':
        return this.walletBalance(p);
      case 'POST /v5/account/set-margin-mode':
        return this.setMarginMode(p);
      case 'GET /v5/position/list':
        return this.linear(p, () => this.positionList(p));
      case 'POST /v5/position/set-leverage':
        return this.linear(p, () => this.withSymbol(p, (m) => this.setLeverage(p, m)));
      case 'POST /v5/position/trading-stop':
        return this.linear(p, () => this.withSymbol(p, (m) => this.tradingStop(p, m)));
      case 'POST /v5/order/create':
        return this.linear(p, () => this.withSymbol(p, (m) => this.create(p, m)));
      case 'POST /v5/order/amend':
        return this.linear(p, () => this.withSymbol(p, (m) => this.amend(p, m)));
      case 'POST /v5/order/cancel':
        return this.linear(p, () => this.withSymbol(p, (m) => this.cancel(p, m)));
      case 'POST /v5/order/cancel-all':
        return this.linear(p, () => this.cancelAll(p));
      case 'GET /v5/order/realtime':
        return this.linear(p, () => this.orderList(p, hidden, true));
      case 'GET /v5/order/history':
        return this.linear(p, () => this.orderList(p, hidden, false));
      case 'GET /v5/execution/list':
        return this.linear(p, () => this.executions(p));
      default:
        return null;
    }
  }

  private apiKeyInfo(): Record<string, unknown> {
    return {
      id: '1',
      note: 'perpscope-sim',
      apiKey: this.key?.apiKey ?? '',
      readOnly: 0,
      secret: '',
      permissions: { ContractTrade: ['Order', 'Position'], Spot: [], Wallet: ['AccountTransfer'], Options: [], Derivatives: [], CopyTrading: [], BlockTrade: [], Exchange: [], NFT: [], Affiliate: [] },
      ips: ['*'],
      type: 1,
      deadlineDay: -1,
      expiredAt: '',
      createdAt: new Date(this.ctx.nowMs()).toISOString(),
      unified: 0,
      uta: 1,
      userID: 1,
      inviterID: 0,
      vipLevel: 'No VIP',
      mktMakerLevel: '0',
      affiliateID: 0,
      rsaPublicKey: '',
      isMaster: true,
    };
  }

  /** The unified account's wallet: one USDT coin row (`accountType=UNIFIED` only). */
  private walletBalance(p: Params): DialectReply {
    const type = p.get('accountType') ?? '';
    if (type === '') return BY.missing('accountType');
    if (type !== 'UNIFIED') return BY.badValue('accountType', `Got "${type}", expected UNIFIED (a unified trading account).`);
    const coinFilter = p.get('coin');
    const a = this.core.account;
    const equity = a.equity();
    const positionIM = a.positionMargin();
    const orderIM = this.core.orders.frozenMargin();
    const mm = a.maintenanceMargin();
    const available = Math.max(0, equity - positionIM - orderIM);
    const upl = equity - a.balanceUsdt;
    const coin = {
      coin: 'USDT',
      equity: decimal(equity, 8),
      usdValue: decimal(equity, 8),
      walletBalance: decimal(a.balanceUsdt, 8),
      free: '',
      locked: '0',
      spotHedgingQty: '0',
      borrowAmount: '0',
      availableToWithdraw: decimal(available, 8),
      accruedInterest: '0',
      totalOrderIM: decimal(orderIM, 8),
      totalPositionIM: decimal(positionIM, 8),
      totalPositionMM: decimal(mm, 8),
      unrealisedPnl: decimal(upl, 8),
      cumRealisedPnl: '0',
      bonus: '0',
      marginCollateral: true,
      collateralSwitch: true,
      availableToBorrow: '',
    };
    return byOk({
      list: [
        {
          accountType: 'UNIFIED',
          accountLTV: '0',
          accountIMRate: equity > 0 ? decimal((positionIM + orderIM) / equity, 4) : '0',
          accountMMRate: equity > 0 ? decimal(mm / equity, 4) : '0',
          totalEquity: decimal(equity, 8),
          totalWalletBalance: decimal(a.balanceUsdt, 8),
          totalMarginBalance: decimal(equity, 8),
          totalAvailableBalance: decimal(available, 8),
          totalPerpUPL: decimal(upl, 8),
          totalInitialMargin: decimal(positionIM + orderIM, 8),
          totalMaintenanceMargin: decimal(mm, 8),
          coin: coinFilter && !coinFilter.split(',').includes('USDT') ? [] : [coin],
        },
      ],
    });
  }

  /**
   * The unified account's margin mode (REGULAR_MARGIN is cross). Bybit refuses a switch while
   * positions or orders are open; asking for the current mode succeeds without change.
   */
  private setMarginMode(p: Params): DialectReply {
    const raw = p.get('setMarginMode') ?? '';
    if (raw === '') return BY.missing('setMarginMode');
    const mode: MarginMode | null = raw === 'ISOLATED_MARGIN' ? 'isolated' : raw === 'REGULAR_MARGIN' ? 'cross' : null;
    if (mode === null) return BY.badValue('setMarginMode', `Got "${raw}", expected ISOLATED_MARGIN or REGULAR_MARGIN (portfolio margin is not simulated).`);
    const account = this.core.account;
    if (mode !== account.marginMode) {
      const busy = account.positions.size > 0 || [...this.core.orders.orders.values()].some(isOpen);
      if (busy) return { status: 200, body: { retCode: 3400045, retMsg: 'Set margin mode failed', result: { reasons: [{ reasonCode: '3400045', reasonMsg: 'Positions or open orders exist: close them before switching the margin mode.' }] }, retExtInfo: {}, time: Date.now() } };
      account.marginMode = mode;
    }
    return byOk({ reasons: [] }, 'Request accepted');
  }

  private positionList(p: Params): DialectReply {
    const id = p.get('symbol');
    const settle = p.get('settleCoin');
    if (!id && !settle) return BY.param('params error: symbol or settleCoin is required');
    let markets: SimMarket[];
    if (id) {
      const m = this.symbols.get(id);
      if (!m) return BY.symbol();
      markets = [m];
    } else {
      markets = this.ctx.markets().filter((m) => m.settle === settle && this.core.account.positions.has(m.id));
    }
    return byOk({ category: 'linear', list: markets.map((m) => this.positionRow(m, this.core.account.positions.get(m.id))), nextPageCursor: '' });
  }

  /** One position row; a symbol without a position still has its row (size 0, side ''), as Bybit answers a symbol query. */
  private positionRow(m: SimMarket, pos: SimPosition | undefined): Record<string, unknown> {
    const a = this.core.account;
    const mode = pos?.marginMode ?? a.marginMode;
    const lev = pos?.leverage ?? a.leverageOf(m.id, mode);
    const mark = a.markPrice(m);
    const sizeBase = pos ? Math.abs(contractsToBase(m, pos.size)) : 0;
    const value = sizeBase * (pos?.avgPrice ?? 0);
    const blofin = pos ? a.positionRecord(pos) : undefined;
    const tpsl = pos ? this.positionTpsl(m, pos) : { takeProfit: '', stopLoss: '' };
    return {
      positionIdx: 0,
      riskId: 1,
      riskLimitValue: '2000000',
      symbol: bybitId(m),
      side: !pos || pos.size === 0 ? '' : pos.size > 0 ? 'Buy' : 'Sell',
      size: byQty(sizeBase, m),
      avgPrice: pos ? decimal(pos.avgPrice, 8) : '0',
      positionValue: decimal(value, 8),
      tradeMode: 0,
      autoAddMargin: 0,
      positionStatus: 'Normal',
      leverage: String(lev),
      markPrice: decimal(mark, 8),
      liqPrice: blofin?.liquidationPrice ?? '',
      bustPrice: '',
      positionIM: decimal(value / lev, 8),
      positionMM: decimal(sizeBase * mark * MAINTENANCE_RATE, 8),
      positionBalance: decimal(value / lev, 8),
      takeProfit: tpsl.takeProfit || '0',
      stopLoss: tpsl.stopLoss || '0',
      trailingStop: '0',
      sessionAvgPrice: '',
      delta: '',
      gamma: '',
      vega: '',
      theta: '',
      unrealisedPnl: pos ? decimal(a.unrealizedPnl(pos, m), 8) : '0',
      curRealisedPnl: pos ? decimal(pos.realizedPnl, 8) : '0',
      cumRealisedPnl: pos ? decimal(pos.realizedPnl, 8) : '0',
      adlRankIndicator: pos ? 2 : 0,
      createdTime: String(pos?.createTimeMs ?? 0),
      updatedTime: String(pos?.updateTimeMs ?? 0),
      seq: 0,
      isReduceOnly: false,
      mmrSysUpdatedTime: '',
      leverageSysUpdatedTime: '',
    };
  }

  /** The whole-position TP/SL (trading-stop, Full mode) resting on a position. */
  private positionTpsl(m: SimMarket, pos: SimPosition): { takeProfit: string; stopLoss: string } {
    let takeProfit = '';
    let stopLoss = '';
    for (const t of this.core.triggers.triggers.values()) {
      if (t.instId !== m.id || t.kind !== 'tpsl' || t.state !== 'live' || t.size > 0 || (t.side === 'sell') !== pos.size > 0) continue;
      if (t.tpTriggerPrice !== null) takeProfit = byPrice(t.tpTriggerPrice, m);
      if (t.slTriggerPrice !== null) stopLoss = byPrice(t.slTriggerPrice, m);
    }
    return { takeProfit, stopLoss };
  }

  /** One leverage per symbol in one-way mode: `buyLeverage` must equal `sellLeverage`; the same value again is 110043. */
  private setLeverage(p: Params, m: SimMarket): DialectReply {
    const buy = p.get('buyLeverage') ?? '';
    const sell = p.get('sellLeverage') ?? '';
    if (buy === '') return BY.missing('buyLeverage');
    if (sell === '') return BY.missing('sellLeverage');
    if (Number(buy) !== Number(sell)) return BY.param('params error: buyLeverage must be equal to sellLeverage in one-way mode');
    const lev = Number(buy);
    const max = m.maxLeverage ?? 50;
    if (!Number.isFinite(lev) || lev < 1 || lev > max) return BY.leverageRange(max);
    const a = this.core.account;
    const mode = a.positions.get(m.id)?.marginMode ?? a.marginMode;
    if (a.leverageOf(m.id, mode) === lev) return BY.leverageSame();
    a.setLeverage(m.id, 'cross', lev);
    a.setLeverage(m.id, 'isolated', lev);
    return byOk({});
  }

  /**
   * A position's TP/SL (`/v5/position/trading-stop`): `Full` closes the whole position when it
   * fires and replaces the previous Full TP or SL; `Partial` closes `tpSize`/`slSize`. Each leg
   * becomes its own conditional order (stopOrderType TakeProfit/StopLoss, or Partial...).
   */
  private tradingStop(p: Params, m: SimMarket): DialectReply {
    const pos = this.core.account.positions.get(m.id);
    if (!pos || pos.size === 0) return BY.param('can not set tp/sl/ts for zero position');
    const mode = p.get('tpslMode') ?? 'Full';
    if (mode !== 'Full' && mode !== 'Partial') return BY.badValue('tpslMode', `Got "${mode}", expected Full or Partial.`);
    const side = pos.size > 0 ? 'sell' : 'buy';
    const last = this.ctx.source.lastPrice(m.symbol, this.ctx.tradingTime(m, this.ctx.nowMs())) ?? 0;
    const legs: { leg: 'tp' | 'sl'; trigger: number; size: number; limit: number }[] = [];
    for (const leg of ['tp', 'sl'] as const) {
      const raw = p.get(leg === 'tp' ? 'takeProfit' : 'stopLoss');
      if (raw === undefined || raw === '') continue;
      const trigger = Number(raw);
      if (trigger === 0 && mode === 'Full') {
        // 0 cancels the Full TP (or SL) of the position.
        for (const t of this.fullLegs(m, leg)) this.core.triggers.cancel(t.id, undefined);
        continue;
      }
      const price = this.price(trigger, leg === 'tp' ? 'takeProfit' : 'stopLoss', m);
      if (typeof price !== 'number') return price;
      // A long's take-profit sits above the last price and its stop below (mirrored for a short).
      const above = (leg === 'tp') === (side === 'sell');
      if (above ? price <= last : price >= last) return BY.param(`${leg === 'tp' ? 'TakeProfit' : 'StopLoss'}:${byPrice(price, m)} set for ${side === 'sell' ? 'Buy' : 'Sell'} position should be ${above ? 'higher' : 'lower'} than base_price:${byPrice(last, m)}??LastPrice`);
      let size = -1;
      if (mode === 'Partial') {
        const q = this.quantity(p, leg === 'tp' ? 'tpSize' : 'slSize', m);
        if (typeof q !== 'number') return q;
        size = baseToContracts(m, q);
      }
      const limitRaw = p.get(leg === 'tp' ? 'tpLimitPrice' : 'slLimitPrice');
      const limit = (p.get(leg === 'tp' ? 'tpOrderType' : 'slOrderType') ?? 'Market') === 'Limit' && limitRaw ? Number(limitRaw) : -1;
      legs.push({ leg, trigger: price, size, limit });
    }
    for (const l of legs) {
      if (mode === 'Full') for (const t of this.fullLegs(m, l.leg)) this.core.triggers.cancel(t.id, undefined);
      const r = this.core.triggers.create('tpsl', {
        instId: m.id,
        side,
        ...(l.size > 0 ? { size: String(l.size) } : {}),
        reduceOnly: 'true',
        marginMode: pos.marginMode,
        ...(l.leg === 'tp' ? { tpTriggerPrice: String(l.trigger), tpOrderPrice: String(l.limit) } : { slTriggerPrice: String(l.trigger), slOrderPrice: String(l.limit) }),
      });
      if (!('id' in r)) return coreRejection(r);
      const stopOrderType = `${mode === 'Partial' ? 'Partial' : ''}${l.leg === 'tp' ? 'TakeProfit' : 'StopLoss'}`;
      const triggerBy = p.get(l.leg === 'tp' ? 'tpTriggerBy' : 'slTriggerBy') ?? 'LastPrice';
      this.meta.set(r.id, { orderLinkId: '', timeInForce: 'GTC', orderType: l.limit > 0 ? 'Limit' : 'Market', stopOrderType, triggerDirection: l.trigger > last ? 1 : 2, triggerBy, takeProfit: '', stopLoss: '', lastPriceOnCreated: byPrice(last, m) });
    }
    return byOk({});
  }

  private fullLegs(m: SimMarket, leg: 'tp' | 'sl'): SimTrigger[] {
    return [...this.core.triggers.triggers.values()].filter((t) => t.instId === m.id && t.kind === 'tpsl' && t.state === 'live' && t.size <= 0 && (leg === 'tp' ? t.tpTriggerPrice !== null : t.slTriggerPrice !== null));
  }

  /**
   * `/v5/order/create`: a Market or Limit order, or with `triggerPrice` a conditional order that
   * sends it once the watched price (`triggerBy`) rises (`triggerDirection` 1) or falls (2) to the
   * trigger. `takeProfit`/`stopLoss` attach a TP/SL armed once the order fills.
   */
  private create(p: Params, m: SimMarket): DialectReply {
    const now = this.ctx.nowMs();
    const side = sideParam(p);
    if (typeof side !== 'string') return side;
    const orderType = p.get('orderType') ?? '';
    if (orderType === '') return BY.missing('orderType');
    if (orderType !== 'Market' && orderType !== 'Limit') return BY.badValue('orderType', `Got "${orderType}", expected Market or Limit.`);
    const positionIdx = p.get('positionIdx') ?? '0';
    if (positionIdx !== '0') return BY.param('position idx not match position mode');
    const linkId = p.get('orderLinkId') ?? '';
    if (linkId !== '') {
      if (!LINK_ID.test(linkId)) return BY.badValue('orderLinkId', `Got "${linkId}", expected up to 36 letters, digits, - or _.`);
      if (this.byLinkId.has(linkId)) return BY.duplicateLinkId();
    }
    const reduceOnly = p.get('reduceOnly') === 'true';
    const pos = this.core.account.positions.get(m.id);
    if (!this.ctx.isLive(m, now) && !reduceOnly) return BY.suspended();
    const qty = this.quantity(p, 'qty', m);
    if (typeof qty !== 'number') return qty;
    let limitPrice: number | undefined;
    if (orderType === 'Limit') {
      const pr = this.price(p.get('price'), 'price', m);
      if (typeof pr !== 'number') return pr;
      limitPrice = pr;
    }
    const tif = p.get('timeInForce') ?? (orderType === 'Market' ? 'IOC' : 'GTC');
    const coreType = orderType === 'Market' ? 'market' : TIME_IN_FORCE[tif];
    if (coreType === undefined) return BY.badValue('timeInForce', `Got "${tif}", expected GTC, IOC, FOK or PostOnly.`);
    const last = this.ctx.source.lastPrice(m.symbol, this.ctx.tradingTime(m, now)) ?? 0;
    const marginMode = pos?.marginMode ?? this.core.account.marginMode;
    const triggerRaw = p.get('triggerPrice');
    if (triggerRaw !== undefined && triggerRaw !== '') return this.createConditional(p, m, { side, orderType, qty, limitPrice, tif, reduceOnly, linkId, last, marginMode });
    if (reduceOnly && (!pos || pos.size === 0 || pos.size > 0 === (side === 'buy'))) return BY.reduceOnly();
    if (!reduceOnly && qty * (limitPrice ?? this.touch(m, side)) < MIN_NOTIONAL_USDT) return BY.minNotional();
    const attached = this.attached(p, m, side, limitPrice);
    if (attached !== null && 'code' in attached) return BY.param(attached.msg);
    const r = this.core.orders.place({ instId: m.id, side, orderType: coreType, size: baseToContracts(m, qty), price: limitPrice, reduceOnly, marginMode });
    if (!('orderId' in r)) return coreRejection(r);
    if (attached !== null) this.core.triggers.attach(r, attached);
    this.remember(r.orderId, linkId, {
      timeInForce: tif,
      orderType,
      stopOrderType: '',
      triggerDirection: 0,
      triggerBy: '',
      takeProfit: attached?.tpTriggerPrice != null ? byPrice(attached.tpTriggerPrice, m) : '',
      stopLoss: attached?.slTriggerPrice != null ? byPrice(attached.slTriggerPrice, m) : '',
      lastPriceOnCreated: byPrice(last, m),
    });
    return byOk({ orderId: r.orderId, orderLinkId: linkId });
  }

  private createConditional(
    p: Params,
    m: SimMarket,
    o: { side: 'buy' | 'sell'; orderType: 'Market' | 'Limit'; qty: number; limitPrice: number | undefined; tif: string; reduceOnly: boolean; linkId: string; last: number; marginMode: MarginMode },
  ): DialectReply {
    const trigger = this.price(p.get('triggerPrice'), 'triggerPrice', m);
    if (typeof trigger !== 'number') return trigger;
    const dirRaw = p.get('triggerDirection') ?? '';
    if (dirRaw !== '1' && dirRaw !== '2') return BY.badValue('triggerDirection', `Got "${dirRaw}", expected 1 (rise) or 2 (fall).`);
    const triggerBy = p.get('triggerBy') ?? 'LastPrice';
    if (!TRIGGER_BY.has(triggerBy)) return BY.badValue('triggerBy', `Got "${triggerBy}", expected LastPrice, MarkPrice or IndexPrice.`);
    // The sim has no separate index feed for triggers: IndexPrice watches the mark.
    const onMark = triggerBy !== 'LastPrice';
    const at = this.ctx.tradingTime(m, this.ctx.nowMs());
    const current = onMark ? this.ctx.source.markPrice(m.symbol, at).markPrice : o.last;
    if (dirRaw === '1' && trigger <= current) return BY.triggerRising(byPrice(trigger, m), byPrice(current, m));
    if (dirRaw === '2' && trigger >= current) return BY.triggerFalling(byPrice(trigger, m), byPrice(current, m));
    const r = this.core.triggers.create('algo', {
      instId: m.id,
      side: o.side,
      size: String(baseToContracts(m, o.qty)),
      reduceOnly: o.reduceOnly ? 'true' : 'false',
      marginMode: o.marginMode,
      triggerPrice: String(trigger),
      orderPrice: String(o.limitPrice ?? -1),
      ...(onMark ? { triggerPriceType: 'mark' } : {}),
    });
    if (!('id' in r)) return coreRejection(r);
    this.remember(r.id, o.linkId, { timeInForce: o.tif, orderType: o.orderType, stopOrderType: 'Stop', triggerDirection: dirRaw === '1' ? 1 : 2, triggerBy, takeProfit: '', stopLoss: '', lastPriceOnCreated: byPrice(o.last, m) });
    return byOk({ orderId: r.id, orderLinkId: o.linkId });
  }

  /** `takeProfit` / `stopLoss` on an order, checked as the core checks attached TP/SL; null when none. */
  private attached(p: Params, m: SimMarket, side: 'buy' | 'sell', limitPrice: number | undefined): ReturnType<typeof parseAttachedTpsl> {
    const tp = p.get('takeProfit') ?? '';
    const sl = p.get('stopLoss') ?? '';
    if (tp === '' && sl === '') return null;
    const orderPrice = (kind: 'tp' | 'sl'): string => ((p.get(kind === 'tp' ? 'tpOrderType' : 'slOrderType') ?? 'Market') === 'Limit' ? (p.get(kind === 'tp' ? 'tpLimitPrice' : 'slLimitPrice') ?? '') : '-1');
    const body: Record<string, unknown> = { ...(tp !== '' ? { tpTriggerPrice: tp, tpOrderPrice: orderPrice('tp') } : {}), ...(sl !== '' ? { slTriggerPrice: sl, slOrderPrice: orderPrice('sl') } : {}) };
    const book = this.ctx.source.orderBook(m.symbol, this.ctx.tradingTime(m, this.ctx.nowMs()), 1);
    return parseAttachedTpsl(body, { side, isMarket: limitPrice === undefined, price: limitPrice ?? 0, bestBid: book.bids[0]?.[0] ?? null, bestAsk: book.asks[0]?.[0] ?? null });
  }

  private remember(id: string, linkId: string, meta: Omit<BybitOrderMeta, 'orderLinkId'>): void {
    this.meta.set(id, { orderLinkId: linkId, ...meta });
    if (linkId !== '') this.byLinkId.set(linkId, id);
  }

  /**
   * `/v5/order/amend`: changes `qty` and/or `price` of an open order, or `triggerPrice`/`qty`
   * (and `price` of a Limit one) of an untriggered conditional order, by `orderId` or
   * `orderLinkId`; ids stay. Only what is sent changes. A finished order is 110001, a quantity not
   * above what filled 110064, nothing to change 10001, as Bybit answers them.
   */
  private amend(p: Params, m: SimMarket): DialectReply {
    const id = this.resolveId(p);
    if (typeof id !== 'string') return id;
    const linkId = this.meta.get(id)?.orderLinkId ?? '';
    const has = (k: string): boolean => (p.get(k) ?? '') !== '';
    if (!has('qty') && !has('price') && !has('triggerPrice')) return BY.param('params error: The order remains unchanged as the parameters entered match the existing ones.');
    const qty = has('qty') ? this.quantity(p, 'qty', m) : undefined;
    if (typeof qty === 'object') return qty;
    const price = has('price') ? this.price(p.get('price'), 'price', m) : undefined;
    if (typeof price === 'object') return price;
    const o = this.core.orders.orders.get(id);
    if (o && o.instId === m.id) {
      if (!isOpen(o)) return BY.orderNotFound();
      if (has('triggerPrice') && Number(p.get('triggerPrice')) > 0) return BY.param('params error: triggerPrice can only be amended on an untriggered conditional order');
      const r = this.core.orders.amend(id, { ...(qty !== undefined ? { size: baseToContracts(m, qty) } : {}), ...(price !== undefined ? { price } : {}) });
      if (!('orderId' in r)) return amendRejection(r);
      return byOk({ orderId: id, orderLinkId: linkId });
    }
    const t = this.core.triggers.triggers.get(id);
    const meta = this.meta.get(id);
    if (!t || !meta || t.instId !== m.id || t.kind !== 'algo' || t.state !== 'live') return BY.orderNotFound();
    let trigger: number | undefined;
    if (has('triggerPrice')) {
      const tp = this.price(p.get('triggerPrice'), 'triggerPrice', m);
      if (typeof tp !== 'number') return tp;
      // The direction chosen at placement stays: the new trigger must still lie on its side of the watched price.
      const at = this.ctx.tradingTime(m, this.ctx.nowMs());
      const current = (meta.triggerBy === 'LastPrice' ? this.ctx.source.lastPrice(m.symbol, at) : this.ctx.source.markPrice(m.symbol, at).markPrice) ?? 0;
      if (meta.triggerDirection === 1 && tp <= current) return BY.triggerRising(byPrice(tp, m), byPrice(current, m));
      if (meta.triggerDirection === 2 && tp >= current) return BY.triggerFalling(byPrice(tp, m), byPrice(current, m));
      trigger = tp;
    }
    if (price !== undefined && meta.orderType !== 'Limit') return BY.param('params error: price can only be amended on a Limit order');
    const size = qty !== undefined ? baseToContracts(m, qty) : undefined;
    if ((trigger === undefined || trigger === t.triggerPrice) && (size === undefined || size === t.size) && (price === undefined || price === t.orderPrice)) {
      return BY.param('params error: The order remains unchanged as the parameters entered match the existing ones.');
    }
    const r = this.core.triggers.amend(id, { ...(trigger !== undefined ? { triggerPrice: trigger } : {}), ...(size !== undefined ? { size } : {}), ...(price !== undefined ? { orderPrice: price } : {}) });
    if (!('id' in r)) return BY.orderNotFound();
    return byOk({ orderId: id, orderLinkId: linkId });
  }

  /** Cancels an open order or an untriggered conditional order by `orderId` or `orderLinkId`. */
  private cancel(p: Params, m: SimMarket): DialectReply {
    const id = this.resolveId(p);
    if (typeof id !== 'string') return id;
    const linkId = this.meta.get(id)?.orderLinkId ?? '';
    const o = this.core.orders.orders.get(id);
    if (o && o.instId === m.id) {
      if (!isOpen(o)) return BY.orderNotFound();
      const r = this.core.orders.cancel(o.instId, o.orderId, undefined);
      return 'orderId' in r ? byOk({ orderId: id, orderLinkId: linkId }) : BY.orderNotFound();
    }
    const t = this.core.triggers.triggers.get(id);
    if (!t || t.instId !== m.id || t.state !== 'live') return BY.orderNotFound();
    const r = this.core.triggers.cancel(t.id, undefined);
    return 'id' in r ? byOk({ orderId: id, orderLinkId: linkId }) : BY.orderNotFound();
  }

  private cancelAll(p: Params): DialectReply {
    const id = p.get('symbol');
    const settle = p.get('settleCoin');
    if (!id && !settle) return BY.param('params error: symbol or settleCoin is required');
    const m = id ? this.symbols.get(id) : undefined;
    if (id && !m) return BY.symbol();
    const inScope = (instId: string): boolean => (m ? instId === m.id : this.ctx.byInstId(instId)?.settle === settle);
    const filter = p.get('orderFilter');
    const list: Record<string, string>[] = [];
    if (filter !== 'StopOrder' && filter !== 'tpslOrder') {
      for (const o of this.core.orders.orders.values()) {
        if (!isOpen(o) || !inScope(o.instId)) continue;
        this.core.orders.cancel(o.instId, o.orderId, undefined);
        list.push({ orderId: o.orderId, orderLinkId: this.meta.get(o.orderId)?.orderLinkId ?? '' });
      }
    }
    if (filter !== 'Order') {
      for (const t of this.core.triggers.triggers.values()) {
        if (t.state !== 'live' || !inScope(t.instId) || !this.meta.has(t.id)) continue;
        this.core.triggers.cancel(t.id, undefined);
        list.push({ orderId: t.id, orderLinkId: this.meta.get(t.id)?.orderLinkId ?? '' });
      }
    }
    return byOk({ list, success: '1' });
  }

  /**
   * `order/realtime` (open orders and untriggered conditional orders; any state when asked by
   * `orderId`/`orderLinkId`) and `order/history` (every state), newest first, `limit` per page
   * (default 20, max 50) with an opaque `cursor`.
   */
  private orderList(p: Params, hidden: boolean, realtime: boolean): DialectReply {
    const limit = intParam(toQuery(p), 'limit', 20, 1, 50);
    if (typeof limit !== 'number') return limit;
    const symbol = p.get('symbol');
    const settle = p.get('settleCoin');
    const m = symbol ? this.symbols.get(symbol) : undefined;
    if (symbol && !m) return BY.symbol();
    if (realtime && !symbol && !settle && !p.get('baseCoin') && !p.get('orderId') && !p.get('orderLinkId')) return BY.param('params error: symbol, baseCoin or settleCoin is required');
    const byId = p.get('orderId') ?? '';
    const byLink = p.get('orderLinkId') ?? '';
    const wanted = byId !== '' ? byId : byLink !== '' ? (this.byLinkId.get(byLink) ?? '\u0000') : null;
    const filter = p.get('orderFilter') ?? '';
    const status = p.get('orderStatus') ?? '';
    const from = Number(p.get('startTime') ?? '') || 0;
    const to = Number(p.get('endTime') ?? '') || Number.POSITIVE_INFINITY;
    const rows: { t: number; rec: Record<string, unknown> }[] = [];
    const keep = (id: string, instId: string, open: boolean): boolean =>
      (wanted === null ? (realtime ? open : true) : id === wanted) && (!m || instId === m.id) && (!settle || this.ctx.byInstId(instId)?.settle === settle);
    if (filter === '' || filter === 'Order') {
      for (const o of this.core.orders.orders.values()) {
        if (this.firedBy(o.orderId) !== null || !keep(o.orderId, o.instId, isOpen(o))) continue;
        rows.push({ t: o.createTimeMs, rec: orderRecord(o, this.ctx.byInstId(o.instId)!, this.meta.get(o.orderId)) });
      }
    }
    if (filter === '' || filter === 'StopOrder' || filter === 'tpslOrder') {
      for (const t of this.core.triggers.triggers.values()) {
        const meta = this.meta.get(t.id);
        if (!meta) continue;
        if (filter === 'StopOrder' && meta.stopOrderType !== 'Stop') continue;
        if (filter === 'tpslOrder' && meta.stopOrderType === 'Stop') continue;
        const fired = t.actualOrderId ? this.core.orders.orders.get(t.actualOrderId) : undefined;
        const open = t.state === 'live' || (fired !== undefined && isOpen(fired));
        if (!keep(t.id, t.instId, open)) continue;
        rows.push({ t: t.createTimeMs, rec: conditionalRecord(t, this.ctx.byInstId(t.instId)!, meta, fired) });
      }
    }
    const matching = hidden ? [] : rows.filter((r) => r.t >= from && r.t <= to && (status === '' || r.rec.orderStatus === status)).sort((a, b) => b.t - a.t || Number(b.rec.orderId) - Number(a.rec.orderId));
    return this.page(p, matching.map((r) => r.rec), limit);
  }

  /**
   * The account's fills, newest first, `limit` per page (default 50, max 100) with a `cursor`.
   * Times: both within 7 days of each other; a start alone reads 7 days from it, an end alone the
   * 7 days before it, neither the last 7 days.
   */
  private executions(p: Params): DialectReply {
    const limit = intParam(toQuery(p), 'limit', 50, 1, 100);
    if (typeof limit !== 'number') return limit;
    const symbol = p.get('symbol');
    const m = symbol ? this.symbols.get(symbol) : undefined;
    if (symbol && !m) return BY.symbol();
    const start = Number(p.get('startTime') ?? '') || 0;
    const end = Number(p.get('endTime') ?? '') || 0;
    if (start > 0 && end > 0 && end - start > HISTORY_WINDOW_MS) return BY.param('params error: The time range between startTime and endTime cannot exceed 7 days');
    const to = end > 0 ? end : start > 0 ? start + HISTORY_WINDOW_MS : this.ctx.nowMs();
    const from = start > 0 ? start : to - HISTORY_WINDOW_MS;
    const byId = p.get('orderId') ?? '';
    const byLink = p.get('orderLinkId') ?? '';
    const wanted = byId !== '' ? byId : byLink !== '' ? (this.byLinkId.get(byLink) ?? '\u0000') : null;
    const rows: Record<string, unknown>[] = [];
    for (const f of this.core.account.fills) {
      if ((m && f.instId !== m.id) || f.tsMs < from || f.tsMs > to) continue;
      const orderId = this.firedBy(f.orderId) ?? f.orderId;
      if (wanted !== null && orderId !== wanted) continue;
      rows.push(executionRecord(f, this.ctx.byInstId(f.instId)!, orderId, this.meta.get(orderId)?.orderLinkId ?? '', this.core.orders.orders.get(f.orderId)));
    }
    rows.reverse();
    return this.page(p, rows, limit);
  }

  /** The conditional order (of this codec) whose trigger sent core order `orderId`; null for a plain order. */
  private firedBy(orderId: string): string | null {
    for (const t of this.core.triggers.triggers.values()) if (t.actualOrderId === orderId && this.meta.has(t.id)) return t.id;
    return null;
  }

  /** One page of `rows` from the offset `cursor` names; `nextPageCursor` is '' on the last page. */
  private page(p: Params, rows: Record<string, unknown>[], limit: number): DialectReply {
    const cursorRaw = p.get('cursor') ?? '';
    const offset = cursorRaw === '' ? 0 : Number(cursorRaw.replace(/^page:/, ''));
    if (!Number.isInteger(offset) || offset < 0) return BY.badValue('cursor', `Got "${cursorRaw}", expected a cursor from nextPageCursor.`);
    const slice = rows.slice(offset, offset + limit);
    return byOk({ category: 'linear', list: slice, nextPageCursor: offset + limit < rows.length ? `page:${offset + limit}` : '' });
  }

  private resolveId(p: Params): string | DialectReply {
    const id = p.get('orderId') ?? '';
    if (id !== '') return id;
    const link = p.get('orderLinkId') ?? '';
    if (link === '') return BY.param('params error: orderId or orderLinkId is required');
    return this.byLinkId.get(link) ?? BY.orderNotFound();
  }

  private linear(p: Params, fn: () => DialectReply): DialectReply {
    const category = p.get('category') ?? '';
    if (category === '') return BY.missing('category');
    return category === 'linear' ? fn() : BY.category(category);
  }

  private withSymbol(p: Params, fn: (m: SimMarket) => DialectReply): DialectReply {
    const id = p.get('symbol');
    if (!id) return BY.missing('symbol');
    const m = this.symbols.get(id);
    return m ? fn(m) : BY.symbol();
  }

  /** A base quantity: present, positive, on the step and at least the minimum. */
  private quantity(p: Params, name: string, m: SimMarket): number | DialectReply {
    const raw = p.get(name);
    if (raw === undefined || raw === '') return BY.missing(name);
    const qty = Number(raw);
    if (!Number.isFinite(qty) || qty <= 0) return BY.badValue(name, `Got "${raw}", expected a positive decimal number.`);
    const step = stepBase(m);
    const steps = qty / step;
    if (Math.abs(steps - Math.round(steps)) > 1e-6) return BY.qtyStep();
    if (qty + step * 1e-9 < Math.max(step, contractsToBase(m, m.minAmount))) return BY.minQty();
    return qty;
  }

  private price(raw: string | number | undefined, name: string, m: SimMarket): number | DialectReply {
    if (raw === undefined || raw === '') return BY.missing(name);
    const price = Number(raw);
    if (!Number.isFinite(price) || price <= 0) return BY.badValue(name, `Got "${String(raw)}", expected a positive price.`);
    const ticks = price / m.tickSize;
    if (Math.abs(ticks - Math.round(ticks)) > 1e-6) return BY.tickSize();
    return Number(byPrice(price, m));
  }

  private touch(m: SimMarket, side: 'buy' | 'sell'): number {
    const at = this.ctx.tradingTime(m, this.ctx.nowMs());
    const book = this.ctx.source.orderBook(m.symbol, at, 1);
    const level = side === 'buy' ? book.asks[0] : book.bids[0];
    return level?.[0] ?? this.ctx.source.lastPrice(m.symbol, at) ?? 0;
  }
}

/** A signed request's parameters as strings: the query of a GET, the top-level JSON fields of a POST. */
export function requestParams(method: string, query: URLSearchParams, body: string): Params | DialectReply {
  const p: Params = new Map();
  if (method !== 'POST') {
    for (const [k, v] of query) p.set(k, v);
    return p;
  }
  if (body.trim() === '') return p;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return byError(10001, 'params error: the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return byError(10001, 'params error: the request body must be a JSON object');
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) if (v !== null && v !== undefined) p.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  return p;
}

function toQuery(p: Params): URLSearchParams {
  return new URLSearchParams([...p.entries()]);
}

function isOpen(o: SimOrder): boolean {
  return o.state === 'live' || o.state === 'partially_filled';
}

function sideParam(p: Params): 'buy' | 'sell' | DialectReply {
  const raw = p.get('side') ?? '';
  if (raw === '') return BY.missing('side');
  if (raw === 'Buy') return 'buy';
  if (raw === 'Sell') return 'sell';
  return BY.badValue('side', `Got "${raw}", expected Buy or Sell.`);
}

/** An amend refused by the shared order engine, in Bybit's terms. */
function amendRejection(r: Rejection): DialectReply {
  switch (r.code) {
    case AmendRefusal.NotOpen:
      return BY.orderNotFound();
    case AmendRefusal.BelowFilled:
      return byError(110064, 'The number of contracts modified cannot be less than or equal to the filled quantity');
    case AmendRefusal.Unchanged:
      return BY.param('params error: The order remains unchanged as the parameters entered match the existing ones.');
    default:
      return coreRejection(r);
  }
}

/** A rejection of the shared order engine, in Bybit's terms. */
function coreRejection(r: Rejection): DialectReply {
  switch (r.code) {
    case '103003':
      return BY.insufficient();
    case '102022':
      return BY.reduceOnly();
    case '152014':
      return BY.symbol();
    default:
      return BY.param(`params error: ${r.msg}`);
  }
}
