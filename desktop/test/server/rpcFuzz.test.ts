import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, METHOD_NAMES, RPC_FRAME_LIMITS, RPC_METHODS, findUnsafeShape, type MethodName } from '@perpscope/shared';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { arbitraryFor, paramsAreValid, paramsJsonSchema } from './contractArbitraries.js';
import { recordingHost } from './recordingHost.js';
import { openRpcSocket, type Reply, type RpcSocket } from './wsClient.js';

/**
 * Standing RPC fuzz: frames generated from the zod contract (every method, valid params and
 * mutations of them, plus broken envelopes), sent over real sockets to the real server. Fixed seed
 * and count, so a failure reproduces; pipelined below the in-flight cap, so it is bounded by CPU
 * work, not by round trips.
 */
const SEED = 19_2026;
const FRAMES = 20_000;
const SOCKETS = 4;
/** Requests in flight per socket; below MAX_IN_FLIGHT so no frame is refused for rate. */
const WINDOW = 48;

const TOKEN = 'fuzz-token-0123456789';
const MUTATIONS = ['valid', 'valid', 'valid', 'dropRequired', 'unknownKey', 'wrongType', 'forbiddenKey', 'deepNest', 'paramsNotObject', 'badMethod', 'envelope'] as const;
type Mutation = (typeof MUTATIONS)[number];

interface Frame {
  text: string;
  /** Reply id to expect: a number/string when the envelope carries one, null when it cannot. */
  id: number | string | null;
  method: string;
  mutation: Mutation;
  /** The oracle: the contract accepts these params for this method. */
  valid: boolean;
}

/** An own enumerable key whatever its name (`{ __proto__: x }` in a literal would set the prototype). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const junk = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, 'NaN', 'Infinity', '', ' ', '\u0000', 'x'.repeat(5000)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

const nested = (depth: number, leaf: unknown, asArray: boolean): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
};

/** Applies one mutation to valid params; returns the new params and, for frame-level ones, the raw envelope. */
function mutate(method: MethodName, params: Record<string, unknown>, m: Mutation, pick: number, value: unknown, id: number): { method: unknown; params: unknown; raw?: string; id: number | string | null } {
  const keys = Object.keys(params);
  const required = (paramsJsonSchema(method).required ?? []) as string[];
  const some = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[pick % xs.length]);
  const p: Record<string, unknown> = { ...params };
  switch (m) {
    case 'valid':
      return { method, params, id };
    case 'dropRequired': {
      const k = some(required);
      if (k !== undefined) delete p[k];
      else p[`extra${pick % 7}`] = value;
      return { method, params: p, id };
    }
    case 'unknownKey':
      p[`unknown_${pick % 97}`] = value;
      return { method, params: p, id };
    case 'wrongType': {
      const k = some(keys) ?? some(required) ?? 'x';
      p[k] = value;
      return { method, params: p, id };
    }
    case 'forbiddenKey': {
      const key = some(['__proto__', 'constructor', 'prototype'])!;
      const payload = pick % 2 === 0 ? { mode: 'live', isAdmin: true } : value;
      const inner = Object.values(p).find((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
      if (inner && pick % 3 === 0) withKey(inner, key, payload);
      else withKey(p, key, payload);
      return { method, params: p, id };
    }
    case 'deepNest': {
      const depth = RPC_FRAME_LIMITS.maxDepth + (pick % 300);
      p[some(keys) ?? 'x'] = nested(depth, value, pick % 2 === 0);
      return { method, params: p, id };
    }
    case 'paramsNotObject':
      return { method, params: some([[], [params], 'params', 42, true, value]), id };
    case 'badMethod':
      return { method: some([`${method}x`, method.toUpperCase(), '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 42, null, ['health.get'], 'a'.repeat(65)]), params, id };
    case 'envelope': {
      const frame = JSON.stringify({ id, method, params });
      const raw = some([
        frame.slice(0, Math.max(1, pick % frame.length)), // truncated
        JSON.stringify({ method, params }), // no id
        JSON.stringify({ id: id + 0.5, method, params }), // float id
        JSON.stringify({ id: { id }, method, params }),
        JSON.stringify({ id: `e${id}`.padEnd(65, 'x'), method, params }), // id too long
        JSON.stringify({ id: `e${id}`, params }), // no method
        JSON.stringify([id, method, params]),
        JSON.stringify(value),
        `${frame}garbage`,
        '\uFEFF' + frame,
      ])!;
      return { method, params, raw, id: null };
    }
  }
}

function buildFrames(): Frame[] {
  const perMethod = Object.fromEntries(
    // Mutations start from params the contract accepts (JSON Schema cannot carry the refinements).
    METHOD_NAMES.map((m) => [m, fc.record({ params: (arbitraryFor(paramsJsonSchema(m)) as fc.Arbitrary<Record<string, unknown>>).filter((p) => paramsAreValid(m, p)), mutation: fc.constantFrom(...MUTATIONS), pick: fc.nat(), value: junk })]),
  ) as Record<MethodName, fc.Arbitrary<{ params: Record<string, unknown>; mutation: Mutation; pick: number; value: unknown }>>;
  const arb = fc.constantFrom(...METHOD_NAMES).chain((method) => perMethod[method].map((spec) => ({ method, ...spec })));
  return fc.sample(arb, { seed: SEED, numRuns: FRAMES }).map((spec, i) => {
    const id = i + 1;
    const out = mutate(spec.method, spec.params, spec.mutation, spec.pick, spec.value, id);
    const text = out.raw ?? JSON.stringify({ id, method: out.method, params: out.params });
    // Judged on what the server receives: JSON turns NaN and Infinity into null, and drops undefined.
    const sent = out.raw === undefined ? (JSON.parse(text) as { method: unknown; params?: unknown }) : null;
    const valid = sent !== null && typeof sent.method === 'string' && paramsAreValid(sent.method, sent.params);
    return { text, id: out.id, method: typeof out.method === 'string' ? out.method : String(out.method), mutation: spec.mutation, valid };
  });
}

const fixture = recordingHost();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, token: TOKEN, hostService: fixture.host, rendererDir: '/nonexistent' });
});
afterAll(async () => {
  await server.close();
});

