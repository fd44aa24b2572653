import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { ErrorCode } from '@perpscope/shared';
import type { Host, HostEvent } from '../../src/host/index.js';
import { startServer } from '../../src/server/index.js';
import { formatSseEvent, parseEventTypes, registerSse } from '../../src/server/sse.js';
import { until } from '../../../test/support/sim.js';
import { liquidRow, placePaperBuy, startApiFixture, TOKEN, type ApiFixture } from './apiHarness.js';

/** One frame of a text/event-stream: an event with data, or a comment. */
type Frame = { kind: 'event'; event: string; data: unknown } | { kind: 'comment'; text: string };

/**
 * Reads an event stream over real HTTP and parses its frames as they arrive. `next(match)` resolves
 * with the first unread frame that matches, waiting for more data as needed; `ended` resolves when
 * the server ends the stream.
 */
async function openStream(url: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: Frame[] = [];
  const waiter: { wake: (() => void) | null } = { wake: null };
  let done = false;
  const ended = (async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          for (const l of lines) if (l.startsWith(':')) frames.push({ kind: 'comment', text: l.slice(1).trim() });
          if (event !== undefined && data !== undefined) frames.push({ kind: 'event', event, data: JSON.parse(data) });
          waiter.wake?.();
        }
      }
    } catch {
      // Aborted by the test: the stream is over either way.
    } finally {
      done = true;
      waiter.wake?.();
    }
  })();
  let read = 0;
  async function next(match: (f: Frame) => boolean, what: string): Promise<Frame> {
    let timedOut = false;
    // Bounds a hang only: the loop below is woken by each parsed frame and by the stream's end.
    const bound = setTimeout(() => {
      timedOut = true;
      waiter.wake?.();
    }, 60_000);
    try {
      for (;;) {
        while (read < frames.length) {
          const f = frames[read++]!;
          if (match(f)) return f;
        }
        if (done) throw new Error(`stream ended before ${what}`);
        if (timedOut) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((resolve) => (waiter.wake = resolve));
        waiter.wake = null;
      }
    } finally {
      clearTimeout(bound);
    }
  }
  return { res, frames, next, ended, abort: () => abort.abort() };
}

let fx: ApiFixture;
beforeAll(async () => {
  fx = await startApiFixture();
}, 120_000);
afterAll(() => fx?.stop());

describe('SSE /api/events over a running sim host', () => {
  it('requires the token', async () => {
    const res = await fetch(`${fx.server.url}/api/events`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`${fx.server.url}/api/events`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('refuses unknown event types, naming them and the valid ones', async () => {
    const res = await fx.get('/api/events?types=ranking,bogus');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(ErrorCode.InvalidInput);
    expect(body.error.message).toContain('"bogus"');
    expect(body.error.message).toContain('ranking, signal, order, fill');
  });

  it('streams ranking events as event/data frames, with the stream headers', async () => {
    const stream = await openStream(`${fx.server.url}/api/events?types=ranking`);
    try {
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.res.headers.get('cache-control')).toBe('no-store');
      expect(stream.res.headers.get('content-security-policy'), 'the security headers survive the hijack').toBeTruthy();
      const frame = await stream.next((f) => f.kind === 'event', 'a ranking event');
      expect(frame.kind === 'event' && frame.event).toBe('ranking');
      const data = (frame as { data: { profile: string; rows: unknown[] } }).data;
      expect(typeof data.profile).toBe('string');
      expect(data.rows.length, 'a full snapshot').toBeGreaterThan(0);
    } finally {
      stream.abort();
      await stream.ended;
    }
  });

  it('filters by type: a paper order arrives as order and fill events, and nothing else', async () => {
    const row = await liquidRow(fx);
    const stream = await openStream(`${fx.server.url}/api/events?types=order,fill`);
    try {
      await stream.next((f) => f.kind === 'comment' && f.text === 'connected', 'the stream to open');
      const order = await placePaperBuy(fx, row.symbol);
      const fill = await stream.next((f) => f.kind === 'event' && f.event === 'fill' && (f.data as { orderId: string }).orderId === order.id, 'the fill event');
      expect((fill as { data: { symbol: string } }).data.symbol).toBe(row.symbol);
      const events = stream.frames.filter((f) => f.kind === 'event').map((f) => (f as { event: string }).event);
      expect(events, 'an order event for the same order').toContain('order');
      expect(new Set(events), 'only the requested types').toEqual(new Set(['order', 'fill']));
    } finally {
      stream.abort();
      await stream.ended;
    }
  });

  it('ends open streams when the server closes, and the close does not hang', async () => {
    const second = await startServer({ port: 0, token: TOKEN, hostService: fx.host, rendererDir: `${fx.home}/no-renderer` });
    const stream = await openStream(`${second.url}/api/events`);
    await stream.next((f) => f.kind === 'comment' && f.text === 'connected', 'the stream to open');
    await second.close();
    await stream.ended;
    expect(stream.res.status).toBe(200);
  });
});

describe('SSE stream mechanics', () => {
  /** A host stand-in that only pushes events: the stream's bookkeeping is what is under test. */
  function eventHost() {
    const listeners = new Set<(e: HostEvent) => void>();
    const host: Pick<Host, 'onEvent'> = {
      onEvent(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    return { host, listeners, emit: (e: HostEvent) => listeners.forEach((fn) => fn(e)) };
  }

  const app = Fastify({ forceCloseConnections: true });
  const events = eventHost();
  const streams = registerSse(app, events.host, { heartbeatMs: 20 });
  let base = '';
  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    streams.close();
    await app.close();
  });

  it('sends comment heartbeats and unsubscribes when the client disconnects', async () => {
    const stream = await openStream(`${base}/api/events`, {});
    await stream.next((f) => f.kind === 'comment' && f.text === 'heartbeat', 'a heartbeat');
    expect(streams.clients(), 'one open stream').toBe(1);
    expect(events.listeners.size, 'one host listener').toBe(1);
    events.emit({ event: 'alert', data: { id: 'a1', level: 'warn', kind: 'test', message: 'line\nbreak', symbol: null, atMs: 1 } });
    const alert = await stream.next((f) => f.kind === 'event', 'the alert');
    expect(alert, 'a newline in the data stays inside one JSON line').toEqual({ kind: 'event', event: 'alert', data: { id: 'a1', level: 'warn', kind: 'test', message: 'line\nbreak', symbol: null, atMs: 1 } });
    stream.abort();
    await stream.ended;
    await until('the stream to be cleaned up', () => (streams.clients() === 0 && events.listeners.size === 0 ? true : null), 10_000);
  });

  it('close() ends every open stream', async () => {
    const a = await openStream(`${base}/api/events`, {});
    const b = await openStream(`${base}/api/events?types=fill`, {});
    await a.next((f) => f.kind === 'comment' && f.text === 'connected', 'a open');
    await b.next((f) => f.kind === 'comment' && f.text === 'connected', 'b open');
    expect(streams.clients()).toBe(2);
    streams.close();
    await Promise.all([a.ended, b.ended]);
    expect(streams.clients()).toBe(0);
    expect(events.listeners.size).toBe(0);
  });

  it('parses type filters and formats frames', () => {
    expect(parseEventTypes(null)).toEqual({ ok: true, types: null });
    expect(parseEventTypes(' ranking , fill ')).toEqual({ ok: true, types: new Set(['ranking', 'fill']) });
    expect(parseEventTypes('rank').ok).toBe(false);
    expect(formatSseEvent('fill', { a: 'x\ny' })).toBe('event: fill\ndata: {"a":"x\\ny"}\n\n');
  });
});
