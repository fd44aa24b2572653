import { describe, expect, it } from 'vitest';
import { parseRankingQuery, RankingQuerySchema } from '../../src/ranking/query.js';

describe('parseRankingQuery', () => {
  it('gives what the schema parse gives, a fresh object every time, for a query seen before too', () => {
    const input = { profile: 'swing', top: 1000 };
    const first = parseRankingQuery(input);
    expect(first).toEqual(RankingQuerySchema.parse(input));
    first.excludeFlags.push('scam_wick');
    first.top = 1;
    const again = parseRankingQuery({ profile: 'swing', top: 1000 });
    expect(again, 'a caller changing its result leaves the next one alone').toEqual(RankingQuerySchema.parse(input));
    expect(again).not.toBe(first);
    expect(Object.keys(again), 'the same keys in the same order as a parse').toEqual(Object.keys(RankingQuerySchema.parse(input)));
  });

  it('still refuses a bad query seen after a good one, naming the field', () => {
    parseRankingQuery({ top: 5 });
    expect(() => parseRankingQuery({ top: 0 })).toThrow(/top/);
    expect(() => parseRankingQuery({ top: Number.NaN })).toThrow(/top/);
    expect(() => parseRankingQuery({ top: 5, bogus: 1 })).toThrow(/bogus/);
    expect(parseRankingQuery({ top: 5, excludeFlags: ['scam_wick'] }).excludeFlags).toEqual(['scam_wick']);
  });
});
