// What the benchmarks submit: the README's job body, and no-op jobs of mixed priority that both
// systems get alike (same payload, priorities, attempts).

import { z } from 'zod';
import type { JobType, JobTypeRegistry } from '@jobqueue/shared';

/** The body of the README's curl call. */
export const README_BODY = {
  job_type: 'send_email',
  priority: 'high',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};

export const NOOP_TYPE = 'noop';
export const ATTEMPTS = 3;

/** Mixed priorities 1..10 (10 most urgent), every level equally often, interleaved. */
export function priorityOf(index: number): number {
  return ((index * 7) % 10) + 1;
}

/** BullMQ's scale runs the other way: 1 is the most urgent. */
export function bullmqPriority(priority: number): number {
  return 11 - priority;
}

/**
 * A job type that does nothing (what is measured is the queue, not the work) but tell `started`
 * its id, if given: the worker process's moment of picking it.
 */
export function benchJobTypes(started?: (jobId: string) => void): JobTypeRegistry {
  const noopJob: JobType<Record<string, unknown>> = {
    name: NOOP_TYPE,
    description: 'Does nothing (benchmarks).',
    payloadSchema: z.looseObject({}),
    run: async (_payload, context) => void started?.(context.jobId),
  };
  return new Map([[NOOP_TYPE, noopJob as JobType]]);
}
