import { bridge, merge, seasonality } from './pathMath.js';
import { BlockRng, gaussian, hash32, uniform } from './rng.js';
import { basisLog, type VenueSkew } from './venueSkew.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Every generated path starts here, so a value at time t never depends on the sim's start. */
export const ANCHOR_MS = Date.UTC(2015, 0, 1);

/** A pump-and-dump overlay on the log price and volume. */
export interface PumpOverlay {
  startMs: number;
  peakMs: number;
  endMs: number;
  gainLog: number;
  volumeMultiplier: number;
}

/** Everything that shapes one symbol's path. */
export interface PathSpec {
  key: number;
  logLevel: number;
  dailyVol: number;
  quoteVolumeDailyUsd: number;
  tickSize: number;
  lotSize: number;
  listMs: number;
  pumps: PumpOverlay[];
  /** A simulated venue's synthetic basis on this path (see `venueSkew.ts`); absent on the reference venue. */
  venue?: VenueSkew;
}

/** OHLC plus base and quote volume of a time range. */
export interface RangeStats {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
}

// Minute array layout: o, h, l, c, v, qv, highFirst (1|0), t1, t2 (fractions of the minute),
// sixty times, then the hour's own summary (o, h, l, c, v, qv; see `summarizeHour`).
const MF = 9;
const HOUR_SUMMARY_AT = 60 * MF;
const GARCH_ALPHA = 0.08;
const GARCH_BETA = 0.88;
const MEAN_REVERSION_PER_DAY = 0.01;
// Per-symbol cache bounds: minute detail (4.3 KB per hour), day paths, day summaries (1.2 KB).
const MINUTE_CACHE_LIMIT = 512;
const DAY_CACHE_LIMIT = 256;
const SUMMARY_CACHE_LIMIT = 2000;

/**
 * Scratch space for {@link PricePath} hour cores. Generation is synchronous and never re-entrant,
 * so one set of buffers serves every path; callers consume a core before requesting another.
 * This keeps typed-array allocation (and GC) out of the hot loop.
 */
const scratch = {
  weights: new Float64Array(60),
  increments: new Float64Array(60),
  wick: new Float64Array(120),
  minuteVar: new Float64Array(60),
  minuteSd: new Float64Array(60),
  logs: new Float64Array(61),
  hiLog: new Float64Array(60),
  loLog: new Float64Array(60),
  quote: new Float64Array(60),
};

interface DayEntry {
  hourLog: Float64Array;
  hourVar: Float64Array;
  burst: Float64Array;
}

/** One hour's minute path in log space, in the shared scratch buffers (see `hourCore`). */
interface HourCore {
  logs: Float64Array;
  hiLog: Float64Array;
  loLog: Float64Array;
  quote: Float64Array;
}

interface Walk {
  logClose: Float64Array;
  sigma: Float64Array;
  length: number;
}

/**
 * A symbol's price and volume path: a mean-reverting GARCH(1,1) daily walk from {@link ANCHOR_MS},
 * bridged down to hours and minutes with clustered intraday volatility. Lower levels are Brownian
 * bridges pinned to the level above, so any bar is a pure function of (spec, time) and all
 * timeframes aggregate the same minutes.
 */
export class PricePath {
  private walk: Walk = { logClose: new Float64Array(0), sigma: new Float64Array(0), length: 0 };
  private readonly days = new Map<number, DayEntry>();
  private readonly summaries = new Map<number, Float64Array>();
  private readonly minutes = new Map<number, Float64Array>();

  /** `Math.round(1 / step)` of `snap` for sub-unit steps, 0 for steps of 1 and more: computed once per path. */
  private readonly tickInv: number;
  private readonly lotInv: number;

  constructor(readonly spec: PathSpec) {
    this.tickInv = spec.tickSize >= 1 ? 0 : Math.round(1 / spec.tickSize);
    this.lotInv = spec.lotSize >= 1 ? 0 : Math.round(1 / spec.lotSize);
  }

