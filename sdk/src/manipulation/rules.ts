import type { BookFeatures } from './bookFeatures.js';
import type { CandleFeatures, CandleTail } from './candleFeatures.js';
import { meanStd } from './candleFeatures.js';
import { peerReturn, peerSpan, type MarketContext } from './crossSection.js';
import { selectKth } from './select.js';
import type { Evidence, FlagName, ManipFlag, MarketSnapshot } from './types.js';
import { DEFAULT_FUNDING_INTERVAL_HOURS } from '../market/perpDefaults.js';

/**
 * Rule thresholds, kept as data so they can be reviewed and overridden in one place.
 * Each figure is the point where a flag starts to fire (severity 0.5); twice the margin is 1.
 */
export const DEFAULT_RULE_THRESHOLDS = {
  /**
   * Spoofing: one level on the heavy side at least `spoofWallMultiple` times the median level
   * within 50 bps, tilting the depth within 50 bps to |bid - ask| / (bid + ask) >= `spoofImbalance`.
   * A book snapshot cannot see the cancel, so the tell is a lone outsized wall that moves the book.
   */
  spoofWallMultiple: 10,
  spoofImbalance: 0.3,
  /** A spread this wide is a vacuum on its own. */
  vacuumSpreadBps: 30,
  /**
   * Thinner side's depth within 50 bps over one typical minute of quote volume: the median bar
   * over the candle tail, per minute (a mean or a 24h sum stays inflated for hours after a burst).
   */
  vacuumDepthMinutes: 0.5,
  /** A wick this many ATRs long that is also most of the bar. */
  wickAtr: 3,
  wickShareOfRange: 0.6,
  /**
   * Spike bar: range in ATRs, body move as a fraction of price, and volume z-score; exhaustion:
   * retrace share and volume fade. The absolute move keeps ordinary volatility clusters on short
   * bars (a 3-ATR 5m bar is often well under 1%) out of it.
   */
  spikeRangeAtr: 3,
  spikeMinMove: 0.03,
  spikeVolumeZ: 3,
  spikeRetrace: 0.4,
  spikeLookbackBars: 3,
  /** Funding per 8h that counts as crowded, and the price move against it over 24 bars. */
  fundingCrowded8h: 0.0005,
  fundingAgainstMove: 0.01,
  /** Funding per 8h that is extreme whatever the price does. */
  fundingExtreme8h: 0.003,
  /** Perp mark away from index by this much. */
  basisBps: 50,
  /**
   * OI change over `oiBars` with price flat (<= oiFlatPrice) or OI unwinding while price pumps;
   * the change must also be `oiChangeZ` robust standard deviations (1.4826 x MAD) of the
   * symbol's own `oiBars` changes over its history (at least 4 x `oiBars` of it), so a symbol whose
   * OI is always noisy does not fire.
   */
  oiBars: 24,
  oiChangeZ: 4,
  oiBuild: 0.2,
  oiFlatPrice: 0.02,
  oiUnwind: -0.2,
  oiUnwindPump: 0.05,
  /**
   * Surge: low-to-peak rise within `surgeMaxBars`, in ATRs at the base and as a fraction; it
   * counts as post-surge only while the peak is at most `surgeReversalWithinBars` old, because a
   * pump is dumped fast while a trend gives back slowly.
   */
  surgeMaxBars: 24,
  surgeReversalWithinBars: 24,
  surgeAtr: 8,
  surgeMin: 0.1,
  /** Share of the surge given back since the peak. */
  surgeReversal: 0.5,
  /**
   * Wash volume: volume z-score with the bar range at most this many ATRs. An ordinary bar spans
   * about one ATR, so "no price impact" means well under it.
   */
  washVolumeZ: 4,
  washMaxRangeAtr: 0.5,
  /** Listings younger than this are fresh. */
  freshListingMs: 7 * 86_400_000,
  /**
   * Collapse: a close-to-close fall over 1..`collapseBars` bars ending at the last bar, net of
   * the peers' median move over the same bars, of at least `collapseMinDrop`; spanning at least
   * `collapseRangeAtr` ATRs (the ATR before the fall) on a bar with volume z >= `collapseVolumeZ`
   * against the 60 bars before it; not preceded by a pump (rise into the fall over
   * `collapsePriorBars` <= `collapsePriorPumpMax`, else it is `post_surge_reversal`'s); and no
   * rebound: the close sits in the lowest `collapseMaxRebound` of the fall's range.
   */
  collapseBars: 4,
  collapseMinDrop: 0.12,
  collapseRangeAtr: 4,
  collapseVolumeZ: 2,
  collapsePriorBars: 48,
  collapsePriorPumpMax: 0.3,
  collapseMaxRebound: 0.35,
  /**
   * Pump onset, burst: a rise over 1..`pumpBars` bars, net of the peers' median, of at least
   * `pumpMinMove` and `pumpMoveAtr` ATRs, on a bar with volume z >= `pumpVolumeZ`.
   */
  pumpBars: 3,
  pumpMinMove: 0.1,
  pumpMoveAtr: 4,
  pumpVolumeZ: 3,
  /**
   * Pump onset, accumulation: the mean volume of the last `accumBars` bars at least
   * `accumVolumeRatio` times the mean of the 60 bars before them (and that many times the
   * market's own volume ratio), still rising (the later half above the earlier half), while the
   * price moved at most `accumMaxMove` net of peers over those bars.
   */
  accumBars: 6,
  accumVolumeRatio: 4,
  accumMaxMove: 0.04,
  /**
   * In a market-wide move (`MarketContext.stress`), a price-pattern flag survives only when the
   * symbol's last bar went at least this much further than the median symbol (close or extreme),
   * and more than twice the median symbol's extreme: the rest of the move is the market's.
   */
  stressIdiosyncraticMove: 0.15,
} as const;
export type RuleThresholds = { -readonly [K in keyof typeof DEFAULT_RULE_THRESHOLDS]: number };

