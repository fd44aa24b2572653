import { describe, expect, it } from 'vitest';
import { ErrorCode, findUnsafeShape, jsonNestingDepth, parseRequestFrame, RPC_FRAME_LIMITS, utf8Length } from '@perpscope/shared';

describe('parseRequestFrame', () => {
  it('accepts a normal frame', () => {
    expect(parseRequestFrame('{"id":7,"method":"health.get","params":{}}')).toEqual({ ok: true, request: { id: 7, method: 'health.get', params: {} } });
  });

  it('counts depth outside strings only, escapes included', () => {
    expect(jsonNestingDepth('{"a":"[[[[{{{{\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('[[{"a":[1]}]]')).toBe(4);
    expect(jsonNestingDepth('"\\\\"[[')).toBe(2);
    expect(jsonNestingDepth('['.repeat(1000), 16), 'stops counting past the limit').toBe(17);
  });

  it('refuses depth before parsing and names the limit', () => {
    const deep = `{"id":1,"method":"health.get","params":${'['.repeat(RPC_FRAME_LIMITS.maxDepth)}${']'.repeat(RPC_FRAME_LIMITS.maxDepth)}}`;
    const res = parseRequestFrame(deep);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe(ErrorCode.InvalidInput);
      expect(res.error.message).toContain('(maxDepth)');
      expect(res.error.details).toMatchObject({ limit: 'maxDepth', maxDepth: RPC_FRAME_LIMITS.maxDepth });
    }
  });

  it('measures size in UTF-8 bytes', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    expect(utf8Length('\ud800x'), 'a lone surrogate encodes as 3 bytes').toBe(4);
    const text = JSON.stringify({ id: 1, method: 'health.get', params: { s: '€'.repeat(100) } });
    const res = parseRequestFrame(text, { maxBytes: 250, maxDepth: 16 });
    expect(res.ok ? 'ok' : res.error.message).toContain(`${utf8Length(text)} bytes exceeds the limit of 250 bytes (maxBytes)`);
  });

  it('refuses reserved keys anywhere and keeps a valid id for the reply', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const res = parseRequestFrame(`{"id":"r1","method":"settings.set","params":{"values":{"${key}":{"mode":"live"}}}}`);
      expect(res.ok, key).toBe(false);
      if (!res.ok) {
        expect(res.id, key).toBe('r1');
        expect(res.error.message, key).toContain(`params.values.${key} uses a reserved key`);
      }
    }
  });

  it('echoes only ids the contract allows', () => {
    for (const [frame, id] of [
      ['{"id":1.5,"method":"x"}', null],
      [`{"id":"${'x'.repeat(65)}","method":"x"}`, null],
      ['{"id":{"a":1},"method":"x"}', null],
      ['{"id":3}', 3],
    ] as const) {
      const res = parseRequestFrame(frame);
      expect(res.ok, frame).toBe(false);
      if (!res.ok) expect(res.id, frame).toBe(id);
    }
  });

  it('findUnsafeShape walks iteratively, so cycles and huge depth end', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findUnsafeShape(cyclic, 8)).toMatchObject({ problem: 'too_deep' });
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(findUnsafeShape(deep, 8)).toMatchObject({ problem: 'too_deep' });
    expect(findUnsafeShape({ a: [{ b: 1 }], c: 'constructor' }), 'a value named like a reserved key is fine').toBeNull();
  });
});
