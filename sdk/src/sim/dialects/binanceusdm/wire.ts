import { contractsToBase } from '../../../market/contractUnits.js';
import { decimalsOf } from '../../book.js';
import type { SimContext } from '../../context.js';
import type { SimMarket } from '../../types.js';
import type { DialectReply } from '../types.js';

/** A Binance success answer: the bare JSON payload, no envelope. */
export function bnOk(body: unknown): DialectReply {
  return { status: 200, body };
}

/**
 * A Binance error: `{ code, msg }` with a negative code under a 4xx status (401 for a key Binance
 * does not accept, 400 otherwise), as its futures API answers.
 */
export function bnError(code: number, msg: string, status = 400): DialectReply {
  return { status, body: { code, msg } };
}

/** Binance's codes the sim answers with, and their documented messages. */
export const BN = {
  invalidSymbol: () => bnError(-1121, 'Invalid symbol.'),
  mandatory: (name: string) => bnError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  badParam: (name: string, detail: string) => bnError(-1130, `Data sent for parameter '${name}' is not valid. ${detail}`),
  badInterval: () => bnError(-1120, 'Invalid interval.'),
  badSide: () => bnError(-1117, 'Invalid side.'),
  badType: () => bnError(-1116, 'Invalid orderType.'),
  badTimeInForce: () => bnError(-1115, 'Invalid timeInForce.'),
  timestampWindow: () => bnError(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  timestampAhead: () => bnError(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badRecvWindow: () => bnError(-1131, 'recvWindow must be less than 60000'),
  signature: () => bnError(-1022, 'Signature for this request is not valid.'),
  apiKeyFormat: () => bnError(-2014, 'API-key format invalid.', 401),
  apiKeyRejected: () => bnError(-2015, 'Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1', 401),
  unknownOrder: () => bnError(-2011, 'Unknown order sent.'),
  noSuchOrder: () => bnError(-2013, 'Order does not exist.'),
  margin: () => bnError(-2019, 'Margin is insufficient.'),
  wouldTrigger: () => bnError(-2021, 'Order would immediately trigger.'),
  reduceOnly: () => bnError(-2022, 'ReduceOnly Order is rejected.'),
  quantityTooSmall: () => bnError(-4003, 'Quantity less than or equal to zero.'),
  clientIdInvalid: () => bnError(-4015, 'Client order id is not valid.'),
  leverage: () => bnError(-4028, 'Leverage is not valid'),
  noNeedMarginType: () => bnError(-4046, 'No need to change margin type.'),
  marginTypeOpenOrders: () => bnError(-4047, 'Margin type cannot be changed if there exists open orders.'),
  marginTypePosition: () => bnError(-4048, 'Margin type cannot be changed if there exists position.'),
  noNeedPositionSide: () => bnError(-4059, 'No need to change position side.'),
  positionSide: () => bnError(-4061, "Order's position side does not match user's setting."),
  duplicateClientId: () => bnError(-4116, 'ClientOrderId is duplicated.'),
  minNotional: (min: number) => bnError(-4164, `Order's notional must be no smaller than ${min} (unless you choose reduce only).`),
  lotSize: () => bnError(-1111, 'Precision is over the maximum defined for this asset.'),
  pricePrecision: () => bnError(-1111, 'Precision is over the maximum defined for this asset.'),
  closePositionNoQty: () => bnError(-1106, "Parameter 'quantity' sent when not required."),
  suspended: () => bnError(-4140, 'Invalid symbol status for opening position.'),
  tooManyRequests: (limit: number) =>
    bnError(-1003, `Too many requests; current limit of IP(127.0.0.1) is ${limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`, 429),
} as const;

/** Binance's futures symbol for a sim market: base and quote run together (`BTCUSDT`). */
export function binanceId(m: Pick<SimMarket, 'base' | 'quote'>): string {
  return `${m.base}${m.quote}`;
}

/** Looks markets up by their Binance symbol. */
export class SymbolIndex {
  private readonly byId = new Map<string, SimMarket>();

  constructor(ctx: SimContext) {
    for (const m of ctx.markets()) this.byId.set(binanceId(m), m);
  }

  get(symbol: string | null | undefined): SimMarket | undefined {
    return symbol ? this.byId.get(symbol) : undefined;
  }
}

/** Base units per lot: Binance USD-M counts quantities in base (contract size 1). */
export function stepBase(m: SimMarket): number {
  return contractsToBase(m, m.lotSize);
}

/** A price on the market's tick decimals. */
export function bnPrice(value: number, m: SimMarket): string {
  return value.toFixed(decimalsOf(m.tickSize));
}

/** A base quantity on the market's step decimals. */
export function bnQty(valueBase: number, m: SimMarket): string {
  return valueBase.toFixed(decimalsOf(stepBase(m)));
}

/** A contracts figure of the core, as base on the market's step decimals. */
export function bnQtyFromContracts(contracts: number, m: SimMarket): string {
  return bnQty(contractsToBase(m, contracts), m);
}

/** Binance kline intervals the sim serves, and their lengths in ms. */
export const BINANCE_INTERVALS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};