export interface RuleContext {
  snapshot: MarketSnapshot;
  candle: CandleFeatures | null;
  /** The bars `candle` was computed on (null exactly when `candle` is); valid during the analysis only. */
  tail: CandleTail | null;
  book: BookFeatures | null;
  /**
   * The cross-section of the symbol's own last bar, for peer-relative moves; null when ranked
   * alone or when no cross-section of that bar exists.
   */
  market: MarketContext | null;
  t: RuleThresholds;
}

/** 0.5 when `ratio` (metric over threshold) is 1, 1 when it is 2 or more. */
export function severity(ratio: number): number {
  return Math.min(1, Math.max(0.5, 0.5 + 0.5 * (ratio - 1)));
}

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const r2 = (x: number): number => Math.round(x * 100) / 100;

function flag(name: FlagName, ratio: number, evidence: Evidence): ManipFlag {
  return { name, severity: r4(severity(ratio)), evidence };
}

function spoofing({ book, t }: RuleContext): ManipFlag | null {
  if (!book) return null;
  const imb = Math.abs(book.depthImbalance50);
  if (imb < t.spoofImbalance || book.wallMultiple < t.spoofWallMultiple) return null;
  // The wall's size is the evidence; the imbalance only gates that it matters to the book.
  return flag('spoofing_depth_imbalance', book.wallMultiple / t.spoofWallMultiple, {
    depthImbalance50: r4(book.depthImbalance50),
    heavySide: book.depthImbalance50 > 0 ? 'bid' : 'ask',
    wallMultiple: r2(book.wallMultiple),
    wallShare: r4(book.wallShare),
    wallDistanceBps: r2(book.wallDistanceBps),
    bidDepth50Usd: Math.round(book.bidDepth50Usd),
    askDepth50Usd: Math.round(book.askDepth50Usd),
  });
}

function liquidityVacuum({ book, candle, snapshot, t }: RuleContext): ManipFlag | null {
  if (!book) return null;
  const minuteUsd = candle
    ? candle.medianQuoteVolumePerBar / (snapshot.barMs / 60_000)
    : (snapshot.quoteVolume24hUsd ?? 0) / 1440;
  const thinUsd = Math.min(book.bidDepth50Usd, book.askDepth50Usd);
  const depthMinutes = minuteUsd > 0 ? thinUsd / minuteUsd : Number.POSITIVE_INFINITY;
  const spreadRatio = book.spreadBps / t.vacuumSpreadBps;
  const depthRatio = depthMinutes > 0 ? t.vacuumDepthMinutes / depthMinutes : 2;
  if (spreadRatio < 1 && depthRatio < 1) return null;
  return flag('liquidity_vacuum', Math.max(spreadRatio, depthRatio), {
    spreadBps: r2(book.spreadBps),
    thinSideDepth50Usd: Math.round(thinUsd),
    minuteQuoteVolumeUsd: Math.round(minuteUsd),
    depthMinutes: Number.isFinite(depthMinutes) ? r4(depthMinutes) : 'n/a',
  });
}

