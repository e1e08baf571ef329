// The job types a process knows, keyed by name. The API uses their payload schemas; workers run them.

import { httpTargetsFromEnv, shellJobsAllowed } from '../config';
import { httpJob, refusedHttpJob, type HttpTargetOptions } from './http';
import type { JobType } from './job-type';
import { sendEmailJob, type MockEmailOptions } from './send-email';
import { refusedShellJob, shellJob } from './shell';

export type JobTypeRegistry = ReadonlyMap<string, JobType>;

/** The names of the product's own types (createJobTypes): no one else's worker may declare them. */
export const PRODUCT_JOB_TYPES: readonly string[] = ['send_email', 'http', 'shell'];

/**
 * Why a type of someone else's may not take this name, or undefined: it is a product type's, or
 * one of `ownTypes` (those this process runs as its own).
 */
export function productTypeTaken(
  name: string,
  ownTypes?: { has(name: string): boolean },
): string | undefined {
  return PRODUCT_JOB_TYPES.includes(name) || ownTypes?.has(name)
    ? `job type "${name}" is one of this product's own; choose another name`
    : undefined;
}

export interface JobTypeOptions {
  mockEmail: MockEmailOptions;
  /** Accept and run `shell` jobs. Unset: ALLOW_SHELL_JOBS, so every process (API, worker,
   * queuectl) follows the same switch without passing it along. */
  allowShellJobs?: boolean;
  /** Where `http` jobs may go, and their signing key. Unset: HTTP_JOB_ALLOWED_ORIGINS and
   * HTTP_JOB_SIGNING_SECRET, like the shell switch. */
  httpTargets?: HttpTargetOptions;
}

export function createJobTypes(options: JobTypeOptions): JobTypeRegistry {
  const allowShell = options.allowShellJobs ?? shellJobsAllowed();
  const http = options.httpTargets ?? httpTargetsFromEnv();
  const types = [
    sendEmailJob(options.mockEmail),
    allowShell ? shellJob() : refusedShellJob(),
    http.allowedOrigins.length > 0 ? httpJob(http) : refusedHttpJob(),
  ] as JobType[];
  return new Map(types.map((type) => [type.name, type]));
}
