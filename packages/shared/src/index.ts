// The queue core every service uses.

export * from './config';
export * from './durability';
export * from './errors';
export * from './events';
export {
  UnrecoverableError,
  RetryLaterError,
  JobTimeoutError,
  JobCancelledError,
} from './job-errors';
export * from './http-signature';
export {
  httpJob,
  httpPayload,
  HTTP_REFUSAL,
  type HttpPayload,
  type HttpResult,
  type HttpTargetOptions,
} from './job-types/http';
export * from './keys';
export * from './logger';
export * from './priority';
export { storePriorityAging } from './priority-aging';
export * from './groups';
export * from './queue';
export * from './record';
export * from './redis';
export * from './redis-errors';
export * from './redis-outage-log';
export * from './schemas';
export * from './settings';
export * from './time';
export * from './worker';
export type { AttemptOutcome, WorkerHooks } from './worker-hooks';
export type { ClaimedJob } from './fetcher';
export type { JobType, JobContext } from './job-types/job-type';
export * from './job-types/registry';
export * from './job-types/declaration';
export { defineJobType, type JobTypeDefinition } from './job-types/define';
export { JobTypeCatalog } from './job-types/catalog';
export {
  TypeRegistry,
  type DeclarationChange,
  type ListedJobType,
} from './job-types/type-registry';
export { sendEmailJob, sendEmailPayload, type SendEmailPayload } from './job-types/send-email';
export {
  shellJob,
  shellPayload,
  SHELL_REFUSAL,
  type ShellPayload,
  type ShellResult,
} from './job-types/shell';
export * from './remote-workers';
export * from './schedules';
