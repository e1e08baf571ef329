// The JSON the HTTP API sends and the shapes clients read (docs/api.md). Types and constants only,
// with no imports, so the tester page type-checks against these very declarations.

export const JOB_STATUSES = [
  'queued',
  'scheduled',
  'processing',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type PriorityLabel = 'high' | 'normal' | 'low';
/** As the client sent it: a label, or 1..10 (10 most urgent). */
export type Priority = PriorityLabel | number;

/** GET /jobs/status/:id, and each job of a listing. */
export interface JobRecord {
  job_id: string;
  job_type: string;
  priority: Priority;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  created_at: string | null;
  picked_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  cancelled_at: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  result: unknown;
  idempotency_key: string | null;
  /** The group it takes turns with (a customer, a tenant); null: the jobs of no group. */
  group: string | null;
  /** The last value the handler reported with ctx.progress(), or null. */
  progress: unknown;
  /** The last 100 lines the handler wrote with ctx.log(). */
  logs: string[];
  /** Every failed attempt, oldest first (the last 20), beside last_error. */
  errors: { attempt: number; error: string; at: string }[];
  /** How long one attempt may run (ms); null: no limit. */
  timeout_ms: number | null;
  /** Its retry policy; null: the queue's (BACKOFF_BASE_MS, doubling). */
  backoff: {
    type: 'exponential' | 'fixed';
    base_ms: number;
    max_ms?: number;
    jitter?: number;
  } | null;
}

/** GET /jobs: one page, and where the next one starts (null: no more). */
export interface JobPage {
  jobs: JobRecord[];
  next_cursor: string | null;
}

/** POST /submit-job (202), and each job of POST /jobs/bulk. */
export interface SubmitResult {
  job_id: string;
  status: JobStatus;
  /** false when an idempotency key matched an earlier job, whose id this is. */
  created: boolean;
}

/** GET /stats. */
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
  paused: PausedState;
}

/** What is paused: the whole queue, and job types one by one. */
export interface PausedState {
  queue: boolean;
  job_types: string[];
}

/** What a pause or a resume answers: what is paused after it, and whether it changed that. */
export interface PauseChange extends PausedState {
  /** false: what it names was paused already (pause), or was not paused (resume). */
  changed: boolean;
}

/** One event of GET /events (the SSE `data`), also what queuectl logs prints. */
export interface QueueEvent {
  /** The stream entry id, with `.<index>` when the entry holds several events; resume after it. */
  id: string;
  type: string;
  job_id: string;
  /** The worker's log line, e.g. "Picked job <id>". */
  message: string;
  attempt: number | null;
  worker_id: string | null;
  error: string | null;
  time: string | null;
}

/** One problem of a 400 reply's `details`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** PUT /groups/:name: a group's settings in force. */
export interface GroupSettingsInForce {
  /** Turns it takes for one of a group of weight 1. */
  weight: number;
  /** Most of its jobs running at once over every worker; null: no limit. */
  max_concurrency: number | null;
}

/** One entry of GET /groups. */
export interface GroupListing extends GroupSettingsInForce {
  group: string;
  queued: number;
  running: number;
  completed: number;
  /**
   * How long the longest-waiting of its next jobs (the head of its lane in each job type: its
   * most urgent, then oldest) has waited, ms; null: none waits. A less urgent job behind a head
   * may have waited longer.
   */
  oldest_wait_ms: number | null;
}

/** GET /groups: one page, and where the next one starts (null: no more). */
export interface GroupPage {
  groups: GroupListing[];
  next_cursor: string | null;
}
