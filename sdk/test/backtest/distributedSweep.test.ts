import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingInput } from '../../../test/support/ci.js';
import { TemporaryError } from '../../src/core/errors.js';
import { loadBacktestData, type LoadDataOptions } from '../../src/backtest/data.js';
import { createQueueEvaluator, decodeExact, encodeExact, redactRedisUrl, redisConnection, type QueueEvaluator } from '../../src/backtest/distributedSweep.js';
import { parseSpaceSpec, randomCandidates } from '../../src/backtest/paramSpace.js';
import { sweep } from '../../src/backtest/sweep.js';
import { tempDir } from '../trading/helpers.js';
import { looseEngineConfig, writeGeneratedData } from './sweepFixtures.js';

const REDIS = '/usr/bin/redis-server';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repoRoot, 'sdk/src/cli/main.ts');

describe('exact JSON for results crossing Redis', () => {
  it('keeps Infinity, -Infinity, NaN and -0, and everything else as JSON does', () => {
    const value = { a: Infinity, b: -Infinity, c: NaN, d: -0, e: 0, f: [1.5, null, 'x', { g: Infinity }], h: { $num: 'not alone', i: 1 } };
    const back = decodeExact<typeof value>(encodeExact(value));
    expect(back).toEqual(value);
    expect(Object.is(back.d, -0)).toBe(true);
  });

  it('Redis URLs: checked, and shown without credentials', () => {
    expect(redisConnection('redis://127.0.0.1:6379')).toEqual({ url: 'redis://127.0.0.1:6379', maxRetriesPerRequest: null });
    expect(() => redisConnection('http://x')).toThrow(/redis: got "http:\/\/x", expected a Redis URL/);
    expect(() => redisConnection('not a url')).toThrow(/expected a Redis URL/);
    expect(redactRedisUrl('redis://user:secret@10.0.0.1:6379/2')).toBe('redis://10.0.0.1:6379/2');
  });
});

/** A free loopback port: bind to 0, read it, release it (redis-server needs a number). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the process's first stdout line containing `text`; rejects if it exits first. */
function lineWith(child: ChildProcess, text: string, name: string): Promise<void> {
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes(text)) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (code ${code}, signal ${signal}) before "${text}": ${err.slice(-1500)}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('a sweep producer without Redis', () => {
  it('fails within its connect timeout with an error naming the URL (without credentials), not waiting forever', async () => {
    const port = await freePort();
    const load: LoadDataOptions = { dir: '/nonexistent', timeframe: '1h', warmupBars: 0 };
    const attempt = createQueueEvaluator({ redisUrl: `redis://user:secret@127.0.0.1:${port}`, load, setup: { backtest: { data: load.dir, timeframe: '1h' } }, connectTimeoutMs: 300 });
    const err: unknown = await attempt.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TemporaryError);
    expect((err as Error).message).toMatch(new RegExp(`Could not reach Redis at redis://127\\.0\\.0\\.1:${port} within 300 ms .*expected a redis-server answering there`));
    expect((err as Error).message, 'credentials never reach output').not.toContain('secret');
  });
});

const haveRedis = existsSync(REDIS);
if (!haveRedis) missingInput(`the distributed sweep test needs ${REDIS} (apt install redis-server)`);

