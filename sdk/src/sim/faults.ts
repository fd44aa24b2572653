import { MARKET_DATA_FAULTS, type MarketDataFaultKind, type MarketDataFaultMode } from './marketDataFaults.js';
import type { FaultController } from './types.js';

/** What the server should do with the next HTTP request, decided before routing. */
export type HttpFault = { kind: 'status'; status: number } | { kind: 'rate_limit' } | { kind: 'hang' };

/** Mutable fault state shared by the HTTP and websocket layers. */
export class FaultState implements FaultController {
  latencyMs = 0;
  silent = false;
  wsRefused = false;
  fillRatio = 1;
  /** How far the sim's server clock runs ahead of wall time (negative: behind). */
  clockSkewMs = 0;
  /** While on, overflowing a REST window suspends the IP (see {@link IpSuspension}). */
  rateLimitPenalties: boolean;
  private httpFailures: { status: number; count: number } | null = null;
  private rateLimitBurst = 0;
  private hangs = 0;
  private acceptHangs = 0;
  private hiddenLookups = 0;
  private bookGaps = 0;
  private readonly marketData = new Map<MarketDataFaultKind, MarketDataFaultMode>();
  private readonly fundingRates = new Map<string, { rate: number; fromMs: number }>();
  private faultSeq = 0;
  private foreign: { fromMs: number; toMs: number } | null = null;

  constructor(
    private readonly onDrop: () => void,
    private readonly onDelist: (symbol: string) => void,
    /** The IP suspension the server enforces; `penalizeRateLimits(false)` and `reset()` lift it. */
    private readonly suspension: { lift(): void } = { lift: () => {} },
    private readonly penaltiesByDefault = true,
  ) {
    this.rateLimitPenalties = penaltiesByDefault;
  }

  delist(symbol: string): void {
    this.onDelist(symbol);
  }

