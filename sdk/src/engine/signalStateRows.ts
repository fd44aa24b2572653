import { TIMEFRAMES, timeframeMs } from '@perpscope/shared';
import { z } from 'zod';
import { SignalEngineSnapshotSchema, type PendingLabel, type Signal } from '../signals/index.js';
import type { PendingLabelRow, SignalPayloadRow } from '../store/index.js';
import type { SkippedStateRow } from './signalState.js';

const finite = z.number().finite();
const positive = z.number().finite().positive();
const side = z.enum(['long', 'short']);

/** The bandit row: the engine's own snapshot shape. */
export const StoredBanditSchema = SignalEngineSnapshotSchema.shape.bandit;

/** The engine row: what a cycle leaves besides bandit, labels and selection. */
export const StoredEngineMemorySchema = z.object({
  lastCloseTimeMs: finite.nullable(),
  regime: SignalEngineSnapshotSchema.shape.regime,
});

/** A pending label's payload: what the labeler needs besides the signal row's series and side. */
export const StoredLabelPayloadSchema = z.object({
  signalId: z.string().min(1),
  components: z.array(z.string()),
  openTimeMs: finite,
  entryPrice: positive,
  takeProfit: positive,
  stop: positive,
  horizonBars: z.number().int().min(1),
  // Labels stored before the stated probability was carried have neither.
  probability: z.number().finite().min(0).max(1).optional(),
  calibrationId: z.string().min(1).nullable().optional(),
});

const LabelSeriesSchema = z.object({ symbol: z.string().min(1), timeframe: z.enum(TIMEFRAMES), side });

const ComponentSchema = z.looseObject({ id: z.string().min(1), side, score: finite, weight: finite, level: finite.nullable() });

/**
 * A selected signal's payload. Loose: fields added to `Signal` later are kept, while the ones the
 * screens and the trading bridge read must be there and finite.
 */
export const StoredSignalSchema = z.looseObject({
  id: z.string().min(1),
  symbol: z.string().min(1),
  timeframe: z.string().min(1),
  openTimeMs: finite,
  closeTimeMs: finite,
  side,
  score: finite,
  // Signals stored before calibration existed carry no flag: their probability was the heuristic.
  calibrated: z.boolean().default(false),
  probability: finite,
  expectedValue: finite,
  regime: z.string().nullable(),
  riskMultiplier: finite,
  components: z.array(ComponentSchema),
  // Signals stored before edge evidence existed carry none.
  evidence: z.array(z.looseObject({ strategy: z.string().min(1), signals: z.number().int().nonnegative(), hitRate: finite, meanNetPct: finite, correctedLowerBoundPct: finite, tradable: z.boolean(), evidenceId: z.string() })).default([]),
  tags: z.array(z.string()),
  levels: z.looseObject({ entry: positive, stop: positive, takeProfit: positive, byComponent: z.record(z.string(), finite) }),
  entryPlan: z.record(z.string(), z.unknown()).nullable(),
});

export type RowResult<T> = { ok: true; value: T } | { ok: false; skipped: SkippedStateRow };

/** Parses a JSON column; a parse failure names the table, row and column. */
export function parseJsonColumn(text: string, table: string, rowId: number | string, column: string): RowResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, skipped: { table, rowId, field: column, reason: `not valid JSON (${err instanceof Error ? err.message : String(err)})` } };
  }
}

/** Validates a value read from `table`; the first issue names the field as `<column>.<path>`. */
export function validateRow<S extends z.ZodType>(schema: S, value: unknown, table: string, rowId: number | string, column: string): RowResult<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = [column, ...issue.path.map(String)].filter(Boolean).join('.');
  return { ok: false, skipped: { table, rowId, field, reason: issue.message } };
}

/** Parses and validates a JSON column in one step. */
export function readJsonColumn<S extends z.ZodType>(schema: S, text: string, table: string, rowId: number | string, column: string): RowResult<z.output<S>> {
  const json = parseJsonColumn(text, table, rowId, column);
  return json.ok ? validateRow(schema, json.value, table, rowId, column) : json;
}

/**
 * A stored pending label as the labeler holds it. The bars it has seen are counted from the last
 * saved cycle time (`resumeAtMs`) rather than stored per bar, which would rewrite every pending
 * label on every bar close; with no gap in the series the two counts are equal.
 */
export function pendingLabelFromRow(row: PendingLabelRow, resumeAtMs: number | null): RowResult<PendingLabel> {
  const series = validateRow(LabelSeriesSchema, { symbol: row.symbol, timeframe: row.timeframe, side: row.side }, 'labels', row.id, 'signal');
  if (!series.ok) return series;
  const payload = readJsonColumn(StoredLabelPayloadSchema, row.payloadJson, 'labels', row.id, 'payload_json');
  if (!payload.ok) return payload;
  const p = payload.value;
  const tfMs = timeframeMs(series.value.timeframe);
  const seen = resumeAtMs === null ? 0 : Math.floor((resumeAtMs - p.openTimeMs) / tfMs) - 1;
  return {
    ok: true,
    value: {
      signalId: p.signalId,
      symbol: series.value.symbol,
      timeframe: series.value.timeframe,
      side: series.value.side,
      components: p.components,
      openTimeMs: p.openTimeMs,
      entryPrice: p.entryPrice,
      takeProfit: p.takeProfit,
      stop: p.stop,
      horizonBars: p.horizonBars,
      // A label past its horizon is kept for one more bar, which labels it a timeout at that close.
      barsSeen: Math.min(p.horizonBars - 1, Math.max(0, seen)),
      ...(p.probability !== undefined ? { probability: p.probability } : {}),
      ...(p.calibrationId !== undefined ? { calibrationId: p.calibrationId } : {}),
    },
  };
}

/** A stored selected signal, validated. */
export function signalFromRow(row: SignalPayloadRow): RowResult<Signal> {
  const parsed = readJsonColumn(StoredSignalSchema, row.payloadJson, 'signals', row.id, 'payload_json');
  if (!parsed.ok) return parsed;
  const { selected: _selected, ...signal } = parsed.value as Record<string, unknown>;
  return { ok: true, value: signal as unknown as Signal };
}
