import { baseToContracts, contractsToBase } from '../../../market/contractUnits.js';
import type { MarginMode, SimPosition } from '../../account.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import { AmendRefusal, type Rejection, type SimOrder } from '../../orders.js';
import type { PrivateApi } from '../../restPrivate.js';
import type { SimTrigger } from '../../tpsl.js';
import type { SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import type { DialectReply } from '../types.js';
import { MIN_NOTIONAL_USDT } from './publicRoutes.js';
import { algoRecord, orderRecord, userTradeRecord, type BinanceAlgoMeta, type BinanceOrderMeta } from './records.js';
import { binanceId, BN, bnError, bnOk, bnPrice, bnQty, stepBase, type SymbolIndex } from './wire.js';

/** Binance's pattern for `newClientOrderId` / `clientAlgoId`. */
/** The sim account's maintenance margin rate (see SimAccount), reported as the only bracket's. */
const MAINTENANCE_RATE = 0.004;
/** The widest span `userTrades` serves between startTime and endTime. */
const USER_TRADES_WINDOW_MS = 7 * 24 * 60 * 60 * 1_000;
const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const TIME_IN_FORCE: Readonly<Record<string, 'limit' | 'ioc' | 'fok' | 'post_only'>> = { GTC: 'limit', GTD: 'limit', IOC: 'ioc', FOK: 'fok', GTX: 'post_only' };
const CONDITIONAL_TYPES = new Set(['STOP_MARKET', 'TAKE_PROFIT_MARKET', 'STOP', 'TAKE_PROFIT']);
const LOOKUPS = new Set(['GET /fapi/v1/order', 'GET /fapi/v1/openOrders', 'GET /fapi/v1/allOrders', 'GET /fapi/v1/algoOrder', 'GET /fapi/v1/openAlgoOrders']);
const PLACEMENTS = new Set(['POST /fapi/v1/order', 'POST /fapi/v1/algoOrder', 'PUT /fapi/v1/order']);

/**
 * Binance USD-M's signed endpoints over the sim's one test account (the same account, matching
 * and trigger engines BloFin's routes trade on). One-way position mode only; the margin type is
 * account-wide in the sim (Binance keeps it per symbol), so changing it is refused while any
 * position or open order exists. Quantities are base units: the codec converts to and from the
 * core's contracts.
 */
export class BinancePrivateApi {
  /** Read by the user-data stream, which renders the same ids REST answers. */
  readonly orderMeta = new Map<string, BinanceOrderMeta>();
  readonly algoMeta = new Map<string, BinanceAlgoMeta>();

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly core: PrivateApi,
    private readonly symbols: SymbolIndex,
  ) {}

  /** Answers one verified request; null when the route is not a private one; 'hang' = processed, never answered. */
  handle(method: string, path: string, p: URLSearchParams): DialectReply | 'hang' | null {
    const key = `${method} ${path}`;
    const hidden = LOOKUPS.has(key) && this.faults.takeHiddenLookup();
    const hangAfter = PLACEMENTS.has(key) && this.faults.takeAcceptThenTimeout();
    this.core.orders.fillRatio = this.faults.fillRatio;
    const reply = this.route(key, p, hidden);
    return reply !== null && hangAfter ? 'hang' : reply;
  }

  private route(key: string, p: URLSearchParams, hidden: boolean): DialectReply | null {
    switch (key) {
      case 'GET /fapi/v2/account':
      case 'GET /fapi/v3/account':
        return bnOk(this.accountInfo(key.includes('v2')));
      case 'GET /fapi/v2/balance':
      case 'GET /fapi/v3/balance':
        return bnOk([this.assetBalance()]);
      case 'GET /fapi/v2/positionRisk':
      case 'GET /fapi/v3/positionRisk':
        return this.positionRisk(p, key.includes('v2'));
      case 'GET /fapi/v1/positionSide/dual':
        return bnOk({ dualSidePosition: false });
      case 'POST /fapi/v1/positionSide/dual':
        return p.get('dualSidePosition') === 'false' ? BN.noNeedPositionSide() : BN.badParam('dualSidePosition', 'The sim supports one-way mode only.');
      case 'GET /fapi/v1/leverageBracket': {
        const only = this.optionalSymbol(p);
        if (only === null) return BN.invalidSymbol();
        const rows = (only ? [only] : this.ctx.markets()).map((m) => ({
          symbol: binanceId(m),
          notionalCoef: 1,
          // One bracket: the core's maintenance rate holds at every size.
          brackets: [{ bracket: 1, initialLeverage: m.maxLeverage ?? 50, notionalCap: 1_000_000_000, notionalFloor: 0, maintMarginRatio: MAINTENANCE_RATE, cum: 0 }],
        }));
        return bnOk(only ? rows[0] : rows);
      }
      case 'GET /fapi/v1/symbolConfig': {
        // What ccxt reads back for fetchLeverage and fetchMarginMode: per symbol, its margin type and leverage.
        const only = this.optionalSymbol(p);
        if (only === null) return BN.invalidSymbol();
        const mode = this.core.account.marginMode;
        return bnOk(
          (only ? [only] : this.ctx.markets()).map((m) => {
            const pos = this.core.account.positions.get(m.id);
            const own = pos?.marginMode ?? mode;
            return { symbol: binanceId(m), marginType: own === 'isolated' ? 'ISOLATED' : 'CROSSED', isAutoAddMargin: 'false', leverage: pos?.leverage ?? this.core.account.leverageOf(m.id, own), maxNotionalValue: '1000000' };
          }),
        );
      }
      case 'POST /fapi/v1/leverage':
        return this.setLeverage(p);
      case 'POST /fapi/v1/marginType':
        return this.setMarginType(p);
      case 'POST /fapi/v1/order':
        return this.placeOrder(p);
      case 'PUT /fapi/v1/order':
        return this.withOrder(p, false, BN.noSuchOrder, (o, m) => this.modifyOrder(p, o, m));
      case 'GET /fapi/v1/order':
        return this.withOrder(p, hidden, BN.noSuchOrder, (o, m) => bnOk(orderRecord(o, m, this.orderMeta.get(o.orderId))));
      case 'DELETE /fapi/v1/order':
        return this.withOrder(p, false, BN.unknownOrder, (o, m) => {
          const r = this.core.orders.cancel(o.instId, o.orderId, undefined);
          return 'orderId' in r ? bnOk(orderRecord(r, m, this.orderMeta.get(r.orderId))) : BN.unknownOrder();
        });
      case 'DELETE /fapi/v1/allOpenOrders':
        return this.withSymbol(p, (m) => {
          for (const o of this.openOrders(m)) this.core.orders.cancel(o.instId, o.orderId, undefined);
          for (const t of this.openAlgos(m)) this.core.triggers.cancel(t.id, undefined);
          return bnOk({ code: 200, msg: 'The operation of cancel all open order is done.' });
        });
      case 'GET /fapi/v1/openOrders': {
        const m = this.optionalSymbol(p);
        if (m === null) return BN.invalidSymbol();
        return bnOk(hidden ? [] : this.openOrders(m).map((o) => this.record(o)));
      }
      case 'GET /fapi/v1/allOrders':
        return this.withSymbol(p, (m) => {
          const limit = limitParam(p, 500, 1000);
          if (typeof limit !== 'number') return limit;
          const from = Number(p.get('startTime') ?? 0) || 0;
          const to = Number(p.get('endTime') ?? 0) || Number.POSITIVE_INFINITY;
          const minId = Number(p.get('orderId') ?? 0) || 0;
          const rows = hidden ? [] : [...this.core.orders.orders.values()].filter((o) => o.instId === m.id && o.createTimeMs >= from && o.createTimeMs <= to && Number(o.orderId) >= minId);
          return bnOk(rows.slice(0, limit).map((o) => this.record(o)));
        });
      case 'POST /fapi/v1/algoOrder':
        return this.placeAlgo(p);
      case 'GET /fapi/v1/algoOrder':
        return this.withAlgo(p, hidden, BN.noSuchOrder, (t, m) => bnOk(this.algo(t, m)));
      case 'DELETE /fapi/v1/algoOrder':
        // An algo order that already fired or was cancelled is unknown to a cancel, as on Binance.
        return this.withAlgo(p, false, BN.unknownOrder, (t) => {
          const r = this.core.triggers.cancel(t.id, undefined);
          if (!('id' in r)) return BN.unknownOrder();
          return bnOk({ algoId: Number(r.id), clientAlgoId: this.algoMeta.get(r.id)?.clientAlgoId ?? '', code: '200', msg: 'success' });
        });
      case 'GET /fapi/v1/openAlgoOrders': {
        const m = this.optionalSymbol(p);
        if (m === null) return BN.invalidSymbol();
        return bnOk(hidden ? [] : this.openAlgos(m).map((t) => this.algo(t, this.ctx.byInstId(t.instId)!)));
      }
      case 'GET /fapi/v1/userTrades':
        return this.withSymbol(p, (m) => {
          const limit = limitParam(p, 500, 1000);
          if (typeof limit !== 'number') return limit;
          const orderId = p.get('orderId');
          const start = Number(p.get('startTime') ?? 0) || 0;
          const end = Number(p.get('endTime') ?? 0) || 0;
          // Binance: at most 7 days between startTime and endTime; a startTime alone reads 7 days from it.
          if (start > 0 && end > 0 && end - start > USER_TRADES_WINDOW_MS) return bnError(-1127, 'More than 168 hours between startTime and endTime.');
          const from = start;
          const to = end > 0 ? end : start > 0 ? start + USER_TRADES_WINDOW_MS : Number.POSITIVE_INFINITY;
          const fromId = Number(p.get('fromId') ?? 0) || 0;
          const rows = this.core.account.fills.filter((f) => f.instId === m.id && (!orderId || f.orderId === orderId) && f.tsMs >= from && f.tsMs <= to && Number(f.tradeId) >= fromId);
          return bnOk((fromId > 0 || p.get('startTime') ? rows.slice(0, limit) : rows.slice(-limit)).map((f) => userTradeRecord(f, m)));
        });
      default:
        return null;
    }
  }

  private accountInfo(v2: boolean): Record<string, unknown> {
    const asset = this.assetBalance();
    const positions = [...this.core.account.positions.values()].map((pos) => {
      const m = this.ctx.byInstId(pos.instId)!;
      const r = this.positionFigures(pos, m);
      return {
        symbol: binanceId(m),
        positionSide: 'BOTH',
        positionAmt: r.positionAmt,
        unrealizedProfit: r.unRealizedProfit,
        isolatedMargin: r.isolatedMargin,
        notional: r.notional,
        isolatedWallet: r.isolatedMargin,
        initialMargin: r.initialMargin,
        maintMargin: r.maintMargin,
        updateTime: pos.updateTimeMs,
        ...(v2 ? { leverage: String(pos.leverage), isolated: pos.marginMode === 'isolated', entryPrice: r.entryPrice } : {}),
      };
    });
    return {
      totalInitialMargin: asset.initialMargin,
      totalMaintMargin: asset.maintMargin,
      totalWalletBalance: asset.walletBalance,
      totalUnrealizedProfit: asset.unrealizedProfit,
      totalMarginBalance: asset.marginBalance,
      totalPositionInitialMargin: asset.positionInitialMargin,
      totalOpenOrderInitialMargin: asset.openOrderInitialMargin,
      totalCrossWalletBalance: asset.crossWalletBalance,
      totalCrossUnPnl: asset.crossUnPnl,
      availableBalance: asset.availableBalance,
      maxWithdrawAmount: asset.maxWithdrawAmount,
      ...(v2 ? { feeTier: 0, canTrade: true, canDeposit: true, canWithdraw: true, updateTime: 0, multiAssetsMargin: false } : {}),
      assets: [asset],
      positions,
    };
  }

  /** The USDT asset row of `account` (also `balance`'s, with `balance` for the wallet). */
  private assetBalance(): Record<string, string | number | boolean> {
    const a = this.core.account;
    const equity = a.equity();
    const positionMargin = a.positionMargin();
    const orderMargin = this.core.orders.frozenMargin();
    const available = Math.max(0, equity - positionMargin - orderMargin);
    const upl = equity - a.balanceUsdt;
    return {
      asset: 'USDT',
      accountAlias: 'SimUSDT',
      walletBalance: decimal(a.balanceUsdt, 8),
      balance: decimal(a.balanceUsdt, 8),
      unrealizedProfit: decimal(upl, 8),
      crossUnPnl: decimal(upl, 8),
      marginBalance: decimal(equity, 8),
      maintMargin: decimal(a.maintenanceMargin(), 8),
      initialMargin: decimal(positionMargin + orderMargin, 8),
      positionInitialMargin: decimal(positionMargin, 8),
      openOrderInitialMargin: decimal(orderMargin, 8),
      crossWalletBalance: decimal(a.balanceUsdt, 8),
      availableBalance: decimal(available, 8),
      maxWithdrawAmount: decimal(available, 8),
      marginAvailable: true,
      updateTime: this.ctx.nowMs(),
    };
  }

  private positionFigures(pos: SimPosition, m: SimMarket): Record<string, string> {
    const a = this.core.account;
    const mark = a.markPrice(m);
    const amountBase = contractsToBase(m, pos.size);
    const notional = amountBase * mark;
    const initial = Math.abs(notional) / pos.leverage;
    const blofin = a.positionRecord(pos);
    return {
      positionAmt: bnQty(amountBase, m),
      entryPrice: decimal(pos.avgPrice, 8),
      breakEvenPrice: decimal(pos.avgPrice, 8),
      markPrice: decimal(mark, 8),
      unRealizedProfit: decimal(a.unrealizedPnl(pos, m), 8),
      liquidationPrice: blofin.liquidationPrice ?? '0',
      isolatedMargin: pos.marginMode === 'isolated' ? decimal(initial, 8) : '0',
      notional: decimal(notional, 8),
      initialMargin: decimal(initial, 8),
      maintMargin: blofin.maintenanceMargin ?? '0',
    };
  }

  /** `positionRisk`: open positions (V3 lists only those; V2 also every other symbol's flat row, as Binance does). */
  private positionRisk(p: URLSearchParams, v2: boolean): DialectReply {
    const only = this.optionalSymbol(p);
    if (only === null) return BN.invalidSymbol();
    const rows: Record<string, unknown>[] = [];
    const markets = only ? [only] : this.ctx.markets();
    for (const m of markets) {
      const pos = this.core.account.positions.get(m.id);
      if (!pos && !v2 && !only) continue;
      const mode = pos?.marginMode ?? this.core.account.marginMode;
      const lev = pos?.leverage ?? this.core.account.leverageOf(m.id, mode);
      const f = pos
        ? this.positionFigures(pos, m)
        : { positionAmt: bnQty(0, m), entryPrice: '0.0', breakEvenPrice: '0.0', markPrice: decimal(this.core.account.markPrice(m), 8), unRealizedProfit: '0', liquidationPrice: '0', isolatedMargin: '0', notional: '0', initialMargin: '0', maintMargin: '0' };
      rows.push({
        symbol: binanceId(m),
        positionSide: 'BOTH',
        positionAmt: f.positionAmt,
        entryPrice: f.entryPrice,
        breakEvenPrice: f.breakEvenPrice,
        markPrice: f.markPrice,
        unRealizedProfit: f.unRealizedProfit,
        liquidationPrice: f.liquidationPrice,
        isolatedMargin: f.isolatedMargin,
        notional: f.notional,
        marginAsset: 'USDT',
        isolatedWallet: f.isolatedMargin,
        initialMargin: f.initialMargin,
        maintMargin: f.maintMargin,
        positionInitialMargin: f.initialMargin,
        openOrderInitialMargin: '0',
        adl: 1,
        bidNotional: '0',
        askNotional: '0',
        updateTime: pos?.updateTimeMs ?? 0,
        ...(v2 ? { leverage: String(lev), marginType: mode === 'isolated' ? 'isolated' : 'cross', isolated: mode === 'isolated', maxNotionalValue: '1000000' } : {}),
      });
    }
    return bnOk(rows);
  }

  private setLeverage(p: URLSearchParams): DialectReply {
    return this.withSymbol(p, (m) => {
      const raw = p.get('leverage');
      if (raw === null || raw === '') return BN.mandatory('leverage');
      const lev = Number(raw);
      if (!Number.isInteger(lev) || lev < 1 || lev > (m.maxLeverage ?? 50)) return BN.leverage();
      // Binance keeps one leverage per symbol, whatever the margin type.
      this.core.account.setLeverage(m.id, 'cross', lev);
      this.core.account.setLeverage(m.id, 'isolated', lev);
      return bnOk({ leverage: lev, maxNotionalValue: '1000000', symbol: binanceId(m) });
    });
  }

  private setMarginType(p: URLSearchParams): DialectReply {
    return this.withSymbol(p, () => {
      const raw = p.get('marginType');
      if (raw === null || raw === '') return BN.mandatory('marginType');
      const mode: MarginMode | null = raw.toUpperCase() === 'ISOLATED' ? 'isolated' : raw.toUpperCase() === 'CROSSED' || raw.toUpperCase() === 'CROSS' ? 'cross' : null;
      if (mode === null) return BN.badParam('marginType', `Got "${raw}", expected ISOLATED or CROSSED.`);
      const account = this.core.account;
      if (mode === account.marginMode) return BN.noNeedMarginType();
      if (account.positions.size > 0) return BN.marginTypePosition();
      if ([...this.core.orders.orders.values()].some(isOpen)) return BN.marginTypeOpenOrders();
      account.marginMode = mode;
      return bnOk({ code: 200, msg: 'success' });
    });
  }

  private placeOrder(p: URLSearchParams): DialectReply {
    return this.withSymbol(p, (m) => {
      const now = this.ctx.nowMs();
      if (!this.ctx.isLive(m, now)) return BN.suspended();
      const side = sideParam(p);
      if (typeof side !== 'string') return side;
      const type = (p.get('type') ?? '').toUpperCase();
      if (type === '') return BN.mandatory('type');
      if (CONDITIONAL_TYPES.has(type) || type === 'TRAILING_STOP_MARKET') {
        return bnError(-4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.');
      }
      if (type !== 'LIMIT' && type !== 'MARKET') return BN.badType();
      const positionSide = p.get('positionSide');
      if (positionSide !== null && positionSide !== '' && positionSide !== 'BOTH') return BN.positionSide();
      const tif = (p.get('timeInForce') ?? (type === 'LIMIT' ? '' : 'GTC')).toUpperCase();
      if (type === 'LIMIT' && tif === '') return BN.mandatory('timeInForce');
      const coreType = type === 'MARKET' ? 'market' : TIME_IN_FORCE[tif];
      if (coreType === undefined) return BN.badTimeInForce();
      const clientOrderId = p.get('newClientOrderId') ?? '';
      if (clientOrderId !== '') {
        if (!CLIENT_ID.test(clientOrderId)) return BN.clientIdInvalid();
        // Binance requires the id to be unique among open orders only.
        for (const [orderId, meta] of this.orderMeta) {
          const o = this.core.orders.orders.get(orderId);
          if (meta.clientOrderId === clientOrderId && o && isOpen(o)) return BN.duplicateClientId();
        }
      }
      const qty = quantityParam(p, m);
      if (typeof qty !== 'number') return qty;
      let limitPrice: number | undefined;
      if (type === 'LIMIT') {
        const pr = priceParam(p, 'price', m);
        if (typeof pr !== 'number') return pr;
        limitPrice = pr;
      }
      const reduceOnly = p.get('reduceOnly') === 'true';
      const pos = this.core.account.positions.get(m.id);
      if (reduceOnly && (!pos || pos.size > 0 === (side === 'buy'))) return BN.reduceOnly();
      if (!reduceOnly) {
        const ref = limitPrice ?? this.touch(m, side);
        if (qty * ref < MIN_NOTIONAL_USDT) return BN.minNotional(MIN_NOTIONAL_USDT);
      }
      const r = this.core.orders.place({
        instId: m.id,
        side,
        orderType: coreType,
        size: baseToContracts(m, qty),
        price: limitPrice,
        reduceOnly,
        marginMode: this.core.account.positions.get(m.id)?.marginMode ?? this.core.account.marginMode,
      });
      if (!('orderId' in r)) return coreRejection(r);
      this.orderMeta.set(r.orderId, { clientOrderId: clientOrderId !== '' ? clientOrderId : `sim_${r.orderId}`, timeInForce: type === 'MARKET' ? 'GTC' : tif });
      return bnOk(orderRecord(r, m, this.orderMeta.get(r.orderId)));
    });
  }

  /**
   * Modify Order (`PUT /fapi/v1/order`): a LIMIT order's price and quantity (both mandatory, as
   * on USD-M), by `orderId` or `origClientOrderId`; the order keeps both ids. As Binance documents
   * it: a finished order does not exist (-2013), the same price and quantity again is -5027, and a
   * partially filled order whose new quantity is not above what filled is cancelled by the
   * amendment (as is a GTX order whose new price would take).
   */
  private modifyOrder(p: URLSearchParams, o: SimOrder, m: SimMarket): DialectReply {
    const side = sideParam(p);
    if (typeof side !== 'string') return side;
    if (side !== o.side) return BN.badParam('side', `Got "${p.get('side') ?? ''}", expected the order's side ${o.side.toUpperCase()}.`);
    if (!isOpen(o)) return BN.noSuchOrder();
    const qty = quantityParam(p, m);
    if (typeof qty !== 'number') return qty;
    const price = priceParam(p, 'price', m);
    if (typeof price !== 'number') return price;
    const r = this.core.orders.amend(o.orderId, { size: baseToContracts(m, qty), price });
    if (!('orderId' in r)) {
      switch (r.code) {
        case AmendRefusal.NotOpen:
          return BN.noSuchOrder();
        case AmendRefusal.Unchanged:
          return bnError(-5027, 'No need to modify the order.');
        case AmendRefusal.BelowFilled: {
          const c = this.core.orders.cancel(o.instId, o.orderId, undefined);
          return 'orderId' in c ? bnOk(orderRecord(c, m, this.orderMeta.get(c.orderId))) : BN.noSuchOrder();
        }
        default:
          return coreRejection(r);
      }
    }
    return bnOk(orderRecord(r, m, this.orderMeta.get(r.orderId)));
  }

  /**
   * A conditional order (`algoType=CONDITIONAL`): STOP_MARKET / TAKE_PROFIT_MARKET send a market
   * order, STOP / TAKE_PROFIT a limit at `price`, when the last price (`workingType=CONTRACT_PRICE`,
   * the default) or the mark (`MARK_PRICE`) reaches `triggerPrice`.
   * `closePosition=true` closes whatever position is open then (no quantity, no reduceOnly). A
   * trigger already reached is refused with -2021, as Binance does.
   */
  private placeAlgo(p: URLSearchParams): DialectReply {
    const algoType = p.get('algoType') ?? '';
    if (algoType === '') return BN.mandatory('algoType');
    if (algoType !== 'CONDITIONAL') return BN.badParam('algoType', `Got "${algoType}", expected CONDITIONAL.`);
    return this.withSymbol(p, (m) => {
      const now = this.ctx.nowMs();
      if (!this.ctx.isLive(m, now)) return BN.suspended();
      const side = sideParam(p);
      if (typeof side !== 'string') return side;
      const type = (p.get('type') ?? '').toUpperCase();
      if (type === '') return BN.mandatory('type');
      if (!CONDITIONAL_TYPES.has(type)) return BN.badType();
      const clientAlgoId = p.get('clientAlgoId') ?? '';
      if (clientAlgoId !== '') {
        if (!CLIENT_ID.test(clientAlgoId)) return BN.clientIdInvalid();
        for (const [id, meta] of this.algoMeta) {
          if (meta.clientAlgoId === clientAlgoId && this.core.triggers.triggers.get(id)?.state === 'live') return bnError(-4116, 'ClientAlgoId is duplicated.');
        }
      }
      const trigger = priceParam(p, 'triggerPrice', m);
      if (typeof trigger !== 'number') return trigger;
      const closePosition = p.get('closePosition') === 'true';
      const reduceOnly = p.get('reduceOnly') === 'true';
      let sizeContracts = -1;
      if (closePosition) {
        if ((p.get('quantity') ?? '') !== '') return BN.closePositionNoQty();
        if (p.get('reduceOnly') !== null) return bnError(-1106, "Parameter 'reduceonly' sent when not required.");
      } else {
        const qty = quantityParam(p, m);
        if (typeof qty !== 'number') return qty;
        sizeContracts = baseToContracts(m, qty);
      }
      let limitPrice = -1;
      if (type === 'STOP' || type === 'TAKE_PROFIT') {
        const pr = priceParam(p, 'price', m);
        if (typeof pr !== 'number') return pr;
        limitPrice = pr;
      }
      const workingType = (p.get('workingType') ?? 'CONTRACT_PRICE').toUpperCase();
      if (workingType !== 'CONTRACT_PRICE' && workingType !== 'MARK_PRICE') return BN.badParam('workingType', `Got "${workingType}", expected CONTRACT_PRICE or MARK_PRICE.`);
      const onMark = workingType === 'MARK_PRICE';
      const at = this.ctx.tradingTime(m, now);
      const last = (onMark ? this.ctx.source.markPrice(m.symbol, at).markPrice : this.ctx.source.lastPrice(m.symbol, at)) ?? 0;
      // A stop sells below the market (buys above); a take-profit the other way round.
      const isStop = type.startsWith('STOP');
      const firesBelow = isStop === (side === 'sell');
      if (firesBelow ? trigger >= last : trigger <= last) return BN.wouldTrigger();
      const r = this.core.triggers.create('algo', {
        instId: m.id,
        side,
        ...(sizeContracts > 0 ? { size: String(sizeContracts) } : {}),
        reduceOnly: closePosition || reduceOnly ? 'true' : 'false',
        marginMode: this.core.account.positions.get(m.id)?.marginMode ?? this.core.account.marginMode,
        triggerPrice: String(trigger),
        orderPrice: String(limitPrice),
        ...(onMark ? { triggerPriceType: 'mark' } : {}),
      });
      if (!('id' in r)) return coreRejection(r);
      this.algoMeta.set(r.id, { clientAlgoId: clientAlgoId !== '' ? clientAlgoId : `sim_${r.id}`, orderType: type, closePosition, reduceOnly, workingType });
      return bnOk(this.algo(r, m));
    });
  }

  private record(o: SimOrder): Record<string, unknown> {
    return orderRecord(o, this.ctx.byInstId(o.instId)!, this.orderMeta.get(o.orderId));
  }

  private algo(t: SimTrigger, m: SimMarket): Record<string, unknown> {
    return algoRecord(t, m, this.algoMeta.get(t.id), t.actualOrderId ? this.core.orders.orders.get(t.actualOrderId) : undefined);
  }

  private openOrders(m: SimMarket | undefined): SimOrder[] {
    return [...this.core.orders.orders.values()].filter((o) => isOpen(o) && (!m || o.instId === m.id));
  }

  private openAlgos(m: SimMarket | undefined): SimTrigger[] {
    return [...this.core.triggers.triggers.values()].filter((t) => t.kind === 'algo' && t.state === 'live' && this.algoMeta.has(t.id) && (!m || t.instId === m.id));
  }

  /** The order named by `orderId` or `origClientOrderId` (the latest with that id) on `symbol`. */
  private withOrder(p: URLSearchParams, hidden: boolean, missing: () => DialectReply, fn: (o: SimOrder, m: SimMarket) => DialectReply): DialectReply {
    return this.withSymbol(p, (m) => {
      const orderId = p.get('orderId') ?? '';
      const clientId = p.get('origClientOrderId') ?? '';
      if (orderId === '' && clientId === '') return bnError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
      let o: SimOrder | undefined;
      if (orderId !== '') o = this.core.orders.orders.get(orderId);
      else {
        for (const [id, meta] of this.orderMeta) if (meta.clientOrderId === clientId) o = this.core.orders.orders.get(id);
      }
      if (hidden || !o || o.instId !== m.id) return missing();
      return fn(o, m);
    });
  }

  private withAlgo(p: URLSearchParams, hidden: boolean, missing: () => DialectReply, fn: (t: SimTrigger, m: SimMarket) => DialectReply): DialectReply {
    const algoId = p.get('algoId') ?? p.get('orderId') ?? '';
    const clientId = p.get('clientAlgoId') ?? '';
    if (algoId === '' && clientId === '') return bnError(-1102, "Param 'algoId' or 'clientAlgoId' must be sent, but both were empty/null!");
    let t: SimTrigger | undefined;
    if (algoId !== '') t = this.algoMeta.has(algoId) ? this.core.triggers.triggers.get(algoId) : undefined;
    else {
      for (const [id, meta] of this.algoMeta) if (meta.clientAlgoId === clientId) t = this.core.triggers.triggers.get(id);
    }
    const m = t ? this.ctx.byInstId(t.instId) : undefined;
    if (hidden || !t || !m) return missing();
    return fn(t, m);
  }

  private withSymbol(p: URLSearchParams, fn: (m: SimMarket) => DialectReply): DialectReply {
    const id = p.get('symbol');
    if (!id) return BN.mandatory('symbol');
    const m = this.symbols.get(id);
    return m ? fn(m) : BN.invalidSymbol();
  }

  /** The market `symbol` names; undefined when absent, null when unknown. */
  private optionalSymbol(p: URLSearchParams): SimMarket | undefined | null {
    const id = p.get('symbol');
    if (!id) return undefined;
    return this.symbols.get(id) ?? null;
  }

  private touch(m: SimMarket, side: 'buy' | 'sell'): number {
    const book = this.ctx.source.orderBook(m.symbol, this.ctx.tradingTime(m, this.ctx.nowMs()), 1);
    const level = side === 'buy' ? book.asks[0] : book.bids[0];
    return level?.[0] ?? this.ctx.source.lastPrice(m.symbol, this.ctx.nowMs()) ?? 0;
  }
}

function isOpen(o: SimOrder): boolean {
  return o.state === 'live' || o.state === 'partially_filled';
}

function sideParam(p: URLSearchParams): 'buy' | 'sell' | DialectReply {
  const raw = p.get('side');
  if (raw === null || raw === '') return BN.mandatory('side');
  if (raw === 'BUY') return 'buy';
  if (raw === 'SELL') return 'sell';
  return BN.badSide();
}

/** `quantity` in base: present, positive, on the step and at least the minimum. */
function quantityParam(p: URLSearchParams, m: SimMarket): number | DialectReply {
  const raw = p.get('quantity');
  if (raw === null || raw === '') return BN.mandatory('quantity');
  const qty = Number(raw);
  if (!Number.isFinite(qty)) return BN.badParam('quantity', `Got "${raw}", expected a decimal number.`);
  if (qty <= 0) return BN.quantityTooSmall();
  const step = stepBase(m);
  const steps = qty / step;
  if (Math.abs(steps - Math.round(steps)) > 1e-6) return BN.lotSize();
  if (qty + step * 1e-9 < Math.max(step, contractsToBase(m, m.minAmount))) return bnError(-4004, 'Quantity less than min quantity.');
  return qty;
}

function priceParam(p: URLSearchParams, name: string, m: SimMarket): number | DialectReply {
  const raw = p.get(name);
  if (raw === null || raw === '') return BN.mandatory(name);
  const price = Number(raw);
  if (!Number.isFinite(price) || price <= 0) return BN.badParam(name, `Got "${raw}", expected a positive price.`);
  const ticks = price / m.tickSize;
  if (Math.abs(ticks - Math.round(ticks)) > 1e-6) return bnError(-4014, 'Price not increased by tick size.');
  return Number(bnPrice(price, m));
}

function limitParam(p: URLSearchParams, dflt: number, max: number): number | DialectReply {
  const raw = p.get('limit');
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return BN.badParam('limit', `Got "${raw}", expected an integer 1..${max}.`);
  return Math.min(n, max);
}

/** A rejection of the shared order engine, in Binance's terms. */
function coreRejection(r: Rejection): DialectReply {
  switch (r.code) {
    case '103003':
      return BN.margin();
    case '102022':
      return BN.reduceOnly();
    case '152014':
      return BN.suspended();
    default:
      return bnError(-1130, `Data sent for parameter is not valid. ${r.msg}`);
  }
}