  dropWebsockets(): void {
    this.onDrop();
  }
  silenceWebsockets(on: boolean): void {
    this.silent = on;
  }
  /** While on, websocket upgrades are refused (the socket is destroyed), as during an outage. */
  refuseWebsockets(on: boolean): void {
    this.wsRefused = on;
  }
  gapBookStream(opts: { count: number }): void {
    this.bookGaps = nonNegativeCount('gapBookStream.count', opts.count);
  }
  /** Consumes one swallowed book update, if any are armed. */
  takeBookGap(): boolean {
    if (this.bookGaps <= 0) return false;
    this.bookGaps--;
    return true;
  }
  failHttp(opts: { status: number; count: number }): void {
    if (!Number.isInteger(opts.status) || opts.status < 500 || opts.status > 599) {
      throw new Error(`failHttp.status: got ${opts.status}, expected an integer 500..599`);
    }
    this.httpFailures = { status: opts.status, count: nonNegativeCount('failHttp.count', opts.count) };
  }
  penalizeRateLimits(on: boolean): void {
    if (typeof on !== 'boolean') throw new Error(`penalizeRateLimits: got ${String(on)}, expected true or false`);
    this.rateLimitPenalties = on;
    if (!on) this.suspension.lift();
  }
  burst429(opts: { count: number }): void {
    this.rateLimitBurst = nonNegativeCount('burst429.count', opts.count);
  }
  latency(opts: { ms: number }): void {
    if (!(opts.ms >= 0) || !Number.isFinite(opts.ms)) throw new Error(`latency.ms: got ${opts.ms}, expected a finite number >= 0`);
    this.latencyMs = opts.ms;
  }
  timeoutRequests(opts: { count: number }): void {
    this.hangs = nonNegativeCount('timeoutRequests.count', opts.count);
  }
  acceptThenTimeout(opts: { count: number }): void {
    this.acceptHangs = nonNegativeCount('acceptThenTimeout.count', opts.count);
  }
  hideOrdersFromLookups(opts: { count: number }): void {
    this.hiddenLookups = nonNegativeCount('hideOrdersFromLookups.count', opts.count);
  }
  partialFills(opts: { ratio: number }): void {
    if (!(opts.ratio > 0 && opts.ratio <= 1)) throw new Error(`partialFills.ratio: got ${opts.ratio}, expected a number in (0, 1]`);
    this.fillRatio = opts.ratio;
  }
  corruptMarketData(opts: { kind: MarketDataFaultKind; mode: MarketDataFaultMode | null }): void {
    const modes = MARKET_DATA_FAULTS[opts?.kind];
    if (!modes) throw new Error(`corruptMarketData.kind: got ${String(opts?.kind)}, expected one of ${Object.keys(MARKET_DATA_FAULTS).join(', ')}`);
    if (opts.mode === null) {
      this.marketData.delete(opts.kind);
      return;
    }
    if (!modes.includes(opts.mode)) {
      throw new Error(`corruptMarketData.mode: got ${String(opts.mode)} for ${opts.kind}, expected one of ${modes.join(', ')} or null`);
    }
    this.marketData.set(opts.kind, opts.mode);
  }
  setFundingRate(opts: { symbol: string; rate: number | null; fromMs?: number }): void {
    if (typeof opts?.symbol !== 'string' || opts.symbol.length === 0) throw new Error(`setFundingRate.symbol: got ${String(opts?.symbol)}, expected a symbol such as BTC/USDT:USDT`);
    if (opts.rate === null) {
      this.fundingRates.delete(opts.symbol);
      return;
    }
    if (typeof opts.rate !== 'number' || !(Math.abs(opts.rate) < 0.03)) throw new Error(`setFundingRate.rate: got ${String(opts.rate)}, expected a rate per interval with |rate| < 0.03 (300 bps), or null`);
    const fromMs = opts.fromMs ?? Number.NEGATIVE_INFINITY;
    if (Number.isNaN(fromMs)) throw new Error('setFundingRate.fromMs: got NaN, expected an epoch in milliseconds');
    this.fundingRates.set(opts.symbol, { rate: opts.rate, fromMs });
  }
  /** The funding rate a scenario sets for a market (by unified symbol or instrument id) at sim time `atMs`, if any. */
  fundingRateOverride(symbol: string, instId: string, atMs: number): number | undefined {
    const o = this.fundingRates.get(symbol) ?? this.fundingRates.get(instId);
    return o && atMs >= o.fromMs ? o.rate : undefined;
  }
  /** The market-data fault in force for `kind`, if any. */
  marketDataFault(kind: MarketDataFaultKind): MarketDataFaultMode | undefined {
    return this.marketData.get(kind);
  }
  /** A fresh number for the id of an injected record. */
  nextFaultSeq(): number {
    return ++this.faultSeq;
  }
  /** Shifts the server's clock by `ms` against wall time: the `Date` header and the signed-timestamp window follow it. */
  clockSkew(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error(`clockSkew.ms: got ${ms}, expected a finite number of milliseconds`);
    this.clockSkewMs = Math.round(ms);
  }
  foreignNonces(opts: { fromMs: number; toMs: number }): void {
    for (const [field, v] of [['fromMs', opts.fromMs], ['toMs', opts.toMs]] as const) {
      if (!Number.isSafeInteger(v)) throw new Error(`foreignNonces.${field}: got ${v}, expected an integer epoch in milliseconds`);
    }
    if (opts.toMs < opts.fromMs) throw new Error(`foreignNonces.toMs: got ${opts.toMs}, expected at least fromMs (${opts.fromMs})`);
    this.foreign = { ...opts };
  }
  /** True when another client on the key already used `nonce` (see {@link foreignNonces}). */
  isForeignNonce(nonce: string): boolean {
    const n = Number(nonce);
    return this.foreign !== null && Number.isInteger(n) && n >= this.foreign.fromMs && n <= this.foreign.toMs;
  }
  /** The server's wall clock (skew applied). */
  serverNowMs(): number {
    return Date.now() + this.clockSkewMs;
  }
  reset(): void {
    this.latencyMs = 0;
    this.clockSkewMs = 0;
    this.silent = false;
    this.fillRatio = 1;
    this.httpFailures = null;
    this.rateLimitBurst = 0;
    this.hangs = 0;
    this.acceptHangs = 0;
    this.hiddenLookups = 0;
    this.bookGaps = 0;
    this.wsRefused = false;
    this.foreign = null;
    this.marketData.clear();
    this.fundingRates.clear();
    this.rateLimitPenalties = this.penaltiesByDefault;
    this.suspension.lift();
  }

  /** Consumes and returns the fault for the next HTTP request, if any. */
  takeHttpFault(): HttpFault | null {
    if (this.hangs > 0) {
      this.hangs--;
      return { kind: 'hang' };
    }
    if (this.httpFailures && this.httpFailures.count > 0) {
      this.httpFailures.count--;
      return { kind: 'status', status: this.httpFailures.status };
    }
    if (this.rateLimitBurst > 0) {
      this.rateLimitBurst--;
      return { kind: 'rate_limit' };
    }
    return null;
  }

  /** True when this order placement should be processed but never answered. */
  takeAcceptThenTimeout(): boolean {
    if (this.acceptHangs <= 0) return false;
    this.acceptHangs--;
    return true;
  }

  /** True when this order lookup should find nothing. */
  takeHiddenLookup(): boolean {
    if (this.hiddenLookups <= 0) return false;
    this.hiddenLookups--;
    return true;
  }
}

function nonNegativeCount(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${field}: got ${value}, expected an integer >= 0`);
  return value;
}
