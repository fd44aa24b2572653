import { contractsToBase } from '../../../market/contractUnits.js';
import { decimalsOf } from '../../book.js';
import type { SimContext } from '../../context.js';
import type { SimMarket } from '../../types.js';
import type { DialectReply } from '../types.js';

/**
 * HTX's contract envelope: `{ status: "ok", data, ts }` under HTTP 200. Market-data paths under
 * `linear-swap-ex/market/` answer with `ch` and `tick` instead of `data` (see {@link htTick}).
 */
export function htOk(data: unknown): DialectReply {
  return { status: 200, body: { status: 'ok', data, ts: Date.now() } };
}

/** A market-data answer: the channel name and the payload under `tick`. */
export function htTick(ch: string, tick: unknown): DialectReply {
  return { status: 200, body: { ch, status: 'ok', tick, ts: Date.now() } };
}

/** The `/v5/market/*` envelope: `{ code: 200, message: "Success", data, ts }`. */
export function htV5(data: unknown): DialectReply {
  return { status: 200, body: { code: 200, message: 'Success', data, success: true, ts: Date.now() } };
}

/** A contract business error: HTTP 200, `status: "error"` with a numeric `err_code`. */
export function htError(code: number, msg: string, status = 200): DialectReply {
  return { status, body: { status: 'error', err_code: code, err_msg: msg, ts: Date.now() } };
}

/**
 * An API gateway error (signature, key, rate): hyphenated `err-code`/`err-msg`, as HTX's gateway
 * answers before a request reaches the contract service.
 */
export function htGatewayError(code: string, msg: string, status = 200): DialectReply {
  return { status, body: { status: 'error', 'err-code': code, 'err-msg': msg, data: null, ts: Date.now() } };
}

/**
 * HTX's codes the sim answers with. Contract-service codes are numeric (`err_code`); the API
 * gateway's are hyphenated (`err-code`). Input checks HTX reports under one code (1030 "Input
 * error") carry the field and the expectation in the message.
 */
export const HT = {
  param: (detail: string) => htError(1030, `Input error: ${detail}`),
  missing: (name: string) => htError(1030, `Input error: ${name} cannot be empty.`),
  badValue: (name: string, detail: string) => htError(1030, `Input error: ${name} is invalid. ${detail}`),
  symbol: () => htError(1013, 'This contract symbol doesnt exist.'),
  orderNotFound: () => htError(1017, "Order doesn't exist."),
  orderNotFoundItem: (orderId: string) => ({ order_id: orderId, err_code: 1061, err_msg: 'The order does not exist.' }),
  insufficient: () => htError(1047, 'Insufficient margin available.'),
  closeAmount: () => htError(1048, 'Insufficient close amount available.'),
  duplicateClientId: () => htError(1050, "Customer's order number is repeated. Please re-enter."),
  clientId: () => htError(1067, 'The client_order_id field is invalid. Please re-enter.'),
  priceType: () => htError(1034, 'Incorrect field of order price type.'),
  offset: () => htError(1036, 'Incorrect field of open long form.'),
  leverage: (max: number) => htError(1037, `The leverage is invalid. Please contact the customer service. Expected 1..${max}.`),
  noOrdersToCancel: () => htError(1051, 'No orders to cancel.'),
  signature: () => htGatewayError('api-signature-not-valid', 'Signature not valid: Verification failure [校验失败]'),
  accessKey: () => htGatewayError('api-signature-not-valid', 'Signature not valid: Incorrect Access key [Access key错误]'),
  signatureParams: (name: string) => htGatewayError('api-signature-not-valid', `Signature not valid: ${name} is missing`),
  timestamp: () => htGatewayError('api-signature-not-valid', 'Signature not valid: Invalid Timestamp [时间戳错误]'),
  /** Past a rate window: HTTP 429 with 1032 ("The number of access exceeded the limit"). */
  tooMany: () => htError(1032, 'The number of access exceeded the limit.', 429),
  notFound: (path: string) => htGatewayError('bad-request', `invalid path ${path}`, 404),
} as const;

/**
 * One HTX contract of a sim market: one lot of the core (HTX trades whole contracts, the core
 * trades lots), so every HTX volume is an integer number of lots.
 */
export function htxContractSize(m: SimMarket): number {
  return contractsToBase(m, m.lotSize);
}

/** A core contracts figure as HTX contracts (lots). */
export function htxVolume(coreContracts: number, m: SimMarket): number {
  return Math.round((coreContracts / m.lotSize) * 1e8) / 1e8;
}

/** A base amount as a whole number of HTX contracts (rounded to the nearest). */
export function htxVolumeFromBase(base: number, m: SimMarket): number {
  return Math.round(base / htxContractSize(m));
}

/** A price on the market's tick decimals. */
export function htPrice(value: number, m: SimMarket): string {
  return value.toFixed(decimalsOf(m.tickSize));
}

/** A price as a number on the market's tick decimals (HTX sends numbers, not strings, in most lists). */
export function htPriceNum(value: number, m: SimMarket): number {
  return Number(htPrice(value, m));
}

/** Looks markets up by HTX's `contract_code` (`BTC-USDT`, the core's instrument id). */
export function marketOf(ctx: SimContext, code: string | null | undefined): SimMarket | undefined {
  return code ? ctx.byInstId(code.toUpperCase()) : undefined;
}

/** Kline periods (`period`) and their lengths in ms. */
export const HTX_PERIODS: Readonly<Record<string, number>> = {
  '1min': 60_000,
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '60min': 3_600_000,
  '4hour': 14_400_000,
  '1day': 86_400_000,
  '1week': 604_800_000,
};

/** Open-interest history periods. */
export const HTX_OI_PERIODS: Readonly<Record<string, number>> = {
  '60min': 3_600_000,
  '4hour': 14_400_000,
  '12hour': 43_200_000,
  '1day': 86_400_000,
};
