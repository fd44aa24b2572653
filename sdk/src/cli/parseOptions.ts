import { InvalidArgumentError } from 'commander';
import { parseUtcTimeMs } from '../core/utcTime.js';

/** commander value parsers that name the flag, the value and what was expected. */
export function intOption(flag: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

/** A point in time given absolutely, or as a span back from when the command runs. */
export type SinceSpec = { atMs: number } | { agoMs: number };

const AGO_UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30m`, `12h`, `7d`, `2w` (back from now) or an ISO date or date-time in UTC. */
export function sinceOption(flag: string) {
  return (raw: string): SinceSpec => {
    const ago = /^(\d{1,6})([smhdw])$/.exec(raw.trim());
    if (ago) return { agoMs: Number(ago[1]) * AGO_UNIT_MS[ago[2] as keyof typeof AGO_UNIT_MS] };
    const atMs = parseUtcTimeMs(raw);
    if (!Number.isFinite(atMs)) {
      throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected a span back from now (30m, 12h, 7d, 2w) or an ISO date or date-time in UTC (2025-01-01T12:00:00Z)`);
    }
    return { atMs };
  };
}

/** An ISO date or date-time, UTC when it names no zone, as ms since the epoch. */
export function isoTimeOption(flag: string) {
  return (raw: string): number => {
    const ms = parseUtcTimeMs(raw);
    if (!Number.isFinite(ms)) throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected an ISO date (2025-01-01) or date-time in UTC (2025-01-01T12:00:00Z)`);
    return ms;
  };
}

export function listOption(flag: string, allowed?: readonly string[]) {
  return (raw: string): string[] => {
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (!items.length) throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected a comma-separated list`);
    if (allowed) {
      const bad = items.filter((i) => !allowed.includes(i));
      if (bad.length) throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(bad.join(','))}, expected values from ${allowed.join(', ')}`);
    }
    return items;
  };
}

const COLUMN_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** `--map time=ts,open=o,...`: CSV column names per candle field. */
export function columnMapOption(flag: string) {
  return (raw: string): Partial<Record<(typeof COLUMN_FIELDS)[number], string>> => {
    const map: Partial<Record<(typeof COLUMN_FIELDS)[number], string>> = {};
    for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [field, column, extra] = pair.split('=').map((s) => s.trim());
      const known = COLUMN_FIELDS.find((f) => f === field);
      if (!known || !column || extra !== undefined) {
        throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(pair)}, expected FIELD=COLUMN pairs with FIELD one of ${COLUMN_FIELDS.join(', ')} (e.g. time=ts,open=o)`);
      }
      map[known] = column;
    }
    if (Object.keys(map).length === 0) throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected FIELD=COLUMN pairs (e.g. time=ts,open=o)`);
    return map;
  };
}
