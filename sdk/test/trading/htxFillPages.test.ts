import { describe, expect, it } from 'vitest';
import { FILLS_PAGE_LIMIT, walkFillPages } from '../../src/trading/htxGateway.js';

type Row = Record<string, unknown>;
const T = 1_760_000_000_000;

/** HTX's `order/details` in small: rows at or before `end_time`, newest first, `limit` a page; counts the requests. */
function venue(rows: Row[], opts: { ignoreEnd?: boolean } = {}) {
  const sorted = [...rows].sort((a, b) => Number(b.created_time) - Number(a.created_time));
  const requests: (number | undefined)[] = [];
  const fetchPage = (endMs: number | undefined): Promise<Row[]> => {
    requests.push(endMs);
    const upTo = sorted.filter((r) => opts.ignoreEnd || endMs === undefined || Number(r.created_time) <= endMs);
    return Promise.resolve(upTo.slice(0, FILLS_PAGE_LIMIT));
  };
  return { fetchPage, requests };
}

const fills = (count: number, timeOf: (i: number) => number, from = 0): Row[] => Array.from({ length: count }, (_, i) => ({ id: `f${from + i}`, created_time: timeOf(from + i) }));

describe('walkFillPages (HTX fills, page by page on end_time)', () => {
  it('walks past a full page whose fills all share one created_time, stepping the end back 1 ms', async () => {
    // A full page at one millisecond, then 200 older fills: asking again at the same end would give the same page.
    const rows = [...fills(FILLS_PAGE_LIMIT, () => T), ...fills(200, (i) => T - 1_000 - i, FILLS_PAGE_LIMIT)];
    const v = venue(rows);
    const got = await walkFillPages(v.fetchPage);
    expect(got.map((r) => r.id).sort(), 'every fill, once').toEqual(rows.map((r) => r.id).sort());
    expect(v.requests, 'the repeat at the same end adds nothing, so the next request ends 1 ms earlier').toEqual([undefined, T, T - 1]);
  });

  it('pages by the oldest time of each page, overlapping rows counted once', async () => {
    const rows = fills(1_234, (i) => T - Math.floor(i / 3) * 1_000);
    const v = venue(rows);
    const got = await walkFillPages(v.fetchPage);
    expect(got).toHaveLength(1_234);
    expect(new Set(got.map((r) => r.id)).size).toBe(1_234);
    expect(v.requests).toHaveLength(3);
  });

  it('stops when a venue ignores end_time (a second full page in a row with nothing new)', async () => {
    const rows = fills(FILLS_PAGE_LIMIT + 10, (i) => T - i);
    const v = venue(rows, { ignoreEnd: true });
    const got = await walkFillPages(v.fetchPage);
    expect(got).toHaveLength(FILLS_PAGE_LIMIT);
    expect(v.requests.length, 'bounded: no walk to the page limit').toBeLessThanOrEqual(3);
  });
});