function scamWick({ candle, t }: RuleContext): ManipFlag | null {
  if (!candle || !(candle.rangeAtr > 0)) return null;
  const upper = candle.upperWickAtr >= candle.lowerWickAtr;
  const wickAtr = upper ? candle.upperWickAtr : candle.lowerWickAtr;
  const share = wickAtr / candle.rangeAtr;
  if (wickAtr < t.wickAtr || share < t.wickShareOfRange) return null;
  const wickPct = ((wickAtr * candle.atrPrev) / candle.close) * 100;
  return flag('scam_wick', wickAtr / t.wickAtr, {
    side: upper ? 'upper' : 'lower',
    wickAtr: r2(wickAtr),
    wickShareOfRange: r4(share),
    wickPct: r2(wickPct),
    barOpenTimeMs: candle.lastOpenTimeMs,
  });
}

function exhaustedSpike({ tail, t }: RuleContext): ManipFlag | null {
  if (!tail) return null;
  const { high: h, low: l, open: o, close: c, volume: v, atr: a } = tail;
  const m = c.length;
  for (let back = 1; back <= t.spikeLookbackBars; back++) {
    const i = m - 1 - back;
    const atrBefore = a[i - 1] ?? Number.NaN;
    if (i < 2 || !(atrBefore > 0)) continue;
    const rangeAtr = ((h[i] as number) - (l[i] as number)) / atrBefore;
    const { mean, std } = meanStd(v, i - 60, i);
    const volZ = std > 0 ? ((v[i] as number) - mean) / std : 0;
    const move = (c[i] as number) - (o[i] as number);
    const movePct = Math.abs(move) / (o[i] as number);
    if (rangeAtr < t.spikeRangeAtr || volZ < t.spikeVolumeZ || movePct < t.spikeMinMove) continue;
    const last = c[m - 1] as number;
    const retrace = ((c[i] as number) - last) / move;
    const fade = (v[m - 1] as number) / (v[i] as number);
    if (retrace < t.spikeRetrace || fade > 0.5) continue;
    return flag('exhausted_spike', Math.min(rangeAtr / t.spikeRangeAtr, retrace / t.spikeRetrace), {
      direction: move > 0 ? 'up' : 'down',
      spikeMovePct: r2((move / (o[i] as number)) * 100),
      spikeRangeAtr: r2(rangeAtr),
      spikeVolumeZ: r2(volZ),
      retraceShare: r4(retrace),
      volumeFade: r4(fade),
      barsSinceSpike: back,
    });
  }
  return null;
}

function fundingDivergence({ snapshot, candle, t }: RuleContext): ManipFlag | null {
  const mark = snapshot.markPrice;
  const index = snapshot.indexPrice;
  const basisBps = mark !== undefined && index !== undefined && index > 0 ? ((mark - index) / index) * 10_000 : 0;
  const rate = snapshot.fundingRate;
  const rate8h = rate === undefined ? 0 : rate * (8 / (snapshot.fundingIntervalHours ?? DEFAULT_FUNDING_INTERVAL_HOURS));
  const move = candle?.ret24 ?? 0;
  const against = rate8h !== 0 && Number.isFinite(move) ? -Math.sign(rate8h) * move : 0;
  const crowdedRatio = Math.abs(rate8h) / t.fundingCrowded8h;
  const divergence = crowdedRatio >= 1 && against >= t.fundingAgainstMove ? Math.min(crowdedRatio, against / t.fundingAgainstMove) : 0;
  const extreme = Math.abs(rate8h) / t.fundingExtreme8h;
  const basis = Math.abs(basisBps) / t.basisBps;
  const ratio = Math.max(divergence, extreme, basis);
  if (ratio < 1) return null;
  return flag('funding_divergence', ratio, {
    fundingRate8h: r4(rate8h * 10_000) / 10_000,
    fundingAnnualizedPct: r2(rate8h * 3 * 365 * 100),
    priceMove24hPct: r2(move * 100),
    basisBps: r2(basisBps),
  });
}