describe.skipIf(!haveRedis)('distributed sweep over BullMQ (real redis-server, two worker processes)', () => {
  const tmp = tempDir('perpscope-distributed-');
  const processes: ChildProcess[] = [];
  let redisUrl = '';
  let evaluator: QueueEvaluator | undefined;
  writeGeneratedData(join(tmp.dir, 'data'), { symbols: 2, bars: 150, seed: 21 });
  const load: LoadDataOptions = { dir: join(tmp.dir, 'data'), timeframe: '1h', warmupBars: 60 };
  const setup = { backtest: { data: load.dir, timeframe: '1h' as const, warmupBars: 60 }, engineConfig: looseEngineConfig };
  const queue = `perpscope-sweep-test-${process.pid}`;

  beforeAll(async () => {
    const port = await freePort();
    const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    processes.push(redis);
    // redis-server logs this line once its listener is bound; rejects if it exits first.
    await lineWith(redis, 'Ready to accept connections', 'redis-server');
    redisUrl = `redis://127.0.0.1:${port}`;
    const workers = [0, 1].map((i) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, '--home', join(tmp.dir, `home-${i}`), 'sweep-worker', '--redis', redisUrl, '--queue', queue], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      processes.push(child);
      return lineWith(child, 'sweep-worker ready', `sweep worker ${i}`);
    });
    await Promise.all(workers);
  }, 120_000);

  afterAll(async () => {
    await evaluator?.close();
    // Workers first (they hold connections to Redis), then Redis.
    await Promise.all(processes.slice(1).map(stop));
    if (processes[0]) await stop(processes[0]);
    tmp.cleanup();
  });

  it('gives exactly the local result', async () => {
    const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3;ema-cross.minAdx=0..30'), { samples: 3, seed: 9 });
    const local = await sweep({ setup, data: loadBacktestData(load), candidates });
    evaluator = await createQueueEvaluator({ redisUrl, queue, load, setup });
    const remote = await sweep({ setup, data: loadBacktestData(load), candidates, evaluator });
    expect(remote).toEqual(local);
    expect(local.rows.some((r) => r.metrics.trades > 0), 'the generated bars trade').toBe(true);
    // Each worker names itself host:pid on the jobs it takes: both worker processes took some.
    const admin = new Queue(queue, { connection: redisConnection(redisUrl) });
    const done = await admin.getJobs(['completed']);
    await admin.close();
    expect(done).toHaveLength(candidates.length);
    expect(new Set(done.map((j) => j.processedBy)), 'jobs ran on both worker processes').toEqual(new Set(processes.slice(1).map((c) => `${hostname()}:${c.pid}`)));
  }, 240_000);

  it('fails at once, naming the queue, when no worker is attached', async () => {
    const idle = `${queue}-idle`;
    const producer = await createQueueEvaluator({ redisUrl, queue: idle, load, setup });
    try {
      const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3'), { samples: 2, seed: 3 });
      await expect(sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer })).rejects.toThrow(
        new RegExp(`No sweep worker is attached to queue "${idle}" on ${redisUrl.replace(/\./g, '\\.')}; expected at least one`),
      );
      const admin = new Queue(idle, { connection: redisConnection(redisUrl) });
      expect(await admin.getJobCounts(), 'nothing was enqueued').toMatchObject({ waiting: 0, active: 0, delayed: 0 });
      await admin.close();
    } finally {
      await producer.close();
    }
  });

  it('a failed job fails the sweep and removes its waiting jobs, leaving other sweeps\' jobs alone', async () => {
    const failing = `${queue}-failing`;
    const admin = new Queue(failing, { connection: redisConnection(redisUrl) });
    // Another sweep's job on the same queue, delayed so no worker takes it.
    await admin.add('candidate', { sweepId: 'other' }, { jobId: 'other-sweep-0', delay: 3_600_000 });
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken = 0;
    // One job at a time: the first fails, the next is held, so the rest stay waiting unless removed.
    const worker = new Worker(
      failing,
      async () => {
        taken += 1;
        if (taken === 1) throw new Error('candidate blew up on the worker');
        await held;
        return encodeExact(null);
      },
      { connection: redisConnection(redisUrl), concurrency: 1 },
    );
    const producer = await createQueueEvaluator({ redisUrl, queue: failing, load, setup, waitForWorkersMs: 30_000 });
    try {
      await worker.waitUntilReady();
      const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3'), { samples: 5, seed: 4 });
      await expect(sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer })).rejects.toThrow(/candidate blew up on the worker/);
      const queued = await admin.getJobs(['waiting', 'wait', 'paused', 'prioritized', 'delayed']);
      expect(queued.map((j) => j.id), 'only the other sweep\'s job is still queued').toEqual(['other-sweep-0']);
    } finally {
      release();
      await worker.close();
      await producer.close();
      await admin.obliterate({ force: true });
      await admin.close();
    }
  }, 60_000);
});

