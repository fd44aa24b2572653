import { usdtSwapMarket } from '@perpscope/shared';
import type { GroundTruthEpisode, SimMarket } from './types.js';
import type { SpoofWall } from './book.js';
import { contractSpecFor, lotBase } from './contractSpecs.js';
import { ANCHOR_MS, DAY_MS, HOUR_MS, MINUTE_MS, type PathSpec, type PumpOverlay } from './pricePath.js';
import { gaussian, hash32, stringHash, uniform } from './rng.js';
import { venueSkewFor } from './venueSkew.js';

/** One generated symbol: its market, path and book parameters. */
export interface SymbolPlan {
  market: SimMarket;
  path: PathSpec;
  spreadBps: number;
  spoofs: SpoofWall[];
  /** Open interest level in base units. */
  openInterestBase: number;
}

export interface GeneratorPlan {
  symbols: SymbolPlan[];
  episodes: GroundTruthEpisode[];
}

const MAKER_FEE = 0.0002;
const TAKER_FEE = 0.0006;

/**
 * Lays out the symbol universe and the injected episodes for a seed and start time. A venue index
 * above 0 keeps all of it (same symbols, paths, episodes) and gives each symbol that venue's
 * synthetic basis and funding offset (see `venueSkew.ts`); venue 0 is the market unchanged.
 */
export function planUniverse(seed: number, count: number, startTimeMs: number, venueIndex = 0): GeneratorPlan {
  const n = Math.max(1, Math.floor(count));
  const symbols: SymbolPlan[] = [];
  for (let i = 0; i < n; i++) symbols.push(planSymbol(seed, i, startTimeMs, venueIndex));
  const episodes: GroundTruthEpisode[] = [];
  const sims = symbols.filter((s) => s.market.base.startsWith('SIM'));
  if (sims.length > 0) {
    const pick = (salt: number): SymbolPlan => sims[hash32(seed, 900, salt) % sims.length]!;
    // Two pumps inside the history (visible to backfill) and one shortly after start (live).
    const pumpOffsetsMs = [-20 * HOUR_MS, -6 * HOUR_MS, 30 * MINUTE_MS];
    pumpOffsetsMs.forEach((offsetMs, k) => {
      const plan = pick(k);
      const startMs = floorTo(startTimeMs + offsetMs, MINUTE_MS);
      const runUpMs = (30 + Math.floor(60 * uniform(seed, 901, k))) * MINUTE_MS;
      const dumpMs = (20 + Math.floor(40 * uniform(seed, 902, k))) * MINUTE_MS;
      const pump: PumpOverlay = {
        startMs,
        peakMs: startMs + runUpMs,
        endMs: startMs + runUpMs + dumpMs,
        gainLog: Math.log(1.3 + 0.7 * uniform(seed, 903, k)),
        volumeMultiplier: 8 + 12 * uniform(seed, 904, k),
      };
      plan.path.pumps.push(pump);
      episodes.push({ kind: 'pump_and_dump', symbol: plan.market.symbol, startMs, endMs: pump.endMs });
    });
    const spoofOffsetsMs = [-10 * HOUR_MS, -2 * HOUR_MS, 20 * MINUTE_MS];
    spoofOffsetsMs.forEach((offsetMs, k) => {
      const plan = pick(10 + k);
      const startMs = floorTo(startTimeMs + offsetMs, MINUTE_MS);
      const wall: SpoofWall = {
        startMs,
        endMs: startMs + (10 + Math.floor(30 * uniform(seed, 911, k))) * MINUTE_MS,
        side: uniform(seed, 912, k) < 0.5 ? 'bid' : 'ask',
        levelIndex: 2 + (hash32(seed, 913, k) % 3),
        multiplier: 20 + 20 * uniform(seed, 914, k),
      };
      plan.spoofs.push(wall);
      episodes.push({ kind: 'spoofing', symbol: plan.market.symbol, startMs, endMs: wall.endMs });
    });
    const delisted = sims[sims.length - 1]!;
    const delistAtMs = floorTo(startTimeMs + 2 * HOUR_MS, MINUTE_MS);
    delisted.market.delistAtMs = delistAtMs;
    episodes.push({ kind: 'delisting', symbol: delisted.market.symbol, startMs: delistAtMs, endMs: delistAtMs });
  }
  episodes.sort((a, b) => a.startMs - b.startMs);
  return { symbols, episodes };
}

function planSymbol(seed: number, index: number, startTimeMs: number, venueIndex: number): SymbolPlan {
  const base = index === 0 ? 'BTC' : index === 1 ? 'ETH' : `SIM${String(index - 1).padStart(3, '0')}`;
  const key = hash32(seed, stringHash(base));
  let price: number;
  let quoteVolumeDailyUsd: number;
  let dailyVol: number;
  if (base === 'BTC') {
    price = 60_000 * Math.exp(0.1 * gaussian(key, 100));
    quoteVolumeDailyUsd = 9e9;
    dailyVol = 0.025;
  } else if (base === 'ETH') {
    price = 3_000 * Math.exp(0.1 * gaussian(key, 100));
    quoteVolumeDailyUsd = 4e9;
    dailyVol = 0.032;
  } else {
    price = Math.exp(Math.log(0.0005) + (Math.log(800) - Math.log(0.0005)) * uniform(key, 101));
    quoteVolumeDailyUsd = Math.exp(Math.log(2e5) + (Math.log(1.5e9) - Math.log(2e5)) * uniform(key, 102) ** 1.5);
    dailyVol = 0.03 + 0.06 * uniform(key, 103);
  }
  const tickSize = Number((10 ** (Math.floor(Math.log10(price)) - 4)).toPrecision(1));
  const spec = contractSpecFor(base, price);
  const listMs = Math.max(ANCHOR_MS, floorTo(startTimeMs - 4000 * DAY_MS, DAY_MS));
  const liquidity = Math.log10(quoteVolumeDailyUsd);
  const venue = venueSkewFor(venueIndex, base);
  const market: SimMarket = usdtSwapMarket(base, {
    contractSize: spec.contractValue,
    tickSize,
    lotSize: spec.lotContracts,
    minAmount: spec.minContracts,
    makerFee: MAKER_FEE,
    takerFee: TAKER_FEE,
    maxLeverage: base === 'BTC' || base === 'ETH' ? 125 : 50,
    listedAtMs: listMs,
  });
  return {
    market,
    path: { key, logLevel: Math.log(price), dailyVol, quoteVolumeDailyUsd, tickSize, lotSize: lotBase(market), listMs, pumps: [], ...(venue ? { venue } : {}) },
    spreadBps: Math.max(0.5, 1 + 2.5 * (9.5 - liquidity)),
    spoofs: [],
    openInterestBase: (quoteVolumeDailyUsd * (0.3 + 0.5 * uniform(key, 104))) / price,
  };
}

function floorTo(value: number, step: number): number {
  return Math.floor(value / step) * step;
}
