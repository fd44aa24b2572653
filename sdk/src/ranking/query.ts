import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';
import { FLAG_NAMES } from '../manipulation/index.js';

/**
 * A rankings query, as it arrives over RPC or from the CLI. Filters drop rows; they never change
 * another row's score (edges are computed over the whole universe first).
 */
export const RankingQuerySchema = z
  .object({
    /** Rows to return. */
    top: z.number().int().min(1).max(1000).default(20),
    profile: z.string().min(1).default('scalp'),
    /** Minimum 24h quote volume in USD. */
    minQuoteVolume: z.number().finite().nonnegative().default(0),
    /** Maximum spread; symbols without a book fail this filter because their spread is unknown. */
    maxSpreadBps: z.number().finite().nonnegative().optional(),
    /** Test size for slippage, USD. */
    notionalUsd: z.number().finite().positive().default(5000),
    /** Add the profile's carry weight x carryEdge to the score. */
    includeCarry: z.boolean().default(false),
    maxManipScore: z.number().finite().min(0).max(100).optional(),
    excludeFlags: z.array(z.enum(FLAG_NAMES)).default([]),
  })
  .strict();
export type RankingQuery = z.infer<typeof RankingQuerySchema>;
export type RankingQueryInput = z.input<typeof RankingQuerySchema>;

/**
 * Queries already validated, by their JSON: the engine ranks with the same query at every bar, and
 * its schema parse cost more than the rest of a small universe's ranking. Only flat queries of
 * strings, finite numbers and booleans are kept (their JSON names them exactly); bounded.
 */
const parsedQueries = new Map<string, RankingQuery>();
const PARSED_QUERIES_MAX = 64;

function flatQueryKey(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || Object.getPrototypeOf(input) !== Object.prototype) return undefined;
  for (const v of Object.values(input)) {
    if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) return undefined;
  }
  return JSON.stringify(input);
}

/** Validates a query and fills defaults; throws InvalidInputError naming each bad field. */
export function parseRankingQuery(input: unknown = {}): RankingQuery {
  const key = flatQueryKey(input ?? {});
  const known = key === undefined ? undefined : parsedQueries.get(key);
  // A fresh object each time, as a parse gives: a caller may keep or change what it gets.
  if (known) return { ...known, excludeFlags: [...known.excludeFlags] };
  const parsed = RankingQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw new InvalidInputError('rankings query', zodIssuesToFieldIssues(parsed.error, input));
  if (key !== undefined) {
    if (parsedQueries.size >= PARSED_QUERIES_MAX) parsedQueries.clear();
    parsedQueries.set(key, { ...parsed.data, excludeFlags: [...parsed.data.excludeFlags] });
  }
  return parsed.data;
}