  /** Aggregate over [fromMs, toMs); fromMs is floored to the minute. Null when empty. */
  range(fromMs: number, toMs: number): RangeStats | null {
    let t = Math.max(this.spec.listMs, Math.floor((fromMs - ANCHOR_MS) / MINUTE_MS) * MINUTE_MS + ANCHOR_MS);
    if (t >= toMs) return null;
    let acc: RangeStats | null = null;
    while (t < toMs) {
      const rel = t - ANCHOR_MS;
      if (rel % HOUR_MS === 0 && t + HOUR_MS <= toMs) {
        const hourIdx = rel / HOUR_MS;
        const s = this.daySummary(Math.floor(hourIdx / 24));
        const o = (hourIdx % 24) * 6;
        acc = merge(acc, s[o]!, s[o + 1]!, s[o + 2]!, s[o + 3]!, s[o + 4]!, s[o + 5]!);
        t += HOUR_MS;
      } else if (t + MINUTE_MS <= toMs) {
        const minuteIdx = rel / MINUTE_MS;
        const m = this.minuteArray(Math.floor(minuteIdx / 60));
        const o = (minuteIdx % 60) * MF;
        acc = merge(acc, m[o]!, m[o + 1]!, m[o + 2]!, m[o + 3]!, m[o + 4]!, m[o + 5]!);
        t += MINUTE_MS;
      } else {
        const p = this.partialMinute(t, (toMs - t) / MINUTE_MS);
        acc = merge(acc, p.open, p.high, p.low, p.close, p.volume, p.quoteVolume);
        t = toMs;
      }
    }
    return acc;
  }

  /** Last traded price at `atMs` (the intra-minute path, on the tick grid). */
  priceAt(atMs: number): number {
    const rel = atMs - ANCHOR_MS;
    // On the hour the price is the hour's open, which the day path pins (a bridge starts exactly
    // at its start): no need to generate the hour's sixty minutes. Funding reads every 8 h over
    // the whole history, one hour of minutes each, when done the long way.
    if (rel % HOUR_MS === 0) return this.roundTick(this.hourOpen(rel / HOUR_MS));
    const start = Math.floor(rel / MINUTE_MS) * MINUTE_MS + ANCHOR_MS;
    return this.partialMinute(start, (atMs - start) / MINUTE_MS).close;
  }

  /** The minute starting at `minuteStartMs`: [o, h, l, c, v, qv, highFirst, t1, t2]. */
  minute(minuteStartMs: number): Float64Array {
    const minuteIdx = (minuteStartMs - ANCHOR_MS) / MINUTE_MS;
    const m = this.minuteArray(Math.floor(minuteIdx / 60));
    const o = (minuteIdx % 60) * MF;
    return m.subarray(o, o + MF);
  }

  /** Expected one-minute log-return standard deviation around `atMs`. */
  minuteVol(atMs: number): number {
    const day = Math.floor((atMs - ANCHOR_MS) / DAY_MS);
    this.ensureWalk(day);
    return (this.walk.sigma[day] ?? this.spec.dailyVol) / Math.sqrt(1440);
  }

  private partialMinute(minuteStartMs: number, frac: number): RangeStats {
    const m = this.minute(minuteStartMs);
    const o = m[0]!;
    const h = m[1]!;
    const l = m[2]!;
    const c = m[3]!;
    if (frac >= 1) return { open: o, high: h, low: l, close: c, volume: m[4]!, quoteVolume: m[5]! };
    const first = m[6] === 1 ? h : l;
    const second = m[6] === 1 ? l : h;
    const t1 = m[7]!;
    const t2 = m[8]!;
    let price: number;
    let hi = o;
    let lo = o;
    if (frac <= t1) {
      price = o + ((first - o) * frac) / t1;
    } else if (frac <= t2) {
      price = first + ((second - first) * (frac - t1)) / (t2 - t1);
      hi = Math.max(hi, first);
      lo = Math.min(lo, first);
    } else {
      price = second + ((c - second) * (frac - t2)) / (1 - t2);
      hi = Math.max(hi, first, second);
      lo = Math.min(lo, first, second);
    }
    price = this.roundTick(price);
    hi = Math.max(hi, price);
    lo = Math.min(lo, price);
    return { open: o, high: hi, low: lo, close: price, volume: this.roundLot(m[4]! * frac), quoteVolume: m[5]! * frac };
  }

