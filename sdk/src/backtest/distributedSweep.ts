import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode } from '@perpscope/shared';
import { Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import { InvalidInputError, TemporaryError } from '../core/errors.js';
import type { LoadDataOptions } from './data.js';
import { createJobRunner, type SweepJob } from './sweepJob.js';
import type { CandidateRun, SweepEvaluator, SweepSetup } from './sweep.js';

/** The queue sweeps use unless told otherwise; producer and workers must agree on it. */
export const DEFAULT_SWEEP_QUEUE = 'perpscope-sweep';

const JOB_NAME = 'candidate';
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const WORKER_POLL_MS = 250;
/** How often a running sweep checks that Redis answers and that a worker is attached. */
const SWEEP_WATCH_MS = 1_000;
const DEFAULT_WORKER_LOSS_MS = 60_000;

/** BullMQ connection options for a `redis://[user:pass@]host:port[/db]` URL. */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || !/^rediss?:$/.test(parsed.protocol) || !parsed.hostname) {
    throw new InvalidInputError('sweep options', [{ path: 'redis', received: JSON.stringify(url), expected: 'a Redis URL such as redis://127.0.0.1:6379' }]);
  }
  // Workers block on the queue: ioredis must not give up on a pending command.
  return { url, maxRetriesPerRequest: null };
}

/** The URL without credentials, for output. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

/**
 * JSON that keeps what JSON loses: Infinity, -Infinity, NaN and -0 (a profit factor without a
 * loss is Infinity). Results cross Redis as this text, so remote runs equal local ones exactly.
 */
export function encodeExact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $num: Object.is(v, -0) ? '-0' : String(v) } : v));
}

export function decodeExact<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$num') return Number((v as { $num: string }).$num);
    }
    return v;
  }) as T;
}

export interface QueueEvaluatorOptions {
  redisUrl: string;
  queue?: string;
  /** How each worker loads the data: the directory must exist at this path on every worker machine. */
  load: LoadDataOptions;
  setup: SweepSetup;
  /**
   * How long to wait for Redis to answer before failing (default 10 s): at the start, and again
   * whenever the connection drops during a sweep.
   */
  connectTimeoutMs?: number;
  /** How long `run()` waits for a worker to attach to the queue before failing (default 0: fail at once). */
  waitForWorkersMs?: number;
  /**
   * How long a running sweep goes on with no worker attached to the queue before failing (default
   * 60 s): a worker restarting is waited for; every worker gone is not waited for forever.
   */
  workerLossMs?: number;
}

export interface QueueEvaluator extends SweepEvaluator {
  close(): Promise<void>;
}

/** The producer's view of its Redis connections, shared by the queue's and the events' clients. */
interface ProducerLink {
  connected: boolean;
  /** When the connection last dropped, while it is down; null while it is up. */
  lostSinceMs: number | null;
  /** Counts every close and reconnect: a probe that spans one says nothing about a silent Redis. */
  epoch: number;
}

/**
 * Producer connection options: unlike a worker, a producer must not wait forever. Until
 * `link.connected` it retries only up to `deadlineMs`; afterwards, once the connection drops, for
 * `connectTimeoutMs` from the drop. Then ioredis gives up and the client ends.
 */
function producerConnection(url: string, connectTimeoutMs: number, deadlineMs: number, link: ProducerLink): ConnectionOptions {
  return {
    url,
    maxRetriesPerRequest: null,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (times: number) => {
      const now = Date.now();
      if (!link.connected) {
        if (now >= deadlineMs) return null;
      } else if (now - (link.lostSinceMs ??= now) >= connectTimeoutMs) {
        return null;
      }
      return Math.min(100 * 2 ** (times - 1), 2_000);
    },
  };
}

/**
 * The producer side of a distributed sweep: enqueues one BullMQ job per task and collects every
 * result (in task order). Worker processes (`perpscope sweep-worker --redis URL`, or
 * `startSweepWorker`) run the same `backtest()`, so the result equals the local one. A failed job
 * fails the sweep with the worker's error, and the sweep's jobs still waiting are removed so
 * workers do not spend time on a sweep nobody collects.
 */
