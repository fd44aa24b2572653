import { loadBacktestData, type BacktestData, type LoadDataOptions } from './data.js';
import { windowedRunner, type CandidateRun, type SweepSetup, type SweepTask } from './sweep.js';

/** What a worker (thread or process) is sent per candidate: small, the data stays where it is. */
export interface SweepJob {
  /** How the worker loads the full data set, once: a path on the worker's machine plus options. */
  load: LoadDataOptions;
  setup: SweepSetup;
  task: SweepTask;
}

/**
 * A job handler for sweep workers: loads the data of a job's `load` options once and keeps it
 * for the jobs that follow (a worker serves one sweep at a time; a different `load` or setup
 * replaces what is held), then runs the task with `windowedRunner`.
 */
export function createJobRunner(load: (o: LoadDataOptions) => BacktestData = loadBacktestData): (job: SweepJob) => Promise<CandidateRun> {
  let held: { key: string; run: (task: SweepTask) => Promise<CandidateRun> } | null = null;
  return (job) => {
    const key = JSON.stringify([job.load, job.setup]);
    if (held?.key !== key) held = { key, run: windowedRunner(job.setup, load(job.load)) };
    return held.run(job.task);
  };
}