describe.skipIf(!haveRedis)('a sweep producer whose Redis drops or dies mid-sweep (real redis-server)', () => {
  const tmp = tempDir('perpscope-distributed-lost-');
  writeGeneratedData(join(tmp.dir, 'data'), { symbols: 2, bars: 150, seed: 21 });
  const load: LoadDataOptions = { dir: join(tmp.dir, 'data'), timeframe: '1h', warmupBars: 60 };
  const setup = { backtest: { data: load.dir, timeframe: '1h' as const, warmupBars: 60 }, engineConfig: looseEngineConfig };
  // Also the deadline of the first connection, which takes milliseconds: ample on a loaded machine.
  const TIMEOUT_MS = 2_000;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    tmp.cleanup();
  });

  /** A redis-server of the test's own, a producer on it, and a worker whose jobs wait for `release()`. */
  async function rig(queue: string, options: { workerLossMs?: number } = {}) {
    const port = await freePort();
    const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => stop(redis));
    await lineWith(redis, 'Ready to accept connections', 'redis-server');
    const redisUrl = `redis://127.0.0.1:${port}`;
    let took = () => {};
    const tookJob = new Promise<void>((resolve) => (took = resolve));
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(
      queue,
      async (job) => {
        took();
        await released;
        return encodeExact({ job: job.id });
      },
      { connection: redisConnection(redisUrl), concurrency: 1 },
    );
    worker.on('error', () => undefined);
    cleanups.push(() => worker.close(true));
    await worker.waitUntilReady();
    const producer = await createQueueEvaluator({ redisUrl, queue, load, setup, connectTimeoutMs: TIMEOUT_MS, ...options });
    cleanups.push(() => producer.close());
    return { redis, redisUrl, producer, worker, tookJob, release };
  }
  const lostMessage = (redisUrl: string) => new RegExp(`^Lost Redis at ${redisUrl.replace(/\./g, '\\.')}: no answer for ${TIMEOUT_MS} ms .*Expected a redis-server answering there until the sweep ends`);

  it('fails the sweep once Redis has not answered for its connect timeout, naming the URL, instead of waiting forever; later runs fail at once', async () => {
    const { redis, redisUrl, producer, tookJob } = await rig(`perpscope-sweep-lost-${process.pid}`);
    const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3'), { samples: 3, seed: 5 });
    const running = sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer });
    running.catch(() => undefined);
    await tookJob;
    redis.kill('SIGKILL');
    const err = await running.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TemporaryError);
    expect((err as Error).message).toMatch(lostMessage(redisUrl));
    await expect(sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer }), 'a later run on the lost connection').rejects.toBe(err);
  }, 60_000);

  it('a run that starts as Redis dies fails with the error naming Redis, not a bare connection error', async () => {
    const { redis, redisUrl, producer } = await rig(`perpscope-sweep-dying-${process.pid}`);
    redis.kill('SIGKILL');
    const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3'), { samples: 2, seed: 6 });
    await expect(sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer })).rejects.toThrow(lostMessage(redisUrl));
  }, 60_000);

  it('survives a drop shorter than the timeout: every connection killed under a held job, the sweep still gets its result', async () => {
    const queue = `perpscope-sweep-drop-${process.pid}`;
    const { redisUrl, producer, tookJob, release } = await rig(queue);
    const task = { candidate: { key: 'drop' } } as unknown as Parameters<QueueEvaluator['run']>[0][number];
    const running = producer.run([task], loadBacktestData(load));
    running.catch(() => undefined);
    await tookJob;
    const admin = new Queue(queue, { connection: redisConnection(redisUrl) });
    // Every client connection is cut at once (the admin's own too); all of them reconnect.
    const client = (await admin.client) as unknown as { call: (...args: string[]) => Promise<unknown> };
    await client.call('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined);
    await admin.close();
    release();
    const [result] = await running;
    expect(result as unknown, "the worker's result, after the reconnect").toEqual({ job: expect.stringMatching(/-0$/) });
  }, 60_000);
  it('a Redis that stops answering without closing the connection (SIGSTOP) fails the sweep the same way', async () => {
    const { redis, redisUrl, producer, tookJob } = await rig(`perpscope-sweep-hung-${process.pid}`);
    const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3'), { samples: 2, seed: 7 });
    const running = sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer });
    running.catch(() => undefined);
    await tookJob;
    redis.kill('SIGSTOP');
    try {
      await expect(running).rejects.toThrow(lostMessage(redisUrl));
      await expect(running).rejects.toThrow(/no reply to PING/);
    } finally {
      // Answering again, so that the worker and the cleanup can end their connections.
      redis.kill('SIGCONT');
    }
  }, 60_000);

  it('with every worker gone mid-sweep, fails after workerLossMs, naming the queue and how far the sweep got', async () => {
    const queue = `perpscope-sweep-orphan-${process.pid}`;
    const { redisUrl, producer, worker, tookJob } = await rig(queue, { workerLossMs: 500 });
    const candidates = randomCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.1..3'), { samples: 2, seed: 8 });
    const running = sweep({ setup, data: loadBacktestData(load), candidates, evaluator: producer });
    running.catch(() => undefined);
    await tookJob;
    await worker.close(true);
    await expect(running).rejects.toThrow(
      new RegExp(`^No sweep worker attached to queue "${queue}" on ${redisUrl.replace(/\./g, '\\.')} for 500 ms, with 0 of 2 candidates finished; expected at least one until the sweep ends`),
    );
  }, 60_000);
});
