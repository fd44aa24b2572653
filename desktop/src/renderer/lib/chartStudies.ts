import { CHART_STUDY_NAMES, type ChartStudyName, type ChartStudyView } from '@perpscope/shared';
import { loadPref, savePref } from './persist.js';

/**
 * Which indicator studies a chart shows, and how the chart lays them out: panes stack under the
 * volume, each with its own grid sharing the time axis; overlays draw on the price grid. Pure
 * apart from the preference read and write.
 */

export const STUDY_LABEL: Record<ChartStudyName, string> = { rsi: 'RSI', macd: 'MACD', bollinger: 'Bollinger', vwap: 'VWAP' };
export const STUDY_COLORS: Record<string, string> = {
  'rsi.rsi': '#b07cff',
  'macd.macd': '#3d8bfd',
  'macd.signal': '#f0b429',
  'macd.histogram': 'rgba(170,180,195,0.55)',
  'bollinger.upper': '#4fd1c5',
  'bollinger.middle': 'rgba(79,209,197,0.55)',
  'bollinger.lower': '#4fd1c5',
  'vwap.vwap': '#e879f9',
};

/** One line (or histogram) of a study, as the chart draws it. */
export interface StudyLine {
  id: string;
  name: string;
  color: string;
  /** -1: over the price; otherwise the pane's index. */
  pane: number;
  kind: 'line' | 'bar';
  /** Values aligned with the chart's candles; NaN where undefined. */
  values: Float64Array;
}

export interface StudyPane {
  label: string;
  levels: readonly number[];
  /** Fixed axis range (RSI: 0-100); null scales to the data. */
  range: readonly [number, number] | null;
}

const isStudyList = (v: unknown): v is ChartStudyName[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string' && (CHART_STUDY_NAMES as readonly string[]).includes(x));

/**
 * The studies chosen for a chart (`drawer`, `backtest`...), kept across reloads. Normalised to the
 * canonical order without repeats: `chart.studies` refuses more than four names, which repeats in a
 * hand-edited or older stored list reach, and such a list must not fail every load.
 */
export function loadStudies(chartKey: string): ChartStudyName[] {
  const stored = loadPref<ChartStudyName[]>(`chart.studies.${chartKey}`, [], isStudyList);
  return CHART_STUDY_NAMES.filter((n) => stored.includes(n));
}
export function saveStudies(chartKey: string, studies: readonly ChartStudyName[]): void {
  savePref(`chart.studies.${chartKey}`, studies);
}

/** Toggles `name`, keeping the canonical order so panes stack the same way every time. */
export function toggleStudy(chosen: readonly ChartStudyName[], name: ChartStudyName): ChartStudyName[] {
  const set = new Set(chosen);
  if (set.has(name)) set.delete(name);
  else set.add(name);
  return CHART_STUDY_NAMES.filter((n) => set.has(n));
}

/**
 * Lines and panes for the chart from a `chart.studies` reply: each series is aligned to `rowTimes`
 * (the chart's candle open times) by open time, so a reply over a slightly different range still
 * lines up; bars the reply lacks are NaN.
 */
export function studyLines(times: readonly number[], studies: readonly ChartStudyView[], rowTimes: ArrayLike<number>): { lines: StudyLine[]; panes: StudyPane[] } {
  const index = new Map<number, number>();
  times.forEach((t, i) => index.set(t, i));
  const rows = Array.from(rowTimes, (t) => index.get(t) ?? -1);
  const lines: StudyLine[] = [];
  const panes: StudyPane[] = [];
  for (const s of studies) {
    const pane = s.placement === 'pane' ? panes.length : -1;
    if (s.placement === 'pane') panes.push({ label: s.label, levels: s.levels, range: s.name === 'rsi' ? [0, 100] : null });
    for (const [key, series] of Object.entries(s.series)) {
      const values = Float64Array.from(rows, (i) => (i >= 0 ? (series[i] ?? Number.NaN) : Number.NaN));
      lines.push({
        id: `study-${s.name}-${key}`,
        name: Object.keys(s.series).length === 1 ? s.label : `${s.label} ${key}`,
        color: STUDY_COLORS[`${s.name}.${key}`] ?? '#aab4c3',
        pane,
        kind: key === 'histogram' ? 'bar' : 'line',
        values,
      });
    }
  }
  return { lines, panes };
}

/** Pane height and the gap above it, in pixels. */
export const PANE_PX = 72;
export const PANE_GAP_PX = 8;
/** Space under the lowest grid: the time axis labels and the zoom slider. */
const AXIS_PX = 40;
export const VOLUME_PX = 56;
/** Between the price grid and the volume grid. */
const VOLUME_GAP_PX = 4;

export interface GridLayout {
  /** Distance from the chart's bottom to the price grid's bottom. */
  priceBottom: number;
  volumeBottom: number;
  /** Bottom offset of each pane, top pane first. */
  paneBottoms: number[];
}

/** Grid geometry for `panes` panes: price on top, then volume, then the panes, then the time axis. */
export function gridLayout(panes: number): GridLayout {
  const paneBottoms = Array.from({ length: panes }, (_, k) => AXIS_PX + (panes - 1 - k) * (PANE_PX + PANE_GAP_PX));
  const volumeBottom = AXIS_PX + panes * (PANE_PX + PANE_GAP_PX);
  return { priceBottom: volumeBottom + VOLUME_PX + VOLUME_GAP_PX, volumeBottom, paneBottoms };
}
