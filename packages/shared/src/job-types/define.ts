// A job type written in TypeScript: its payload as a zod schema (published to the registry as
// JSON Schema, which the API checks submissions against), its defaults and its handler. Users
// write theirs with it (the SDK exports it); the product's own types are declared the same way.

import type { z } from 'zod';
import type { Priority } from '../wire';
import type { JobContext, JobType } from './job-type';

export interface JobTypeDefinition<Schema extends z.ZodType> {
  /** 1-100 letters, digits, _ . or -, starting with a letter. */
  name: string;
  description?: string;
  payload: Schema;
  /** Attempts a job gets when its submission does not say. */
  maxAttempts?: number;
  priority?: Priority;
  timeoutMs?: number;
  backoff?: { type: 'exponential' | 'fixed'; baseMs: number; maxMs?: number; jitter?: number };
  /** At most this many jobs of the type run at once, over every worker. */
  maxConcurrency?: number;
  /** At most `max` jobs of the type start in any window of `perMs`, over every worker. */
  rateLimit?: { max: number; perMs: number };
  /** Runs one attempt; its return value (JSON) is the job's result, a throw fails the attempt. */
  run(payload: z.output<Schema>, ctx: JobContext): Promise<unknown>;
}

export function defineJobType<Schema extends z.ZodType>(
  definition: JobTypeDefinition<Schema>,
): JobType<z.output<Schema>> {
  const { backoff } = definition;
  return {
    name: definition.name,
    description: definition.description ?? '',
    payloadSchema: definition.payload as z.ZodType<z.output<Schema>>,
    defaults: {
      max_attempts: definition.maxAttempts,
      priority: definition.priority,
      timeout_ms: definition.timeoutMs,
      backoff: backoff && {
        type: backoff.type,
        base_ms: backoff.baseMs,
        max_ms: backoff.maxMs,
        jitter: backoff.jitter,
      },
    },
    ...(definition.maxConcurrency !== undefined || definition.rateLimit !== undefined
      ? {
          limits: {
            max_concurrency: definition.maxConcurrency,
            rate_limit: definition.rateLimit && {
              max: definition.rateLimit.max,
              per_ms: definition.rateLimit.perMs,
            },
          },
        }
      : {}),
    run: (payload, ctx) => definition.run(payload, ctx),
  };
}
