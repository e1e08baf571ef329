// @jobqueue/sdk: define job types, run them in workers, submit jobs to the stack.

export { defineJobType, type JobTypeDefinition } from '../../shared/src/job-types/define';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './start-worker';
export {
  JobQueueClient,
  JobQueueError,
  type ClientOptions,
  type SubmitOptions,
  type WaitOptions,
} from './client';
export type { JobContext, JobType } from '../../shared/src/job-types/job-type';
export type {
  ErrorDetail,
  JobRecord,
  JobStatus,
  Priority,
  SubmitResult,
} from '../../shared/src/wire';