/** Reusable buffer for the OI changes (hundreds per symbol per cycle), grown on demand. */
let changeBuffer = new Float64Array(0);

function changeScratch(n: number): Float64Array {
  if (changeBuffer.length < n) changeBuffer = new Float64Array(Math.max(n, 2 * changeBuffer.length));
  return changeBuffer;
}

function oiPriceDivergence({ snapshot, tail, t }: RuleContext): ManipFlag | null {
  const oi = snapshot.openInterestHistory;
  if (!oi || !tail) return null;
  const k = Math.min(t.oiBars, tail.close.length - 1);
  const len = oi.length;
  // Needs a history of k-bar changes to judge how unusual the latest one is.
  if (k < 1 || len < 5 * k) return null;
  const oiThen = oi[len - 1 - k] as number;
  const oiNow = oi[len - 1] as number;
  if (!(oiThen > 0) || !(oiNow > 0)) return null;
  const from = Math.max(k, len - 1 - 20 * k);
  const changes = changeScratch(len - 1 - from);
  let count = 0;
  for (let i = from; i < len - 1; i++) {
    const a = oi[i - k] as number;
    const b = oi[i] as number;
    if (a > 0 && b > 0) changes[count++] = Math.abs(Math.log(b / a));
  }
  // |changes| are centred near 0 over a long history, so their median (the upper one for an even
  // count) is the MAD.
  const std = 1.4826 * (count > 0 ? selectKth(changes, count, count >> 1) : 0);
  const logChange = Math.log(oiNow / oiThen);
  const z = std > 0 ? Math.abs(logChange) / std : Number.POSITIVE_INFINITY;
  if (z < t.oiChangeZ) return null;
  const oiChange = oiNow / oiThen - 1;
  const c = tail.close;
  const priceChange = (c[c.length - 1] as number) / (c[c.length - 1 - k] as number) - 1;
  let ratio = 0;
  if (oiChange >= t.oiBuild && priceChange <= t.oiFlatPrice) ratio = oiChange / t.oiBuild;
  if (oiChange <= t.oiUnwind && priceChange >= t.oiUnwindPump) ratio = Math.max(ratio, Math.min(oiChange / t.oiUnwind, priceChange / t.oiUnwindPump));
  if (ratio < 1) return null;
  return flag('oi_price_divergence', Math.min(ratio, z / t.oiChangeZ), {
    oiChangePct: r2(oiChange * 100),
    oiChangeZ: Number.isFinite(z) ? r2(z) : 'n/a',
    priceChangePct: r2(priceChange * 100),
    bars: k,
  });
}

function postSurgeReversal({ tail, t }: RuleContext): ManipFlag | null {
  if (!tail) return null;
  const { high: h, low: l, close: c, atr: a } = tail;
  const m = c.length;
  const from = Math.max(0, m - 1 - t.surgeReversalWithinBars);
  let peak = from;
  for (let i = from; i < m - 1; i++) if ((h[i] as number) > (h[peak] as number)) peak = i;
  if (peak >= m - 1) return null;
  let base = Math.max(0, peak - t.surgeMaxBars);
  for (let i = base; i <= peak; i++) if ((l[i] as number) < (l[base] as number)) base = i;
  const baseLow = l[base] as number;
  const peakHigh = h[peak] as number;
  const surge = peakHigh / baseLow - 1;
  const atrBase = a[base] ?? a[peak] ?? Number.NaN;
  const surgeAtr = atrBase > 0 ? (peakHigh - baseLow) / atrBase : 0;
  if (surge < t.surgeMin || surgeAtr < t.surgeAtr) return null;
  const last = c[m - 1] as number;
  const reversal = (peakHigh - last) / (peakHigh - baseLow);
  if (reversal < t.surgeReversal) return null;
  return flag('post_surge_reversal', Math.min(reversal / t.surgeReversal, surgeAtr / t.surgeAtr), {
    surgePct: r2(surge * 100),
    surgeAtr: r2(surgeAtr),
    reversalShare: r4(reversal),
    barsSincePeak: m - 1 - peak,
  });
}

