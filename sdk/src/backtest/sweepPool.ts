import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { InvalidInputError } from '../core/errors.js';
import type { LoadDataOptions } from './data.js';
import type { SweepJob } from './sweepJob.js';
import type { CandidateRun, SweepEvaluator, SweepSetup } from './sweep.js';

export interface PoolEvaluatorOptions {
  /** Worker threads (>= 1). */
  workers: number;
  /** How each worker loads the data, once per worker (never cloned per task). */
  load: LoadDataOptions;
  setup: SweepSetup;
}

export interface PoolEvaluator extends SweepEvaluator {
  close(): Promise<void>;
}

/**
 * The worker module tinypool loads. Built (`dist/backtest/sweepWorker.js`) it is a plain file.
 * From TypeScript sources (vitest, `node --import tsx`) worker threads do not inherit the tsx
 * loader, so the entry is a small ES module that registers tsx in the worker, then imports
 * `sweepWorker.ts` and re-exports its handler.
 */
export function sweepWorkerEntry(moduleUrl: string = import.meta.url): string {
  if (!moduleUrl.endsWith('.ts')) return new URL('./sweepWorker.js', moduleUrl).href;
  // The ES-module build of tsx's API: its CommonJS build cannot register hooks from a data: module.
  const tsxPackage = createRequire(moduleUrl).resolve('tsx/package.json');
  const exportsMap = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), exportsMap['./esm/api']!.import.default)).href;
  const worker = new URL('./sweepWorker.ts', moduleUrl).href;
  // A failed import would be hidden by tinypool's fallback lookup: hand the error to every task instead.
  const code = [
    'let handler;',
    'try {',
    `  const tsx = await import(${JSON.stringify(tsxApi)});`,
    '  tsx.register();',
    `  handler = (await import(${JSON.stringify(worker)})).default;`,
    '} catch (err) {',
    '  handler = () => Promise.reject(err);',
    '}',
    'export default handler;',
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

/**
 * Runs sweep tasks on `workers` worker threads (tinypool). Each worker loads the data from
 * `load` on its first task and keeps it; a task carries the candidate, its window and the small
 * load options, never candles. The results equal `localEvaluator`'s: the same `backtest()` on
 * the same data. Close it when done.
 */
export function createPoolEvaluator(o: PoolEvaluatorOptions): PoolEvaluator {
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new InvalidInputError('sweep options', [{ path: 'workers', received: String(o.workers), expected: 'a whole number of worker threads >= 1' }]);
  const pool = new Tinypool({ filename: sweepWorkerEntry(), minThreads: o.workers, maxThreads: o.workers, isolateWorkers: false });
  return {
    run(tasks) {
      return Promise.all(tasks.map((task) => pool.run({ load: o.load, setup: o.setup, task } satisfies SweepJob) as Promise<CandidateRun>));
    },
    close: () => pool.destroy(),
  };
}
