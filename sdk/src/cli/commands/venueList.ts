import { ConfigError } from '../../core/errors.js';
import { simDialectFor } from '../../engine/exchangeClient.js';

/** The venues of `--exchange a,b`: trimmed, at least two, no repeats (with `--sim`, the sim dialects). */
export function parseVenues(list: string, sim: boolean): string[] {
  const venues = list.split(',').map((v) => v.trim());
  const bad = (expected: string) => new ConfigError([{ path: 'exchange', received: JSON.stringify(list), expected }]);
  if (venues.length < 2 || venues.some((v) => v === '')) throw bad('a comma-separated list of two or more exchange ids, e.g. blofin,binanceusdm');
  // With --sim, each id names the dialect its in-process sim speaks (`sim` is BloFin's).
  const ids = sim ? venues.map((v) => simDialectFor(v)) : venues;
  if (new Set(ids).size !== ids.length) throw bad('each exchange once');
  return ids;
}
