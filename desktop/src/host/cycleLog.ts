import type { Logger } from '@perpscope/sdk';
import type { HealthView, RankingSnapshotView } from '@perpscope/shared';
import type { Host } from './host.js';

/** One finished scan cycle as seen from the host's `ranking` events. */
export interface ScanCycle {
  profile: string;
  /** End of the cycle, market time (sim time on the sim). */
  asOfMs: number;
  /** Market time since the previous cycle of the same profile; null for the first one seen. */
  cycleIntervalMs: number | null;
  /** Wall-clock ms the cycle's ranking took to compute; null when the snapshot does not say. */
  computeMs: number | null;
  /** Symbols the ranker scored this cycle. */
  symbolsScanned: number;
  /** Rows carried by the snapshot. */
  rows: number;
  topSymbol: string | null;
  topScore: number | null;
}

/**
 * Turns `ranking` snapshots into scan cycles. A snapshot repeats a cycle when its `asOfMs` did not
 * advance (a profile switch re-ranks the last cycle's data and pushes it again), so only a newer
 * `asOfMs` per profile counts as a cycle. Memory is one number per profile.
 */
export function createCycleTracker(): (snapshot: RankingSnapshotView) => ScanCycle | null {
  const lastAsOfMs = new Map<string, number>();
  return (snapshot) => {
    if (snapshot.asOfMs === null) return null;
    const previous = lastAsOfMs.get(snapshot.profile);
    if (previous !== undefined && snapshot.asOfMs <= previous) return null;
    lastAsOfMs.set(snapshot.profile, snapshot.asOfMs);
    const top = snapshot.rows.find((r) => r.rank === 1) ?? snapshot.rows[0];
    return {
      profile: snapshot.profile,
      asOfMs: snapshot.asOfMs,
      cycleIntervalMs: previous === undefined ? null : snapshot.asOfMs - previous,
      computeMs: snapshot.computeMs ?? null,
      symbolsScanned: snapshot.total,
      rows: snapshot.rows.length,
      topSymbol: top?.symbol ?? null,
      topScore: top?.score ?? null,
    };
  };
}

/**
 * Writes one `scan cycle` info line per new ranking cycle with its figures, the latest health
 * (stale symbols, 429s, breakers) and the error and warning alerts seen since the previous cycle.
 * Returns the unsubscribe function.
 *
 * @example
 * const stopCycleLog = logScanCycles(host, logger);
 */
export function logScanCycles(host: Pick<Host, 'onEvent'>, logger: Logger): () => void {
  const track = createCycleTracker();
  let health: HealthView | null = null;
  let errors = 0;
  let warnings = 0;
  return host.onEvent((event) => {
    if (event.event === 'health') health = event.data;
    else if (event.event === 'alert') {
      if (event.data.level === 'error') errors += 1;
      else if (event.data.level === 'warn') warnings += 1;
    } else if (event.event === 'ranking') {
      const cycle = track(event.data);
      if (!cycle) return;
      logger.info(
        {
          ...cycle,
          errorsSinceLastCycle: errors,
          warningsSinceLastCycle: warnings,
          symbolsTracked: health?.symbolsTracked ?? null,
          symbolsStale: health?.symbolsStale ?? null,
          rateLimited429: health ? health.exchanges.reduce((n, x) => n + x.rateLimited429, 0) : null,
          breakersOpen: health ? health.exchanges.filter((x) => x.breaker !== 'closed').map((x) => x.exchange) : null,
        },
        'scan cycle',
      );
      errors = 0;
      warnings = 0;
    }
  });
}
