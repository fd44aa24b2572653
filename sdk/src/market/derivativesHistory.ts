import type { FundingRate, OpenInterest, Timeframe } from '@perpscope/shared';

/**
 * Funding settlements and open interest of one symbol as known at one time, oldest first. Every
 * point is visible only at or after its `timestampMs`: nothing here looks ahead of the reader.
 */
export interface DerivativesHistory {
  /** Settled funding rates (rate per interval at each settlement time). */
  funding: readonly FundingRate[];
  /** Open-interest points in base units; absent when the source has no OI history at all. */
  openInterest?: readonly OpenInterest[];
}

/**
 * A networked source of funding and OI history (ccxt `fetchFundingRateHistory` and
 * `fetchOpenInterestHistory`). `has*` follow what the exchange declares: BloFin has funding
 * history but no OI history, so OI stays absent live there.
 */
export interface DerivativesHistoryFetcher {
  readonly hasFundingHistory: boolean;
  readonly hasOpenInterestHistory: boolean;
  /** The newest `limit` settlements, oldest first. */
  fetchFundingHistory(symbol: string, limit: number): Promise<FundingRate[]>;
  /** The newest `limit` OI points on `timeframe`, oldest first. */
  fetchOpenInterestHistory(symbol: string, timeframe: Timeframe, limit: number): Promise<OpenInterest[]>;
}

/** An in-process source (recorded files in a backtest): reads are free and see nothing after `nowMs`. */
export interface RecordedDerivatives {
  derivativesAt(symbol: string, nowMs: number): DerivativesHistory | undefined;
}

/** The source's history fetcher, when it has one. */
export function historyFetcherOf(source: object): DerivativesHistoryFetcher | undefined {
  const s = source as Partial<DerivativesHistoryFetcher>;
  return typeof s.fetchFundingHistory === 'function' && typeof s.fetchOpenInterestHistory === 'function' ? (s as DerivativesHistoryFetcher) : undefined;
}

/** The source's recorded derivatives reader, when it has one. */
export function recordedDerivativesOf(source: object): RecordedDerivatives | undefined {
  const s = source as Partial<RecordedDerivatives>;
  return typeof s.derivativesAt === 'function' ? (s as RecordedDerivatives) : undefined;
}

/** Settlements kept per symbol: 30 days of 8h funding. */
export const FUNDING_HISTORY_POINTS = 90;
/** OI points kept per symbol (BloFin-style limits cap a call at 100; Binance at 500). */
export const OPEN_INTEREST_HISTORY_POINTS = 200;

interface Entry {
  history: { funding: FundingRate[]; openInterest?: OpenInterest[] };
  fundingFetchedAtMs: number;
  oiFetchedAtMs: number;
}

/**
 * Polled funding and OI history per symbol, with the times each part was last fetched, so the
 * caller fetches funding once per funding interval and OI once per OI period.
 */
export class DerivativesHistoryStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** Funding history is refetched this long after the last fetch (default 8 h, one BloFin interval). */
    private readonly fundingEveryMs = 8 * 3_600_000,
    /** OI history is refetched this long after the last fetch (default 1 h). */
    private readonly oiEveryMs = 3_600_000,
  ) {}

  fundingDue(symbol: string, nowMs: number): boolean {
    const e = this.entries.get(symbol);
    return !e || nowMs - e.fundingFetchedAtMs >= this.fundingEveryMs || e.history.funding.length === 0;
  }

  oiDue(symbol: string, nowMs: number): boolean {
    const e = this.entries.get(symbol);
    return !e || nowMs - e.oiFetchedAtMs >= this.oiEveryMs;
  }

  setFunding(symbol: string, funding: readonly FundingRate[], nowMs: number): void {
    const e = this.entry(symbol);
    e.history.funding = visible(funding, nowMs).slice(-FUNDING_HISTORY_POINTS);
    e.fundingFetchedAtMs = nowMs;
  }

  setOpenInterest(symbol: string, points: readonly OpenInterest[], nowMs: number): void {
    const e = this.entry(symbol);
    e.history.openInterest = visible(points, nowMs).slice(-OPEN_INTEREST_HISTORY_POINTS);
    e.oiFetchedAtMs = nowMs;
  }

  get(symbol: string): DerivativesHistory | undefined {
    return this.entries.get(symbol)?.history;
  }

  delete(symbol: string): void {
    this.entries.delete(symbol);
  }

  private entry(symbol: string): Entry {
    let e = this.entries.get(symbol);
    if (!e) {
      e = { history: { funding: [] }, fundingFetchedAtMs: Number.NEGATIVE_INFINITY, oiFetchedAtMs: Number.NEGATIVE_INFINITY };
      this.entries.set(symbol, e);
    }
    return e;
  }
}

/** Points at or before `nowMs`, oldest first, one per timestamp. */
function visible<T extends { timestampMs: number }>(points: readonly T[], nowMs: number): T[] {
  const out = points.filter((p) => p.timestampMs <= nowMs).sort((a, b) => a.timestampMs - b.timestampMs);
  return out.filter((p, i) => i === 0 || p.timestampMs !== out[i - 1]!.timestampMs);
}

/**
 * Open interest per bar: each bar takes the newest point at or before its close (forward fill,
 * so 4h OI fills 1h bars), oldest bar first, aligned to the end of `openTimeMs`. Bars before the
 * first point are left out, so the result may be shorter than the candles; empty when no point
 * falls inside the candles. A point is never used before its own time.
 */
export function openInterestPerBar(points: readonly OpenInterest[], openTimeMs: ArrayLike<number>, barMs: number): Float64Array {
  const n = openTimeMs.length;
  const out = new Float64Array(n);
  let j = -1;
  let first = n;
  for (let i = 0; i < n; i++) {
    const closeMs = (openTimeMs[i] as number) + barMs;
    while (j + 1 < points.length && points[j + 1]!.timestampMs <= closeMs) j++;
    if (j < 0) continue;
    if (first === n) first = i;
    out[i] = points[j]!.amountBase;
  }
  return out.subarray(first);
}

/** The funding interval in hours from the spacing of the last two settlements, else the rate's own, else undefined. */
export function fundingIntervalHoursOf(funding: readonly FundingRate[]): number | undefined {
  const last = funding[funding.length - 1];
  if (!last) return undefined;
  if (last.intervalHours !== undefined) return last.intervalHours;
  const prev = funding[funding.length - 2];
  if (!prev) return undefined;
  // Binance stamps settlements a few ms late: round to whole hours.
  const hours = Math.round((last.timestampMs - prev.timestampMs) / 3_600_000);
  return hours > 0 ? hours : undefined;
}
