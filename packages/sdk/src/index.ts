// @jobqueue/sdk: define job types, run them in workers, submit jobs to the stack.

export { defineJobType, type JobTypeDefinition } from './core';
export { UnrecoverableError, RetryLaterError } from './core';
export { verifySignature, type VerifyOptions } from './core';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './start-worker';
export {
  JobQueueClient,
  JobQueueError,
  type ClientOptions,
  type ScheduleOptions,
  type SubmitOptions,
  type WaitOptions,
} from './client';
export type { JobContext, JobType } from './core';
export type { ErrorDetail, JobRecord, JobStatus, Priority, SubmitResult } from './core';
export type { JobTypeLimits, PauseChange, PausedState, Schedule } from './core';