  private ensureWalk(day: number): void {
    if (day < this.walk.length) return;
    const n = Math.max(day + 1, this.walk.length * 2, 512);
    const logClose = new Float64Array(n);
    const sigma = new Float64Array(n);
    logClose.set(this.walk.logClose.subarray(0, this.walk.length));
    sigma.set(this.walk.sigma.subarray(0, this.walk.length));
    const { key, logLevel, dailyVol } = this.spec;
    const omega = dailyVol * dailyVol * (1 - GARCH_ALPHA - GARCH_BETA);
    let prevLog = this.walk.length > 0 ? logClose[this.walk.length - 1]! : logLevel + 0.2 * gaussian(key, 1);
    let prevSigma = this.walk.length > 0 ? sigma[this.walk.length - 1]! : dailyVol;
    let prevRet = this.walk.length > 1 ? prevLog - logClose[this.walk.length - 2]! : 0;
    for (let d = this.walk.length; d < n; d++) {
      const variance = omega + GARCH_ALPHA * prevRet * prevRet + GARCH_BETA * prevSigma * prevSigma;
      const s = Math.min(4 * dailyVol, Math.max(0.3 * dailyVol, Math.sqrt(variance)));
      const r = -MEAN_REVERSION_PER_DAY * (prevLog - logLevel) + s * gaussian(key, 2, d);
      prevLog += r;
      prevSigma = s;
      prevRet = r;
      logClose[d] = prevLog;
      sigma[d] = s;
    }
    this.walk = { logClose, sigma, length: n };
  }

  private dayEntry(day: number): DayEntry {
    const cached = this.days.get(day);
    if (cached) return cached;
    this.ensureWalk(day);
    const { key, logLevel } = this.spec;
    const startLog = day > 0 ? this.walk.logClose[day - 1]! : logLevel;
    const endLog = this.walk.logClose[day]!;
    const s = this.walk.sigma[day]!;
    const weights = new Float64Array(24);
    const burst = new Float64Array(24);
    let lv = 0;
    let total = 0;
    for (let h = 0; h < 24; h++) {
      lv = 0.7 * lv + 0.45 * gaussian(key, 3, day, h);
      burst[h] = uniform(key, 5, day, h) < 0.04 ? 2 + 8 * uniform(key, 6, day, h) : 1;
      const w = seasonality(h) * Math.exp(lv) * Math.sqrt(burst[h]!);
      weights[h] = w;
      total += w;
    }
    const hourVar = new Float64Array(24);
    const increments = new Float64Array(24);
    let sum = 0;
    for (let h = 0; h < 24; h++) {
      hourVar[h] = (s * s * weights[h]!) / total;
      increments[h] = Math.sqrt(hourVar[h]!) * gaussian(key, 4, day, h);
      sum += increments[h]!;
    }
    const hourLog = bridge(startLog, endLog, increments, hourVar, sum, new Float64Array(25));
    const entry: DayEntry = { hourLog, hourVar, burst };
    if (this.days.size >= DAY_CACHE_LIMIT) this.days.clear();
    this.days.set(day, entry);
    return entry;
  }

  /**
   * The hour's open on the tick grid without generating its minutes: from `hourCore`'s first
   * boundary log price (overlays applied), which the bridge sets to the day path's value exactly,
   * rounded as `minuteArray` rounds it.
   */
  private hourOpen(hourIdx: number): number {
    const entry = this.dayEntry(Math.floor(hourIdx / 24));
    const log = entry.hourLog[hourIdx % 24]!;
    const atMs = ANCHOR_MS + hourIdx * HOUR_MS;
    const pumped = this.spec.pumps.length > 0 ? log + this.overlayLog(atMs) : log;
    // Added in the order `hourCore` adds them, so the double is the one its minutes start from.
    return this.roundTick(Math.exp(this.spec.venue ? pumped + basisLog(this.spec.venue, atMs) : pumped));
  }

  private daySummary(day: number): Float64Array {
    const cached = this.summaries.get(day);
    if (cached) return cached;
    const summary = new Float64Array(24 * 6);
    for (let h = 0; h < 24; h++) {
      // An hour whose minutes are cached carries its summary: its core is not generated twice.
      const minutes = this.minutes.get(day * 24 + h);
      if (minutes) summary.set(minutes.subarray(HOUR_SUMMARY_AT, HOUR_SUMMARY_AT + 6), h * 6);
      else this.summarizeHour(this.hourCore(day * 24 + h), summary, h * 6);
    }
    if (this.summaries.size >= SUMMARY_CACHE_LIMIT) this.summaries.clear();
    this.summaries.set(day, summary);
    return summary;
  }