function washTradeVolume({ snapshot, candle, t }: RuleContext): ManipFlag | null {
  if (!candle || candle.volumeZ < t.washVolumeZ || candle.rangeAtr > t.washMaxRangeAtr) return null;
  const tr = snapshot.trades;
  const total = tr ? tr.buyVolumeBase + tr.sellVolumeBase : 0;
  const flowImbalance = total > 0 && tr ? (tr.buyVolumeBase - tr.sellVolumeBase) / total : Number.NaN;
  const ratio = Math.min(candle.volumeZ / t.washVolumeZ, t.washMaxRangeAtr / Math.max(candle.rangeAtr, 1e-9));
  return flag('wash_trade_volume', ratio, {
    volumeZ: r2(candle.volumeZ),
    rangeAtr: r2(candle.rangeAtr),
    flowImbalance: Number.isFinite(flowImbalance) ? r4(flowImbalance) : 'n/a',
  });
}

function freshListing({ snapshot, t }: RuleContext): ManipFlag | null {
  const listed = snapshot.market?.listedAtMs;
  if (listed === undefined) return null;
  const ageMs = snapshot.nowMs - listed;
  if (ageMs < 0 || ageMs >= t.freshListingMs) return null;
  return flag('fresh_listing', 2 - ageMs / t.freshListingMs, { ageHours: r2(ageMs / 3_600_000) });
}

function collapse({ tail, market, t }: RuleContext): ManipFlag | null {
  if (!tail) return null;
  const { high: h, low: l, close: c, volume: v, atr: a } = tail;
  const m = c.length;
  let k = 0;
  let idio = 0;
  let raw = 0;
  // Only spans the peers' move is known over: a fall net of a shorter peer move would not be net.
  const bars = peerSpan(market, t.collapseBars);
  for (let j = 1; j <= bars && j < m - 1; j++) {
    const r = (c[m - 1] as number) / (c[m - 1 - j] as number) - 1;
    const x = r - peerReturn(market, j);
    if (x < idio) {
      idio = x;
      raw = r;
      k = j;
    }
  }
  if (k === 0 || idio > -t.collapseMinDrop) return null;
  const start = m - 1 - k;
  const atrBefore = a[start] as number;
  if (!(atrBefore > 0)) return null;
  const ref = c[start] as number;
  let top = ref;
  let bottom = Number.POSITIVE_INFINITY;
  let maxVol = 0;
  for (let i = start + 1; i < m; i++) {
    if ((h[i] as number) > top) top = h[i] as number;
    if ((l[i] as number) < bottom) bottom = l[i] as number;
    if ((v[i] as number) > maxVol) maxVol = v[i] as number;
  }
  const rangeAtr = (top - bottom) / atrBefore;
  if (rangeAtr < t.collapseRangeAtr) return null;
  const { mean, std } = meanStd(v, start - 59, start + 1);
  const volZ = std > 0 ? (maxVol - mean) / std : 0;
  if (volZ < t.collapseVolumeZ) return null;
  let priorLow = ref;
  for (let i = Math.max(0, start - t.collapsePriorBars); i <= start; i++) if ((l[i] as number) < priorLow) priorLow = l[i] as number;
  const priorRun = ref / priorLow - 1;
  if (priorRun > t.collapsePriorPumpMax) return null;
  const rebound = top > bottom ? ((c[m - 1] as number) - bottom) / (top - bottom) : 0;
  if (rebound > t.collapseMaxRebound) return null;
  return flag('collapse', Math.min(-idio / t.collapseMinDrop, rangeAtr / t.collapseRangeAtr), {
    dropPct: r2(raw * 100),
    dropVsPeersPct: r2(idio * 100),
    bars: k,
    rangeAtr: r2(rangeAtr),
    volumeZ: r2(volZ),
    priorRunPct: r2(priorRun * 100),
    reboundShare: r4(rebound),
  });
}

