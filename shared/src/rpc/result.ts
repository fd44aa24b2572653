import { z } from 'zod';
import { ErrorCode } from '../errorCodes.js';

const errorCodeValues = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

/** The error half of every RPC reply. `details` holds structured facts, never secrets. */
export const RpcErrorSchema = z.object({
  code: z.enum(errorCodeValues),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type RpcError = z.infer<typeof RpcErrorSchema>;

/**
 * Every command replies with a Result instead of throwing: an error thrown across the Electron
 * bridge or a socket keeps only its message, and the UI needs the code to react.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: RpcError };

/** Builds the schema of `Result<T>` for a value schema, for peers that validate replies. */
export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: RpcErrorSchema }),
  ]);
}

/** A successful reply. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A failed reply. */
export function err(code: ErrorCode, message: string, details?: Record<string, unknown>): Result<never> {
  return details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
}
