import {
  ADX,
  ATR,
  Bollinger,
  Donchian,
  EMA,
  MACD,
  OBV,
  RSI,
  RealizedVol,
  SMA,
  Supertrend,
  VWAP,
  adx,
  atr,
  bollinger,
  donchian,
  ema,
  macd,
  obv,
  realizedVol,
  rsi,
  sma,
  supertrend,
  vwap,
  type StreamingIndicator,
} from '../../src/indicators/index.js';
import { mulberry32 as prng } from '../../../test/support/rng.js';

export { prng };

/** Column-wise bars used by the contract test. */
export interface Bars {
  openTimeMs: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

export interface Bar {
  openTimeMs: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export function barAt(b: Bars, i: number): Bar {
  return { openTimeMs: b.openTimeMs[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! };
}

/** A call with bad arguments and the field its error must name. */
export interface BadCall {
  call: () => unknown;
  path: string;
}

/** Everything the contract test needs to know about one indicator. */
export interface ContractCase {
  name: string;
  /** Batch outputs keyed by field (`value` for single-output kernels). */
  batch: (b: Bars) => Record<string, Float64Array>;
  create: () => StreamingIndicator<never, unknown>;
  /** The streaming input for bar `bar`. */
  input: (bar: Bar) => unknown;
  requiredInputs: number;
  badCalls: BadCall[];
}

const scalar = (a: Float64Array) => ({ value: a });
const asStream = <TIn, TOut>(s: StreamingIndicator<TIn, TOut>) => s as unknown as StreamingIndicator<never, unknown>;
const closeOf = (b: Bar) => b.close;
const whole = (b: Bar) => b;
const short = [1, 2, 3];
const shorter = [1, 2];

export const CASES: ContractCase[] = [
  {
    name: 'EMA(21)',
    batch: (b) => scalar(ema(b.close, 21)),
    create: () => asStream(new EMA(21)),
    input: closeOf,
    requiredInputs: 21,
    badCalls: [
      { call: () => ema(short, 0), path: 'period' },
      { call: () => ema(short, 2.5), path: 'period' },
      { call: () => ema('abc' as unknown as number[], 3), path: 'values' },
      { call: () => new EMA(-1), path: 'period' },
    ],
  },
  {
    name: 'SMA(20)',
    batch: (b) => scalar(sma(b.close, 20)),
    create: () => asStream(new SMA(20)),
    input: closeOf,
    requiredInputs: 20,
    badCalls: [
      { call: () => sma(short, Number.NaN), path: 'period' },
      { call: () => new SMA(0), path: 'period' },
    ],
  },
  {
    name: 'RSI(14)',
    batch: (b) => scalar(rsi(b.close, 14)),
    create: () => asStream(new RSI(14)),
    input: closeOf,
    requiredInputs: 15,
    badCalls: [
      { call: () => rsi(short, 0), path: 'period' },
      { call: () => new RSI(1.5), path: 'period' },
    ],
  },
  {
    name: 'ATR(14)',
    batch: (b) => scalar(atr(b.high, b.low, b.close, 14)),
    create: () => asStream(new ATR(14)),
    input: whole,
    requiredInputs: 14,
    badCalls: [
      { call: () => atr(short, shorter, short, 3), path: 'low' },
      { call: () => atr(short, short, short, 0), path: 'period' },
      { call: () => new ATR(0), path: 'period' },
    ],
  },
  {
    name: 'ADX(14)',
    batch: (b) => ({ ...adx(b.high, b.low, b.close, 14) }),
    create: () => asStream(new ADX(14)),
    input: whole,
    requiredInputs: 28,
    badCalls: [
      { call: () => adx(short, short, shorter, 3), path: 'close' },
      { call: () => new ADX(0), path: 'period' },
    ],
  },
  {
    name: 'Supertrend(10, 3)',
    batch: (b) => ({ ...supertrend(b.high, b.low, b.close, 10, 3) }),
    create: () => asStream(new Supertrend(10, 3)),
    input: whole,
    requiredInputs: 11,
    badCalls: [
      { call: () => supertrend(short, short, short, 3, 0), path: 'multiplier' },
      { call: () => supertrend(short, shorter, short, 3, 2), path: 'low' },
      { call: () => new Supertrend(10, Number.POSITIVE_INFINITY), path: 'multiplier' },
    ],
  },
  {
    name: 'Donchian(20)',
    batch: (b) => ({ ...donchian(b.high, b.low, 20) }),
    create: () => asStream(new Donchian(20)),
    input: whole,
    requiredInputs: 20,
    badCalls: [
      { call: () => donchian(short, shorter, 2), path: 'low' },
      { call: () => new Donchian(0), path: 'period' },
    ],
  },
  {
    name: 'Donchian(1)',
    batch: (b) => ({ ...donchian(b.high, b.low, 1) }),
    create: () => asStream(new Donchian(1)),
    input: whole,
    requiredInputs: 1,
    badCalls: [],
  },
  {
    name: 'Bollinger(20, 2)',
    batch: (b) => ({ ...bollinger(b.close, 20, 2) }),
    create: () => asStream(new Bollinger(20, 2)),
    input: closeOf,
    requiredInputs: 20,
    badCalls: [
      { call: () => bollinger(short, 20, -2), path: 'k' },
      { call: () => new Bollinger(2.2, 2), path: 'period' },
    ],
  },
  {
    name: 'MACD(12, 26, 9)',
    batch: (b) => ({ ...macd(b.close, 12, 26, 9) }),
    create: () => asStream(new MACD(12, 26, 9)),
    input: closeOf,
    requiredInputs: 34,
    badCalls: [
      { call: () => macd(short, 26, 12, 9), path: 'fast' },
      { call: () => macd(short, 12, 26, 0), path: 'signal' },
      { call: () => new MACD(12, 26.5, 9), path: 'slow' },
    ],
  },
  {
    name: 'OBV',
    batch: (b) => scalar(obv(b.close, b.volume)),
    create: () => asStream(new OBV()),
    input: whole,
    requiredInputs: 1,
    badCalls: [{ call: () => obv(short, shorter), path: 'volume' }],
  },
  {
    name: 'VWAP (UTC day)',
    batch: (b) => scalar(vwap(b.high, b.low, b.close, b.volume, b.openTimeMs)),
    create: () => asStream(new VWAP()),
    input: whole,
    requiredInputs: 1,
    badCalls: [{ call: () => vwap(short, short, short, short, shorter), path: 'timestampsMs' }],
  },
  {
    name: 'RealizedVol(20, 8760)',
    batch: (b) => scalar(realizedVol(b.close, 20, 8760)),
    create: () => asStream(new RealizedVol(20, 8760)),
    input: closeOf,
    requiredInputs: 21,
    badCalls: [
      { call: () => realizedVol(short, 1), path: 'period' },
      { call: () => realizedVol(short, 5, 0), path: 'periodsPerYear' },
      { call: () => new RealizedVol(3, -1), path: 'periodsPerYear' },
    ],
  },
];


/**
 * Geometric random walk of hourly bars with occasional unchanged closes, flat bars and zero
 * volume, so every branch (OBV ties, zero ATR, empty VWAP session volume) is exercised.
 */
export function randomWalkBars(n: number, seed: number): Bars {
  const rnd = prng(seed);
  const b: Bars = { openTimeMs: [], high: [], low: [], close: [], volume: [] };
  let price = 100;
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < n; i++) {
    const open = price;
    const r = rnd();
    if (r > 0.05) price *= Math.exp((rnd() - 0.5) * 0.02);
    const flat = r < 0.01;
    const hi = flat ? Math.max(open, price) : Math.max(open, price) * (1 + rnd() * 0.005);
    const lo = flat ? Math.min(open, price) : Math.min(open, price) * (1 - rnd() * 0.005);
    b.openTimeMs.push(t0 + i * 3_600_000);
    b.high.push(hi);
    b.low.push(lo);
    b.close.push(price);
    b.volume.push(rnd() < 0.03 ? 0 : rnd() * 1000);
  }
  return b;
}

/** A nearby but different bar, used as the forming value that `replace` later overwrites. */
export function perturb(bar: Bar, factor: number): Bar {
  return {
    openTimeMs: bar.openTimeMs,
    high: bar.high * factor,
    low: bar.low * factor,
    close: bar.close * factor,
    volume: bar.volume * factor + 1,
  };
}
