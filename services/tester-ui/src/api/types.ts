// The shapes of the HTTP API (docs/api.md) as the page reads them. The API's own replies are the
// core's wire types, from its one dependency-free module (wire.ts).
import type { JobStatus, Priority } from '@jobqueue/shared/wire';

export { JOB_STATUSES } from '@jobqueue/shared/wire';

export type {
  ErrorDetail,
  GroupListing,
  JobPage as JobList,
  JobRecord,
  JobStatus,
  Priority,
  QueueEvent as JobEvent,
  QueueStats,
  SubmitResult as SubmitJobResponse,
} from '@jobqueue/shared/wire';

/** Statuses a job never leaves by itself: the status view stops polling there. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** A JSON Schema object as /job-types returns it; only the parts the form reads are typed. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  format?: string;
  enum?: unknown[];
  title?: string;
  description?: string;
  maxLength?: number;
  [keyword: string]: unknown;
}

/** One entry of GET /job-types (docs/api.md). */
export interface JobType {
  job_type: string;
  description?: string;
  payload_schema: JsonSchema;
  /** Live workers that run the type; 0: its jobs wait in line until one comes. */
  workers?: number;
  /** Its limits over every worker, as in force now. */
  limits?: { max_concurrency?: number; rate_limit?: { max: number; per_ms: number } };
}

/** One entry of GET /schedules. */
export interface Schedule {
  name: string;
  cron: string;
  timezone: string;
  job_type: string;
  next_run_at: string | null;
  /** How the last tick went: its job, or why none was submitted; null before the first. */
  last_run?: { at: string; job_id: string | null; error: string | null } | null;
}

export interface SubmitJobRequest {
  job_type: string;
  priority?: Priority;
  payload: Record<string, unknown>;
  max_attempts?: number;
  delay_ms?: number;
  group?: string;
}
