// The shapes of the HTTP API (docs/api.md) as the page reads them.

export const JOB_STATUSES = [
  'queued',
  'scheduled',
  'processing',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves by itself: the status view stops polling there. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export type Priority = 'high' | 'normal' | 'low' | number;

export interface JobRecord {
  job_id: string;
  job_type: string;
  priority: Priority;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  created_at: string;
  picked_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  cancelled_at?: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  result: unknown;
}

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

export interface JobType {
  job_type: string;
  payload_schema: JsonSchema;
}

export interface SubmitJobRequest {
  job_type: string;
  priority?: Priority;
  payload: Record<string, unknown>;
  max_attempts?: number;
  delay_ms?: number;
}

export interface SubmitJobResponse {
  job_id: string;
  status: JobStatus;
}

export interface JobList {
  jobs: JobRecord[];
  next_cursor: string | null;
}

export interface QueueStats {
  queue: string;
  counts: Record<JobStatus, number>;
  totals: {
    submitted: number;
    completed: number;
    failed: number;
    retried: number;
    recovered: number;
  };
  workers: number;
}

/** One entry of GET /events; `message` is the worker's log line ("Picked job <id>"). */
export interface JobEvent {
  id: string;
  type: string;
  job_id: string;
  message: string;
  attempt?: number | null;
  worker_id?: string | null;
  time: string;
}

export interface ErrorDetail {
  path: string;
  message: string;
}
