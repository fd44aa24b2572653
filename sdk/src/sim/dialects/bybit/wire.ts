import type { DialectReply } from '../types.js';

/**
 * Bybit v5's envelope: HTTP 200 with `retCode` 0 and the payload under `result`, success or not
 * (only the IP firewall answers with another status). `time` is the server's clock in ms.
 */
export function byOk(result: unknown, retMsg = 'OK'): DialectReply {
  return { status: 200, body: { retCode: 0, retMsg, result, retExtInfo: {}, time: Date.now() } };
}

/** A Bybit business error: HTTP 200, the code in `retCode`, an empty `result`. */
export function byError(retCode: number, retMsg: string, status = 200): DialectReply {
  return { status, body: { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() } };
}

/** Bybit's codes the sim answers with, and their documented messages. */
export const BY = {
  param: (detail: string) => byError(10001, detail),
  missing: (name: string) => byError(10001, `params error: ${name} is required`),
  badValue: (name: string, detail: string) => byError(10001, `params error: ${name} invalid. ${detail}`),
  category: (got: string) => byError(10001, `params error: category "${got}" is not supported, expected linear`),
  symbol: () => byError(10001, 'params error: symbol invalid'),
  expired: (reqMs: string, serverMs: number, recvWindow: string) =>
    byError(10002, `invalid request, please check your server timestamp or recv_window param. req_timestamp[${reqMs}],server_timestamp[${serverMs}],recv_window[${recvWindow}]`),
  apiKey: () => byError(10003, 'API key is invalid.', 401),
  sign: (origin: string) => byError(10004, `error sign! origin_string[${origin}]`, 401),
  signParams: () => byError(10001, 'empty value: apiTimestamp[] apiKey[] apiSignature[]: openapi sign params error!'),
  tooMany: () => byError(10006, 'Too many visits!'),
  notFound: (path: string) => byError(10001, `Api path ${path} not found`, 404),
  orderNotFound: () => byError(110001, 'Order does not exist.'),
  insufficient: () => byError(110007, 'ab not enough for new order'),
  finished: () => byError(110008, 'The order has been completed or cancelled.'),
  reduceOnly: () => byError(110017, 'Reduce-only rule not satisfied'),
  leverageSame: () => byError(110043, 'Set leverage not modified'),
  leverageRange: (max: number) => byError(10001, `leverage invalid, expected 1..${max}`),
  duplicateLinkId: () => byError(110072, 'OrderLinkedID is duplicate'),
  triggerRising: (trigger: string, current: string) => byError(110092, `expect Rising, but trigger_price[${trigger}] <= current[${current}]`),
  triggerFalling: (trigger: string, current: string) => byError(110093, `expect Falling, but trigger_price[${trigger}] >= current[${current}]`),
  minNotional: () => byError(110094, 'Order does not meet minimum order value 5USDT'),
  qtyStep: () => byError(10001, 'Qty invalid: not a multiple of qtyStep'),
  minQty: () => byError(10001, 'The number of contracts is below the minimum allowed.'),
  tickSize: () => byError(10001, 'price invalid: not a multiple of tickSize'),
  suspended: () => byError(110023, 'This contract only supports position reduction operation, please contact customer service for details'),
} as const;

/** Bybit kline intervals (`1`..`720` minutes, `D`, `W`) and their lengths in ms. */
export const BYBIT_INTERVALS: Readonly<Record<string, number>> = {
  '1': 60_000,
  '3': 180_000,
  '5': 300_000,
  '15': 900_000,
  '30': 1_800_000,
  '60': 3_600_000,
  '120': 7_200_000,
  '240': 14_400_000,
  '360': 21_600_000,
  '720': 43_200_000,
  D: 86_400_000,
  W: 604_800_000,
};

/** `open-interest` intervals and their lengths. */
export const BYBIT_OI_INTERVALS: Readonly<Record<string, number>> = {
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};
