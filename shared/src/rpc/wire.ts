import { z } from 'zod';
import { RpcErrorSchema } from './result.js';

/**
 * WebSocket wire format, one JSON object per text frame:
 * - client -> host: `{ id, method, params }`
 * - host -> client: `{ id, result }` (result is a `Result`), matched to the request by `id`
 * - host -> client: `{ event, data }`
 * - host -> client: `{ heartbeat }` (the host's wall time, ms) every `HEARTBEAT_INTERVAL_MS`, so a
 *   client can tell a silent host from a quiet market
 * A frame the host cannot parse is answered with `{ id: null, result: { ok: false, ... } }`.
 */
export const RequestIdSchema = z.union([z.number().int(), z.string().max(64)]);
export type RequestId = z.infer<typeof RequestIdSchema>;

export const WireRequestSchema = z.object({
  id: RequestIdSchema,
  method: z.string().max(64),
  params: z.unknown().optional(),
});
export type WireRequest = z.infer<typeof WireRequestSchema>;

export const WireResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: RpcErrorSchema }),
]);

export const WireResponseSchema = z.object({ id: RequestIdSchema.nullable(), result: WireResultSchema });
export type WireResponse = z.infer<typeof WireResponseSchema>;

export const WireEventSchema = z.object({ event: z.string(), data: z.unknown() });
export type WireEvent = z.infer<typeof WireEventSchema>;

export const WireHeartbeatSchema = z.object({ heartbeat: z.number() });
export type WireHeartbeat = z.infer<typeof WireHeartbeatSchema>;

/** Frames the host sends. */
export const WireServerMessageSchema = z.union([WireResponseSchema, WireEventSchema, WireHeartbeatSchema]);
export type WireServerMessage = z.infer<typeof WireServerMessageSchema>;

/** How often the host sends a heartbeat frame on every open socket. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * Silence after which a client shows its link as stale: more than two missed heartbeats, so the
 * UI turns within 3 s of the host going quiet.
 */
export const STALE_AFTER_MS = 2_500;
/** Silence after which a client gives the socket up and reconnects. */
export const DEAD_AFTER_MS = 10_000;

/** Path of the RPC WebSocket in server mode. */
export const RPC_WS_PATH = '/rpc';
