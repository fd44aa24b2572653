import type { ChartFlagMarkView } from '@perpscope/shared';
import { fmtDateTime, fmtUsdCompact } from './format.js';

/**
 * Manipulation flags as the chart annotates them: the bar each fired on, a short title, and its
 * evidence as labelled figures with units (the radar's keys are camelCase with a unit suffix).
 * Pure, so it is tested without a chart.
 */

export interface FlagEvidenceLine {
  label: string;
  value: string;
}

export interface ChartFlagMark {
  /** Stable per flag onset. */
  id: string;
  /** Open time of the chart bar the flag is drawn on. */
  barMs: number;
  /** Price the pin points at (the flag's price, else the bar's high). */
  price: number;
  title: string;
  severityPct: number;
  message: string;
  atMs: number;
  evidence: FlagEvidenceLine[];
}

// `surgePct` and `surgeAtr` sit side by side, so ATR multiples keep their word: `surge vs ATR`.
const WORDS: Record<string, string> = { oi: 'OI', '50': '±50 bp', atr: 'vs ATR' };
/** Unit suffixes the value carries instead of the label. */
const UNIT_WORDS = new Set(['usd', 'pct', 'bps', 'ms', 'z', 'hours', 'minutes', '8h']);

/** `wallDistanceBps` -> `wall distance`; the unit goes with the value instead. */
export function evidenceLabel(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/([0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ');
  if (words.length > 1 && UNIT_WORDS.has(words[words.length - 1]!)) words.pop();
  return words.map((w) => WORDS[w] ?? w).join(' ');
}

const trim = (v: number, digits: number) => Number(v.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits });

/** An evidence figure with its unit, read from the key's suffix. */
export function evidenceValue(key: string, v: number | string | boolean): string {
  if (typeof v !== 'number') return String(v);
  if (/TimeMs$|AtMs$/.test(key)) return `${fmtDateTime(v)} UTC`;
  if (/Pct$/.test(key)) return `${trim(v, 2)}%`;
  if (/Bps$/.test(key)) return `${trim(v, 1)} bp`;
  if (/Usd$/.test(key)) return `${fmtUsdCompact(v)} USD`;
  if (/Share$/.test(key)) return `${trim(v * 100, 1)}%`;
  if (/Atr$/.test(key)) return `${trim(v, 2)}×`;
  if (/Multiple$|Ratio$/.test(key)) return `${trim(v, 2)}×`;
  if (/Z$/.test(key)) return `${trim(v, 2)} σ`;
  if (/Hours$/.test(key)) return `${trim(v, 1)} h`;
  if (/Minutes$/.test(key)) return `${trim(v, 2)} min`;
  if (/^bars|Bars$|^barsSince/.test(key)) return `${trim(v, 0)} bars`;
  if (/Rate8h$/.test(key)) return `${trim(v * 100, 4)}% / 8h`;
  return trim(v, Math.abs(v) >= 100 ? 0 : 4);
}

/**
 * The chart bar a flag belongs to: the bar its evidence names (`barOpenTimeMs`), else the last bar
 * closed when the ranking cycle ran (a cycle at a bar's close assesses that bar, not the next).
 */
export function flagBarMs(flag: Pick<ChartFlagMarkView, 'atMs' | 'evidence'>, timeframeMs: number): number {
  const named = flag.evidence.barOpenTimeMs;
  const t = typeof named === 'number' && Number.isFinite(named) ? named : flag.atMs - 1;
  return Math.floor(t / timeframeMs) * timeframeMs;
}

/**
 * The pins for `flags` on a chart whose bars span `[firstBarMs, lastBarMs]`; flags off that range
 * are left out. `highAt` gives a bar's high for flags without a price.
 */
export function chartFlagMarks(
  flags: readonly ChartFlagMarkView[],
  timeframeMs: number,
  firstBarMs: number,
  lastBarMs: number,
  highAt: (barMs: number) => number | null,
): ChartFlagMark[] {
  const out: ChartFlagMark[] = [];
  for (const f of flags) {
    const barMs = flagBarMs(f, timeframeMs);
    if (barMs < firstBarMs || barMs > lastBarMs) continue;
    const price = highAt(barMs) ?? f.price;
    if (price === null || !Number.isFinite(price)) continue;
    out.push({
      id: `${f.name}@${f.atMs}`,
      barMs,
      price,
      title: f.name.replace(/_/g, ' '),
      severityPct: Math.round(f.severity * 100),
      message: f.message,
      atMs: f.atMs,
      evidence: Object.entries(f.evidence)
        .filter(([k]) => k !== 'barOpenTimeMs')
        .map(([k, v]) => ({ label: evidenceLabel(k), value: evidenceValue(k, v) })),
    });
  }
  return out;
}