  /**
   * Writes the hour's o, h, l, c, v, qv at `out[at..at+6)`. High and low are taken in log space
   * and rounded once, so they equal the max and min of the rounded minute highs and lows.
   */
  private summarizeHour(core: HourCore, out: Float64Array, at: number): void {
    let hiLog = -Infinity;
    let loLog = Infinity;
    let v = 0;
    let qv = 0;
    for (let m = 0; m < 60; m++) {
      if (core.hiLog[m]! > hiLog) hiLog = core.hiLog[m]!;
      if (core.loLog[m]! < loLog) loLog = core.loLog[m]!;
      const c = this.roundTick(Math.exp(core.logs[m + 1]!));
      const vm = this.roundLot(core.quote[m]! / c);
      v += vm;
      qv += vm * c;
    }
    out[at] = this.roundTick(Math.exp(core.logs[0]!));
    out[at + 1] = this.roundTick(Math.exp(hiLog));
    out[at + 2] = Math.max(this.spec.tickSize, this.roundTick(Math.exp(loLog)));
    out[at + 3] = this.roundTick(Math.exp(core.logs[60]!));
    out[at + 4] = v;
    out[at + 5] = qv;
  }

  /**
   * The hour's minute path in log space: 61 boundary log prices (overlays applied), per-minute
   * high/low logs and quote volume. Prices are rounded only at the end so that hour summaries
   * (max of logs) equal the max of rounded minute highs.
   */
  private hourCore(hourIdx: number): HourCore {
    const day = Math.floor(hourIdx / 24);
    const h = hourIdx % 24;
    const entry = this.dayEntry(day);
    const { key, quoteVolumeDailyUsd } = this.spec;
    const varHour = entry.hourVar[h]!;
    const rng = new BlockRng(hash32(key, 7, hourIdx));
    const { weights, increments, wick, minuteVar, minuteSd, logs, hiLog, loLog, quote } = scratch;
    let lv = 0;
    let total = 0;
    for (let m = 0; m < 60; m++) {
      lv = 0.9 * lv + 0.3 * rng.fastNormal();
      weights[m] = Math.exp(lv);
      total += weights[m]!;
      increments[m] = rng.fastNormal();
      wick[2 * m] = Math.abs(rng.fastNormal());
      wick[2 * m + 1] = Math.abs(rng.fastNormal());
    }
    let sum = 0;
    for (let m = 0; m < 60; m++) {
      minuteVar[m] = (varHour * weights[m]!) / total;
      // Taken once: the increments here and the wicks below both scale by it.
      minuteSd[m] = Math.sqrt(minuteVar[m]!);
      increments[m] = minuteSd[m]! * increments[m]!;
      sum += increments[m]!;
    }
    bridge(entry.hourLog[h]!, entry.hourLog[h + 1]!, increments, minuteVar, sum, logs);
    const daySigma = this.walk.sigma[day]!;
    const dayVolume = quoteVolumeDailyUsd * Math.exp(0.3 * gaussian(key, 10, day)) * Math.sqrt(daySigma / this.spec.dailyVol);
    const hourVolume = (dayVolume / 1440) * seasonality(h) * entry.burst[h]!;
    const hourStartMs = ANCHOR_MS + hourIdx * HOUR_MS;
    const pumped = this.spec.pumps.length > 0;
    if (pumped) for (let m = 0; m <= 60; m++) logs[m] = logs[m]! + this.overlayLog(hourStartMs + m * MINUTE_MS);
    const venue = this.spec.venue;
    if (venue) for (let m = 0; m <= 60; m++) logs[m] = logs[m]! + basisLog(venue, hourStartMs + m * MINUTE_MS);
    for (let m = 0; m < 60; m++) {
      const a = logs[m]!;
      const b = logs[m + 1]!;
      const sd = minuteSd[m]!;
      hiLog[m] = Math.max(a, b) + 0.6 * sd * wick[2 * m]!;
      loLog[m] = Math.min(a, b) - 0.6 * sd * wick[2 * m + 1]!;
      const shock = Math.abs(b - a) / Math.max(sd, 1e-12);
      quote[m] =
        hourVolume *
        Math.sqrt((weights[m]! * 60) / total) *
        ((1 + 1.5 * Math.min(shock, 6)) / 2.2) *
        (pumped ? this.overlayVolume(hourStartMs + (m + 1) * MINUTE_MS) : 1);
    }
    return { logs, hiLog, loLog, quote };
  }

