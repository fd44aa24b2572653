import { describe, expect, it } from 'vitest';
import { extractExample, stripHashComments } from './refreshDocFixtures.js';
import { shapeDiff, unifiedDiff, unifiedShape } from './shapeDiff.js';

const paths = (diffs: { path: string }[]) => diffs.map((d) => d.path);

describe('shapeDiff', () => {
  it('finds missing keys, extra keys and JSON type changes', () => {
    const diffs = shapeDiff({ a: '1', b: '2', c: '3' }, { a: 1, c: '3', d: 'x' });
    expect(paths(diffs).sort(), 'a changed type, b is missing, d is extra').toEqual(['a', 'b', 'd']);
  });

  it('matches a docs null with a string or null, and nothing else', () => {
    expect(shapeDiff({ id: null }, { id: 'abc' }), 'an unset string in the docs').toEqual([]);
    expect(shapeDiff({ id: null }, { id: null })).toEqual([]);
    expect(paths(shapeDiff({ id: null }, { id: 3 })), 'a number is not an unset string').toEqual(['id']);
  });

  it('compares tuples by position and length (candle rows, book levels)', () => {
    expect(paths(shapeDiff([['1', '2']], [['1', 2]], 'data')), 'second element turned into a number').toEqual(['data[][1]']);
    expect(paths(shapeDiff([['1', '2']], [['1', '2', '3']], 'data')), 'a longer row').toEqual(['data[]']);
  });

  it('checks every item of a list, and treats keys only some docs items have as optional', () => {
    const doc = [
      { id: '1', margin: '5' },
      { id: '2', initialMargin: '6' },
    ];
    expect(shapeDiff(doc, [{ id: '3', initialMargin: '1' }, { id: '4' }], 'data'), 'margin keys vary by item in the docs').toEqual([]);
    expect(paths(shapeDiff(doc, [{ id: '3' }, { ident: '4' }], 'data')), 'the second item lost id and gained ident').toEqual(['data[].id', 'data[].ident']);
  });

  it('walks nested objects', () => {
    expect(paths(shapeDiff({ details: [{ currency: 'USDT', equity: '1' }] }, { details: [{ currency: 'USDT' }] }))).toEqual(['details[].equity']);
  });
});

describe('unified shapes', () => {
  it('compares defined fields and their types, leaving out info', () => {
    const doc = unifiedShape({ info: { raw: 1 }, price: 1, fee: { cost: 0.1, currency: 'USDT' }, id: undefined });
    const sim = unifiedShape({ info: {}, price: 2, fee: { cost: undefined, currency: 'USDT' }, id: 'x' });
    expect(paths(unifiedDiff(doc, sim)).sort(), 'fee.cost lost, id gained').toEqual(['fee.cost', 'id']);
  });
});

describe('docs example extraction', () => {
  it("drops the docs' # annotations outside strings only", () => {
    expect(stripHashComments('"contractValue": "0.001",  # Each contract = 0.001 BTC')).toBe('"contractValue": "0.001",');
    expect(stripHashComments('"tag": "a#b",')).toBe('"tag": "a#b",');
  });

  it('reads the JSON example under the labelled block of a section', () => {
    const markdown = [
      '### GET Thing',
      '> Request Example:',
      '```json',
      '{"ignored": true}',
      '```',
      '> Response Example:',
      '```json',
      '{ "code": "0", "data": [{ "size": "1" }] }  # annotated',
      '```',
      '### Next',
    ].join('\n');
    expect(extractExample(markdown, { fixture: 'x', section: 'GET Thing', label: 'Response Example' })).toEqual({ code: '0', data: [{ size: '1' }] });
    expect(() => extractExample(markdown, { fixture: 'x', section: 'GET Other', label: 'Response Example' })).toThrow(/GET Other/);
    expect(() => extractExample(markdown, { fixture: 'x', section: 'GET Thing', label: 'Push Data Example' })).toThrow(/Push Data Example/);
  });
});
