// A job type: its name, the zod schema of its payload and the handler that runs it. A new type is
// one small file exporting one of these, added to the registry.

import type { z } from 'zod';
import type { Priority } from '../wire';

/** What a submission of the type gets when it does not say (the registry publishes them). */
export interface JobTypeDefaults {
  max_attempts?: number;
  priority?: Priority;
  timeout_ms?: number;
  backoff?: { type: 'exponential' | 'fixed'; base_ms: number; max_ms?: number; jitter?: number };
}

export interface JobContext {
  jobId: string;
  /** 1 for the first run; handlers use it with jobId to make themselves idempotent. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the worker learns its lease on this job was lost or it must stop now. */
  signal: AbortSignal;
  /**
   * Reports how far the job got (any JSON value, e.g. a percentage): kept as the record's
   * `progress` and streamed as a `progress` event. Resolves false once the lease is lost.
   */
  progress(value: unknown): Promise<boolean>;
  /** Keeps a line in the record's `logs` (the last 100) and streams it as a `log` event. */
  log(text: string): Promise<boolean>;
}

export interface JobType<Payload = unknown> {
  name: string;
  description: string;
  payloadSchema: z.ZodType<Payload>;
  defaults?: JobTypeDefaults;
  /** Limits over every worker: jobs running at once, and starts per window. */
  limits?: {
    max_concurrency?: number;
    rate_limit?: { max: number; per_ms: number };
  };
  /** Set when this process refuses submissions of the type (it is switched off); says why. */
  refusedBecause?: string;
  /**
   * Checks beyond the schema that this process's settings make (e.g. the origins an `http` job
   * may call), run on a payload the schema accepted: each problem's path is within the payload.
   */
  submissionProblems?(payload: unknown): { path: string; message: string }[];
  /** Returns the job's result (stored as JSON); throws to fail the attempt. */
  run(payload: Payload, context: JobContext): Promise<unknown>;
}