  private minuteArray(hourIdx: number): Float64Array {
    const cached = this.minutes.get(hourIdx);
    if (cached) return cached;
    const core = this.hourCore(hourIdx);
    const shape = new BlockRng(hash32(this.spec.key, 15, hourIdx));
    const out = new Float64Array(60 * MF + 6);
    let o = this.roundTick(Math.exp(core.logs[0]!));
    // The hour's summary, computed as `summarizeHour` does from the same values.
    let hiLog = -Infinity;
    let loLog = Infinity;
    let hourVolume = 0;
    let hourQuote = 0;
    for (let m = 0; m < 60; m++) {
      if (core.hiLog[m]! > hiLog) hiLog = core.hiLog[m]!;
      if (core.loLog[m]! < loLog) loLog = core.loLog[m]!;
      const c = this.roundTick(Math.exp(core.logs[m + 1]!));
      const v = this.roundLot(core.quote[m]! / c);
      hourVolume += v;
      hourQuote += v * c;
      const base = m * MF;
      out[base] = o;
      out[base + 1] = this.roundTick(Math.exp(core.hiLog[m]!));
      out[base + 2] = Math.max(this.spec.tickSize, this.roundTick(Math.exp(core.loLog[m]!)));
      out[base + 3] = c;
      out[base + 4] = v;
      out[base + 5] = v * c;
      out[base + 6] = shape.next() < 0.5 ? 1 : 0;
      out[base + 7] = 0.15 + 0.3 * shape.next();
      out[base + 8] = 0.55 + 0.3 * shape.next();
      o = c;
    }
    out[HOUR_SUMMARY_AT] = out[0]!;
    out[HOUR_SUMMARY_AT + 1] = this.roundTick(Math.exp(hiLog));
    out[HOUR_SUMMARY_AT + 2] = Math.max(this.spec.tickSize, this.roundTick(Math.exp(loLog)));
    out[HOUR_SUMMARY_AT + 3] = o;
    out[HOUR_SUMMARY_AT + 4] = hourVolume;
    out[HOUR_SUMMARY_AT + 5] = hourQuote;
    if (this.minutes.size >= MINUTE_CACHE_LIMIT) this.minutes.clear();
    this.minutes.set(hourIdx, out);
    return out;
  }

  private overlayLog(atMs: number): number {
    let total = 0;
    for (const p of this.spec.pumps) {
      if (atMs <= p.startMs) continue;
      if (atMs <= p.peakMs) {
        const x = (atMs - p.startMs) / (p.peakMs - p.startMs);
        total += p.gainLog * x * x;
      } else if (atMs <= p.endMs) {
        const x = (atMs - p.peakMs) / (p.endMs - p.peakMs);
        total += p.gainLog * (1 - 1.1 * Math.sqrt(x));
      } else {
        total += -0.1 * p.gainLog * Math.exp(-(atMs - p.endMs) / (6 * HOUR_MS));
      }
    }
    return total;
  }

  private overlayVolume(atMs: number): number {
    let mult = 1;
    for (const p of this.spec.pumps) {
      if (atMs <= p.startMs) continue;
      if (atMs <= p.endMs) mult *= p.volumeMultiplier;
      else mult *= 1 + (p.volumeMultiplier - 1) * Math.exp(-(atMs - p.endMs) / HOUR_MS);
    }
    return mult;
  }

  private roundTick(price: number): number {
    const step = this.spec.tickSize;
    const inv = this.tickInv;
    // `snap(price, step)` with its constant hoisted: the same operations, so the same doubles.
    return Math.max(step, inv === 0 ? Math.round(price / step) * step : Math.round(price * inv) / inv);
  }

  private roundLot(amount: number): number {
    const step = this.spec.lotSize;
    const inv = this.lotInv;
    return inv === 0 ? Math.round(amount / step) * step : Math.round(amount * inv) / inv;
  }
}
