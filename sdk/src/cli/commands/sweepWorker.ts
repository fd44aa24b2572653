import { DEFAULT_SWEEP_QUEUE, redactRedisUrl, startSweepWorker } from '../../backtest/distributedSweep.js';
import type { CliIo } from '../io.js';

export interface SweepWorkerCliOptions {
  redis: string;
  queue?: string;
  concurrency?: number;
}

/** `perpscope sweep-worker`: runs sweep candidates from a BullMQ queue until interrupted. */
export async function runSweepWorkerCommand(opts: SweepWorkerCliOptions, io: CliIo): Promise<void> {
  const queue = opts.queue ?? DEFAULT_SWEEP_QUEUE;
  const worker = startSweepWorker({ redisUrl: opts.redis, queue, ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), onError: (err) => io.err(`sweep-worker: ${err.message}`) });
  try {
    await worker.ready;
    io.out(`sweep-worker ready: queue ${queue} on ${redactRedisUrl(opts.redis)}`);
    await io.interrupted;
  } finally {
    await worker.close();
  }
}
