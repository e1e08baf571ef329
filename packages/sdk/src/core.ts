// The queue core the SDK is built on. It is compiled into this package (dist/packages/shared),
// so the packed SDK depends on nothing unpublished; this is the one place that reaches it.
export {
  createLogger,
  createRedis,
  defineJobType,
  loadConfig,
  Worker,
  workerSettings,
  type ErrorDetail,
  type JobContext,
  type JobRecord,
  type JobStatus,
  type JobType,
  type JobTypeDefinition,
  type Logger,
  type Priority,
  type SubmitResult,
} from '../../../packages/shared/src/index';
