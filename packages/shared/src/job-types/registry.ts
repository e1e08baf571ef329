// The job types a process knows, keyed by name. The API uses their payload schemas; workers run them.

import { shellJobsAllowed } from '../config';
import type { JobType } from './job-type';
import { sendEmailJob, type MockEmailOptions } from './send-email';
import { refusedShellJob, shellJob } from './shell';

export type JobTypeRegistry = ReadonlyMap<string, JobType>;

export interface JobTypeOptions {
  mockEmail: MockEmailOptions;
  /** Accept and run `shell` jobs. Unset: ALLOW_SHELL_JOBS, so every process (API, worker,
   * queuectl) follows the same switch without passing it along. */
  allowShellJobs?: boolean;
}

export function createJobTypes(options: JobTypeOptions): JobTypeRegistry {
  const allowShell = options.allowShellJobs ?? shellJobsAllowed();
  const types = [
    sendEmailJob(options.mockEmail),
    allowShell ? shellJob() : refusedShellJob(),
  ] as JobType[];
  return new Map(types.map((type) => [type.name, type]));
}