export async function createQueueEvaluator(o: QueueEvaluatorOptions): Promise<QueueEvaluator> {
  // Checks the URL first: a malformed one is bad input, not an unreachable host.
  redisConnection(o.redisUrl);
  const shownUrl = redactRedisUrl(o.redisUrl);
  const name = o.queue ?? DEFAULT_SWEEP_QUEUE;
  const connectTimeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadlineMs = Date.now() + connectTimeoutMs;
  const link: ProducerLink = { connected: false, lostSinceMs: null, epoch: 0 };
  const queue = new Queue(name, { connection: producerConnection(o.redisUrl, connectTimeoutMs, deadlineMs, link) });
  const events = new QueueEvents(name, { connection: producerConnection(o.redisUrl, connectTimeoutMs, deadlineMs, link) });
  let lastError: unknown;
  // Without listeners an emitted 'error' would be thrown; connection errors are reported below.
  queue.on('error', (err) => (lastError = err));
  events.on('error', (err) => (lastError = err));
  let clients: Awaited<typeof queue.client>[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), connectTimeoutMs)));
  try {
    const ready = Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    ready.catch(() => undefined);
    if ((await Promise.race([ready, timedOut])) === 'timeout') throw lastError ?? new Error('no answer');
    link.connected = true;
    clients = await Promise.all([queue.client, events.client]);
  } catch (err) {
    // Closing waits for the connection attempt the retry rule ends; do not hold the caller up.
    Promise.allSettled([queue.close(), events.close()]).catch(() => undefined);
    const why = err instanceof Error ? err.message : String(err);
    throw new TemporaryError(
      ErrorCode.NetworkError,
      `Could not reach Redis at ${shownUrl} within ${connectTimeoutMs} ms (${why}); expected a redis-server answering there (check --redis, or start one)`,
      { details: { redis: shownUrl, queue: name, connectTimeoutMs }, cause: err },
    );
  } finally {
    clearTimeout(timer);
  }

  // A connection that stays down past the timeout ends for good, and a sweep waiting on its jobs'
  // events would wait forever: the sweep fails instead, naming Redis. Jobs a worker holds may
  // still finish on the worker; nobody can collect them.
  let closing = false;
  let lostError: TemporaryError | null = null;
  let rejectLost: (err: TemporaryError) => void = () => {};
  const lost = new Promise<never>((_resolve, reject) => (rejectLost = reject));
  lost.catch(() => undefined);
  for (const client of clients) {
    client.on('ready', () => {
      link.lostSinceMs = null;
      link.epoch += 1;
    });
    client.on('close', () => (link.epoch += 1));
    client.on('end', () => {
      if (closing) return;
      loseRedis(lastError instanceof Error ? lastError.message : 'connection closed');
    });
  }
  function loseRedis(why: string): void {
    if (lostError) return;
    lostError = new TemporaryError(
      ErrorCode.NetworkError,
      `Lost Redis at ${shownUrl}: no answer for ${connectTimeoutMs} ms (${why}); the sweep's results cannot be collected. Expected a redis-server answering there until the sweep ends`,
      { details: { redis: shownUrl, queue: name, connectTimeoutMs } },
    );
    rejectLost(lostError);
  }

  /**
   * While a run is under way: a Redis that stops answering without closing the connection (a
   * frozen host, a partition) never ends the connection, since ioredis has no command timeout, so
   * a check each second whose PING or worker count goes unanswered for `connectTimeoutMs`, while
   * the connection is up, loses Redis (while it is down, reconnecting, the retry rule decides);
   * and once the jobs are queued, a queue with no worker for `workerLossMs` fails the run, naming
   * how far it got.
   */
  const workerLossMs = o.workerLossMs ?? DEFAULT_WORKER_LOSS_MS;
  const SILENT = Symbol('silent');
  function watchRun(progress: { queued: boolean; busy: boolean; done: number; total: number }): { failed: Promise<never>; stop: () => void } {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let probeTimer: ReturnType<typeof setTimeout> | undefined;
    let rejectFailed: (err: Error) => void = () => {};
    const failed = new Promise<never>((_resolve, reject) => (rejectFailed = reject));
    failed.catch(() => undefined);
    let noWorkerSinceMs: number | null = null;
    /** The command's answer, or SILENT after `connectTimeoutMs` (and one more turn of the event loop, so a stalled loop's late read still counts). */
    const answer = async <T>(command: Promise<T>): Promise<T | typeof SILENT> => {
      let replied = false;
      const reply = command.then((v) => {
        replied = true;
        return v;
      });
      const silent = new Promise<typeof SILENT>((resolve) => (probeTimer = setTimeout(() => resolve(SILENT), connectTimeoutMs)));
      try {
        if ((await Promise.race([reply, silent])) === SILENT) await new Promise((resolve) => setImmediate(resolve));
        return replied ? await reply : SILENT;
      } finally {
        clearTimeout(probeTimer);
      }
    };
    const check = async (): Promise<void> => {
      // While the connection is down the retry rule decides; while it carries a bulk command
      // (adding or removing a sweep's jobs), a probe waits behind it and says nothing.
      if (link.lostSinceMs !== null || progress.busy) return;
      const epoch = link.epoch;
      const silentNow = (reply: unknown) => reply === SILENT && !progress.busy && link.lostSinceMs === null && link.epoch === epoch;
      const pong = await answer(queue.client.then((c) => (c as unknown as { ping: () => Promise<string> }).ping()));
      if (stopped) return;
      if (silentNow(pong)) return loseRedis('no reply to PING');
      if (pong === SILENT) return;
      const workers = await answer(queue.getWorkersCount());
      if (stopped) return;
      if (silentNow(workers)) return loseRedis('no reply to CLIENT LIST');
      if (workers === SILENT) return;
      if (!progress.queued) return;
      const now = performance.now();
      if (workers > 0) {
        noWorkerSinceMs = null;
      } else if (now - (noWorkerSinceMs ??= now) >= workerLossMs) {
        rejectFailed(
          new TemporaryError(
            ErrorCode.NetworkError,
            `No sweep worker attached to queue "${name}" on ${shownUrl} for ${workerLossMs} ms, with ${progress.done} of ${progress.total} candidates finished; expected at least one until the sweep ends (start \`perpscope sweep-worker --redis ${shownUrl} --queue ${name}\`)`,
            { details: { redis: shownUrl, queue: name, workerLossMs, done: progress.done, total: progress.total } },
          ),
        );
      }
    };
    const schedule = (): void => {
      timer = setTimeout(() => {
        check()
          .catch(() => undefined) // a connection error: the 'end' path reports it
          .finally(() => {
            if (!stopped && !lostError) schedule();
          });
      }, SWEEP_WATCH_MS);
      timer.unref();
    };
    schedule();
    return {
      failed,
      stop() {
        stopped = true;
        clearTimeout(timer);
        clearTimeout(probeTimer);
      },
    };
  }

  /**
   * Each job's result text in `ids` order, or the first failure. Listens on the queue's events
   * directly rather than through `Job.waitUntilFinished`, whose own status read is left unhandled
   * when the connection ends (an unhandled rejection kills the process). Registered before the
   * jobs are added, while the events connection is already reading, so no job finishes unheard;
   * `cancel` removes the listeners of a run that ends any other way.
   */
  const finishedAll = (ids: readonly string[], progress: { done: number }): { promise: Promise<string[]>; cancel: () => void } => {
    const emitter = events as unknown as NodeJS.EventEmitter;
    const removers: (() => void)[] = [];
    const cancel = () => {
      for (const remove of removers.splice(0)) remove();
    };
    const promise = new Promise<string[]>((resolve, reject) => {
      const results: string[] = new Array<string>(ids.length);
      let left = ids.length;
      ids.forEach((id, i) => {
        const onCompleted = (args: { returnvalue: unknown }) => {
          results[i] = args.returnvalue as string;
          progress.done += 1;
          if (--left > 0) return;
          cancel();
          resolve(results);
        };
        const onFailed = (args: { failedReason?: string }) => {
          cancel();
          reject(new Error(args.failedReason ?? `job ${id} failed`));
        };
        emitter.on(`completed:${id}`, onCompleted);
        emitter.on(`failed:${id}`, onFailed);
        removers.push(() => {
          emitter.off(`completed:${id}`, onCompleted);
          emitter.off(`failed:${id}`, onFailed);
        });
      });
      if (left === 0) resolve(results);
    });
    promise.catch(() => undefined);
    return { promise, cancel };
  };

  const workersAttached = async (): Promise<number> => {
    const waitUntilMs = Date.now() + (o.waitForWorkersMs ?? 0);
    for (;;) {
      const count = await queue.getWorkersCount();
      if (count > 0 || Date.now() >= waitUntilMs) return count;
      await new Promise((resolve) => setTimeout(resolve, Math.min(WORKER_POLL_MS, Math.max(1, waitUntilMs - Date.now()))));
    }
  };

  const runTasks = async (tasks: Parameters<QueueEvaluator['run']>[0]): Promise<CandidateRun[]> => {
    if (lostError) throw lostError;
    const progress = { queued: false, busy: false, done: 0, total: tasks.length };
    const watch = watchRun(progress);
    /** Every command of the run also ends when Redis is lost or the workers are gone. */
    const guarded = <T>(command: Promise<T>): Promise<T> => Promise.race([command, lost, watch.failed]);
    const sweepId = randomUUID();
    const ids = tasks.map((_task, i) => `${sweepId}-${i}`);
    let finished: ReturnType<typeof finishedAll> | undefined;
    try {
      if ((await guarded(workersAttached())) === 0) {
        throw new TemporaryError(
          ErrorCode.NetworkError,
          `No sweep worker is attached to queue "${name}" on ${shownUrl}; expected at least one (start \`perpscope sweep-worker --redis ${shownUrl} --queue ${name}\`)`,
          { details: { redis: shownUrl, queue: name, waitForWorkersMs: o.waitForWorkersMs ?? 0 } },
        );
      }
      finished = finishedAll(ids, progress);
      try {
        progress.busy = true;
        await guarded(
          queue.addBulk(
            tasks.map((task, i) => ({
              name: JOB_NAME,
              data: { sweepId, job: encodeExact({ load: o.load, setup: o.setup, task } satisfies SweepJob) },
              opts: { jobId: ids[i]!, attempts: 1, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 86_400 } },
            })),
          ),
        );
        progress.busy = false;
        progress.queued = true;
        const results = await guarded(finished.promise);
        return results.map((text) => decodeExact<CandidateRun>(text));
      } catch (err) {
        // Only this sweep's jobs, by id: other sweeps may share the queue. A job a worker holds
        // cannot be removed; it finishes and its result is dropped. With Redis lost the removal
        // is still sent, in case only this producer lost it, but not waited for.
        progress.busy = true;
        const removal = Promise.allSettled(ids.map((id) => queue.remove(id)));
        // Raced against a lost Redis only: a run failed for want of workers still waits for it.
        if (!lostError) await Promise.race([removal, lost]).catch(() => undefined);
        throw err;
      }
    } finally {
      finished?.cancel();
      watch.stop();
    }
  };

  return {
    async run(tasks) {
      try {
        return await runTasks(tasks);
      } catch (err) {
        // A command refused because the connection just ended: its 'end' comes on a later tick,
        // and the error to give is the one naming Redis.
        if (!lostError && err instanceof Error && /Connection is closed/.test(err.message)) await new Promise((resolve) => setImmediate(resolve));
        throw lostError ?? err;
      }
    },
    async close() {
      closing = true;
      // QueueEvents' close drops its socket first, so it returns on a hung Redis too; a Queue's
      // close waits for the answer to its QUIT, which a lost Redis may never send.
      await Promise.allSettled([events.close(), lostError ? queue.disconnect().then(() => queue.close()) : queue.close()]);
    },
  };
}

export interface SweepWorkerOptions {
  redisUrl: string;
  queue?: string;
  /** Jobs run at once by this process; backtests are CPU-bound, so one per process by default. */
  concurrency?: number;
  /** Connection and processing errors (ioredis retries the connection by itself). */
  onError?: (err: Error) => void;
}

export interface SweepWorkerHandle {
  /** Resolves once connected and taking jobs. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * A sweep worker: takes candidate jobs from the queue and backtests them on data it loads once
 * from the job's `load` options (a path on this machine).
 */
export function startSweepWorker(o: SweepWorkerOptions): SweepWorkerHandle {
  const run = createJobRunner();
  const worker = new Worker(
    o.queue ?? DEFAULT_SWEEP_QUEUE,
    async (job) => encodeExact(await run(decodeExact<SweepJob>((job.data as { job: string }).job))),
    // The name is stored on every job it takes (`processedBy`): which machine and process ran a candidate.
    { connection: redisConnection(o.redisUrl), concurrency: o.concurrency ?? 1, name: `${hostname()}:${process.pid}` },
  );
  worker.on('error', (err) => o.onError?.(err));
  return { ready: worker.waitUntilReady().then(() => undefined), close: () => worker.close() };
}