/** Sends a lane of frames on one socket, WINDOW at a time, and collects every reply. */
async function runLane(rpc: RpcSocket, frames: readonly Frame[]): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < frames.length; i += WINDOW) {
    const batch = frames.slice(i, i + WINDOW);
    rpc.send(batch.map((f) => f.text));
    out.push(...(await rpc.replies(batch.length)));
  }
  return out;
}

describe('RPC fuzz from the zod contract', () => {
  it(`${FRAMES} frames, fixed seed: no crash, no INTERNAL, invalid frames refused, no order from an invalid frame`, async () => {
    const frames = buildFrames();
    const byId = new Map<number | string, Frame>();
    frames.forEach((f, i) => {
      byId.set(i + 1, f);
      byId.set(`e${i + 1}`, f); // an envelope that lost its method keeps this string id
    });

    // The sample covers every method both ways and every mutation.
    for (const m of METHOD_NAMES) {
      expect(frames.some((f) => f.method === m && f.valid), `${m}: a valid frame`).toBe(true);
      expect(frames.some((f) => f.method === m && !f.valid), `${m}: an invalid frame`).toBe(true);
    }
    for (const m of MUTATIONS) expect(frames.some((f) => f.mutation === m), m).toBe(true);
    const validOrders = frames.filter((f) => f.valid && f.method === 'orders.place').length;
    expect(validOrders, 'some orders are valid').toBeGreaterThan(100);

    const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => openRpcSocket(server.url, { authorization: `Bearer ${TOKEN}` })));
    const lanes = sockets.map((_, k) => frames.filter((_f, i) => i % SOCKETS === k));
    const replies = (await Promise.all(sockets.map((s, k) => runLane(s, lanes[k]!)))).flat();

    expect(replies.length, 'one reply per frame').toBe(frames.length);
    const internal = replies.filter((r) => !r.result.ok && r.result.error.code === ErrorCode.Internal);
    expect(internal, 'no INTERNAL errors').toEqual([]);
    const wrong: string[] = [];
    for (const r of replies) {
      const frame = r.id === null ? undefined : byId.get(r.id);
      const code = r.result.ok ? 'ok' : r.result.error.code;
      if (r.id !== null && frame === undefined) wrong.push(`reply for unknown id ${JSON.stringify(r.id)}`);
      if ((frame === undefined || !frame.valid) && code !== ErrorCode.InvalidInput) {
        wrong.push(`${frame?.mutation ?? 'envelope'} ${frame?.method ?? ''}: ${code} for ${(frame?.text ?? '').slice(0, 200)}`);
      }
      if (frame?.valid && code === ErrorCode.RateLimited) wrong.push(`valid frame ${frame.id} rate limited`);
    }
    expect(wrong.slice(0, 10), `${wrong.length} frames answered wrongly`).toEqual([]);
    // Every frame the oracle calls valid, and nothing else, reached the trading port.
    expect(fixture.orders.placed.length, 'orders placed = valid orders.place frames').toBe(validOrders);
    for (const placed of fixture.orders.placed) {
      expect(RPC_METHODS['orders.place'].input.safeParse(placed).success && findUnsafeShape(placed) === null, JSON.stringify(placed)).toBe(true);
    }
    for (const saved of fixture.settingsWrites) expect(findUnsafeShape(saved), 'saved settings carry no reserved key').toBeNull();

    for (const s of sockets) expect((await s.call({ id: 'after', method: 'health.get', params: {} })).result.ok, 'still serving').toBe(true);
    for (const s of sockets) s.ws.close();
  });
});
