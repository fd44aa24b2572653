import { createJobRunner, type SweepJob } from './sweepJob.js';
import type { CandidateRun } from './sweep.js';

const run = createJobRunner();

/** The tinypool worker entry: one candidate's backtest on this thread's copy of the data. */
export default function runSweepJob(job: SweepJob): Promise<CandidateRun> {
  return run(job);
}
