// What a Worker reports as jobs move through it, so a service can count and time them (the
// worker's Prometheus metrics). Every hook is optional, called synchronously, and must not throw.

import type { ClaimedJob } from './fetcher';

/** How one attempt ended, as recorded in Redis ('stopped': aborted by this worker, not recorded). */
export type AttemptOutcome =
  'completed' | 'retrying' | 'failed' | 'lease_lost' | 'stopped' | 'cancelled';

export interface WorkerHooks {
  /** This worker claimed a job; `job.waitedMs` is how long it waited in the queue. */
  jobClaimed?(job: ClaimedJob): void;
  /** An attempt ended; `runMs` is how long its handler ran. */
  attemptEnded?(job: ClaimedJob, outcome: AttemptOutcome, runMs: number): void;
  /** This worker's recovery pass put jobs of lost workers back in line, or failed them for good. */
  jobsRecovered?(requeued: number, failed: number): void;
  /** A Redis round trip failed; the worker tries again. `during` names what it was doing. */
  redisError?(error: Error, during: string): void;
}