function pumpOnset({ tail, market, t }: RuleContext): ManipFlag | null {
  if (!tail) return null;
  const { close: c, volume: v, atr: a } = tail;
  const m = c.length;
  let best: { ratio: number; evidence: Evidence } | null = null;
  const burstBars = peerSpan(market, t.pumpBars);
  for (let k = 1; k <= burstBars && k < m - 1; k++) {
    const start = m - 1 - k;
    const r = (c[m - 1] as number) / (c[start] as number) - 1;
    const idio = r - peerReturn(market, k);
    const atrBefore = a[start] as number;
    if (idio < t.pumpMinMove || !(atrBefore > 0)) continue;
    const moveAtr = ((c[m - 1] as number) - (c[start] as number)) / atrBefore;
    if (moveAtr < t.pumpMoveAtr) continue;
    let maxVol = 0;
    for (let i = start + 1; i < m; i++) if ((v[i] as number) > maxVol) maxVol = v[i] as number;
    const { mean, std } = meanStd(v, start - 59, start + 1);
    const volZ = std > 0 ? (maxVol - mean) / std : 0;
    if (volZ < t.pumpVolumeZ) continue;
    const ratio = Math.min(idio / t.pumpMinMove, volZ / t.pumpVolumeZ, moveAtr / t.pumpMoveAtr);
    if (!best || ratio > best.ratio) {
      best = { ratio, evidence: { kind: 'burst', movePct: r2(r * 100), moveVsPeersPct: r2(idio * 100), bars: k, moveAtr: r2(moveAtr), volumeZ: r2(volZ) } };
    }
  }
  const n = t.accumBars;
  if (n >= 1 && m > n + 61) {
    let recent = 0;
    let early = 0;
    for (let i = m - n; i < m; i++) {
      recent += v[i] as number;
      if (i < m - (n >> 1)) early += v[i] as number;
    }
    const late = recent - early;
    const { mean } = meanStd(v, m - n - 60, m - n);
    const volumeRatio = mean > 0 ? recent / n / mean : 0;
    const marketRatio = market && Number.isFinite(market.medianVolumeRatio) ? Math.max(1, market.medianVolumeRatio) : 1;
    // The symbol's move and the peers' move span the same bars: all `n` when the context reaches
    // that far (the default horizon does), else the bars it has.
    const moveBars = peerSpan(market, n);
    const move = (c[m - 1] as number) / (c[m - 1 - moveBars] as number) - 1 - peerReturn(market, moveBars);
    const ratio = volumeRatio / marketRatio / t.accumVolumeRatio;
    if (ratio >= 1 && late > early && Math.abs(move) <= t.accumMaxMove && (!best || ratio > best.ratio)) {
      const evidence: Evidence = { kind: 'accumulation', volumeRatio: r2(volumeRatio), marketVolumeRatio: r2(marketRatio), movePct: r2(move * 100), bars: n };
      if (moveBars !== n) evidence.moveBars = moveBars;
      best = { ratio, evidence };
    }
  }
  return best ? flag('pump_onset', best.ratio, best.evidence) : null;
}

/** Every rule, in flag-name order. A rule returns null when quiet or when its input is missing. */
export const RULES: readonly ((ctx: RuleContext) => ManipFlag | null)[] = [
  spoofing,
  liquidityVacuum,
  scamWick,
  exhaustedSpike,
  fundingDivergence,
  oiPriceDivergence,
  postSurgeReversal,
  washTradeVolume,
  freshListing,
  collapse,
  pumpOnset,
];

/**
 * Flags read from the price pattern, which a market-wide move produces on every symbol at once;
 * under `MarketContext.stress` they survive only on an idiosyncratic move (see
 * `stressIdiosyncraticMove`).
 */
export const PRICE_PATTERN_FLAGS: readonly FlagName[] = ['scam_wick', 'exhausted_spike', 'post_surge_reversal', 'collapse', 'pump_onset'];

/** Flags that can fire from candles (plus listing time) alone, with no book, funding or OI. */
export const CANDLE_ONLY_FLAGS: readonly FlagName[] = ['scam_wick', 'exhausted_spike', 'post_surge_reversal', 'wash_trade_volume', 'fresh_listing', 'collapse', 'pump_onset'];
