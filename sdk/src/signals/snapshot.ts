import { z } from 'zod';
import { parseOrThrow } from '../core/zodIssues.js';
import { REGIME_KINDS } from './types.js';

const finite = z.number().finite();
const fraction = z.number().finite().min(0).max(1);
const side = z.enum(['long', 'short']);

const RegimeStateSchema = z.strictObject({
  kind: z.enum(REGIME_KINDS),
  score: finite,
  riskMultiplier: finite,
  tpslMultiplier: finite,
  asOfOpenTimeMs: finite,
  adx: finite,
  atrPct: finite,
  emaSlope: finite,
});

const PendingLabelSchema = z.strictObject({
  signalId: z.string().min(1),
  symbol: z.string().min(1),
  timeframe: z.string().min(1),
  side,
  components: z.array(z.string()),
  openTimeMs: finite,
  entryPrice: z.number().finite().positive(),
  takeProfit: z.number().finite().positive(),
  stop: z.number().finite().positive(),
  horizonBars: z.number().int().min(1),
  barsSeen: z.number().int().min(0),
  // Absent in snapshots written before labels carried the stated probability.
  probability: fraction.optional(),
  calibrationId: z.string().min(1).nullable().optional(),
});

/**
 * Everything the signal engine learns or remembers, as plain JSON: bandit weights, pending labels,
 * cooldown and dedupe memory, the last regime and the last cycle time. Save it with
 * `JSON.stringify(engine.snapshot())`; pass the parsed JSON back through `parseSignalEngineSnapshot`.
 */
export const SignalEngineSnapshotSchema = z.strictObject({
  version: z.literal(1),
  lastCloseTimeMs: z.number().nullable(),
  regime: RegimeStateSchema.nullable(),
  bandit: z.strictObject({ logWeights: z.record(z.string(), finite), updates: z.number().int().min(0) }),
  pending: z.array(PendingLabelSchema),
  lifecycle: z.strictObject({
    lastEmitMs: z.array(z.tuple([z.string(), finite])),
    recentIds: z.array(z.tuple([z.string(), finite])),
  }),
});
export type SignalEngineSnapshot = z.output<typeof SignalEngineSnapshotSchema>;

/** Validates a parsed snapshot file; throws `InvalidInputError` naming each bad field. */
export function parseSignalEngineSnapshot(raw: unknown): SignalEngineSnapshot {
  return parseOrThrow(SignalEngineSnapshotSchema, 'signal engine snapshot', raw);
}
