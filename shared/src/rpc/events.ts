import type { z } from 'zod';
import { BacktestProgressViewSchema } from './backtestDto.js';
import { AlertViewSchema, FillViewSchema, HealthViewSchema, OrderViewSchema, PositionViewSchema, RankingSnapshotViewSchema, SignalViewSchema, WarmUpViewSchema } from './dto.js';

/**
 * Events pushed by the host. `ranking` carries a full snapshot (all rows, unfiltered) each cycle;
 * `order`, `fill` and `position` carry the latest state of one item; a position with
 * `status: 'closed'` is the last event for it. `backtest.progress` follows the host's backtest run.
 * `warmup.progress` follows the engine's warm start, batch by batch, until one with `done: true`.
 */
export const RPC_EVENTS = {
  ranking: RankingSnapshotViewSchema,
  signal: SignalViewSchema,
  order: OrderViewSchema,
  fill: FillViewSchema,
  position: PositionViewSchema,
  health: HealthViewSchema,
  alert: AlertViewSchema,
  'backtest.progress': BacktestProgressViewSchema,
  'warmup.progress': WarmUpViewSchema,
} as const;

export type RpcEvents = typeof RPC_EVENTS;
export type EventName = keyof RpcEvents;
export type EventData<E extends EventName> = z.output<RpcEvents[E]>;

export const EVENT_NAMES = Object.keys(RPC_EVENTS) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(RPC_EVENTS, name);
}
