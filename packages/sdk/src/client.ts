// Submits jobs to the stack's HTTP API and follows them: what a service that produces work needs,
// with nothing but fetch. Every non-2xx reply becomes a JobQueueError carrying the API's code,
// message and details (each problem's field path).

import type {
  ErrorDetail,
  GroupPage,
  GroupSettingsInForce,
  JobRecord,
  JobTypeLimits,
  PauseChange,
  Priority,
  Schedule,
  SubmitResult,
} from './core';

export interface ClientOptions {
  /** The API's base URL, e.g. http://localhost:5000. */
  url: string;
  /** API_TOKEN of the stack, when it has one. */
  token?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export interface SubmitOptions {
  priority?: Priority;
  maxAttempts?: number;
  /** Run no earlier than this many ms from now (or give runAt). */
  delayMs?: number;
  runAt?: Date | string;
  /** A repeated key within its retention gives back the first job instead of a new one. */
  idempotencyKey?: string;
  /** How long one attempt may run; past it the attempt fails as timed out. */
  timeoutMs?: number;
  /** How long a failed attempt waits before the next (default: the type's, else the queue's). */
  backoff?: { type: 'exponential' | 'fixed'; baseMs: number; maxMs?: number; jitter?: number };
  /** Its group (a customer, a tenant): within a priority, groups take turns. */
  group?: string;
}

export interface ScheduleOptions {
  /** IANA time zone of the expression; default UTC. */
  timezone?: string;
  priority?: Priority;
}

export interface WaitOptions {
  /** Default 60 s. */
  timeoutMs?: number;
  /** How often to ask; default 250 ms. */
  intervalMs?: number;
}

const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

export class JobQueueError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'JobQueueError';
  }
}

export class JobQueueClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** Submits one job; resolves with its id and status ("queued" or "scheduled"). */
  submit(jobType: string, payload: unknown, options: SubmitOptions = {}): Promise<SubmitResult> {
    const runAt = options.runAt instanceof Date ? options.runAt.toISOString() : options.runAt;
    return this.request<SubmitResult>('POST', '/submit-job', {
      job_type: jobType,
      payload,
      priority: options.priority,
      max_attempts: options.maxAttempts,
      delay_ms: options.delayMs,
      run_at: runAt,
      idempotency_key: options.idempotencyKey,
      timeout_ms: options.timeoutMs,
      group: options.group,
      backoff: options.backoff && {
        type: options.backoff.type,
        base_ms: options.backoff.baseMs,
        max_ms: options.backoff.maxMs,
        jitter: options.backoff.jitter,
      },
    });
  }

  get(jobId: string): Promise<JobRecord> {
    return this.request<JobRecord>('GET', `/jobs/status/${encodeURIComponent(jobId)}`);
  }

  /** Resolves with the record once the job is completed, failed for good or cancelled. */
  async waitFor(jobId: string, options: WaitOptions = {}): Promise<JobRecord> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const record = await this.get(jobId);
      if (FINAL_STATUSES.has(record.status)) return record;
      if (Date.now() > deadline) {
        throw new JobQueueError(0, 'timeout', `job ${jobId} is still ${record.status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }

  /**
   * Submits a job of `jobType` at every tick of `cron` (five fields, or six with seconds first);
   * replaces a schedule of the same name. The API refuses a bad expression, zone or payload.
   */
  schedule(
    name: string,
    cron: string,
    jobType: string,
    payload: unknown,
    options: ScheduleOptions = {},
  ): Promise<Schedule> {
    return this.request<Schedule>('POST', '/schedules', {
      name,
      cron,
      job_type: jobType,
      payload,
      timezone: options.timezone,
      priority: options.priority,
    });
  }

  /**
   * Changes a group's weight (turns it takes for one of another's) or max concurrency: the
   * settings given, the others kept; null puts one back to its default (weight 1, no limit).
   */
  async setGroup(
    group: string,
    settings: { weight?: number | null; maxConcurrency?: number | null },
  ): Promise<GroupSettingsInForce> {
    return this.request<GroupSettingsInForce>('PUT', `/groups/${encodeURIComponent(group)}`, {
      weight: settings.weight,
      max_concurrency: settings.maxConcurrency,
    });
  }

  /** The groups with jobs submitted lately: queued, running, completed, oldest wait. */
  groups(options: { limit?: number; cursor?: string } = {}): Promise<GroupPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    const text = query.toString();
    return this.request<GroupPage>('GET', `/groups${text ? `?${text}` : ''}`);
  }

  async schedules(): Promise<Schedule[]> {
    return (await this.request<{ schedules: Schedule[] }>('GET', '/schedules')).schedules;
  }

  async unschedule(name: string): Promise<void> {
    await this.request<unknown>('DELETE', `/schedules/${encodeURIComponent(name)}`);
  }

  /**
   * Changes a type's limits over every worker at run time: a number or {max, perMs} sets one,
   * null removes it; `{ reset: true }` goes back to what its declaration says.
   */
  async setLimits(
    jobType: string,
    change: {
      maxConcurrency?: number | null;
      rateLimit?: { max: number; perMs: number } | null;
      reset?: true;
    },
  ): Promise<JobTypeLimits> {
    const body: Record<string, unknown> = {};
    if (change.reset) body.reset = true;
    if (change.maxConcurrency !== undefined) body.max_concurrency = change.maxConcurrency;
    if (change.rateLimit !== undefined)
      body.rate_limit = change.rateLimit && {
        max: change.rateLimit.max,
        per_ms: change.rateLimit.perMs,
      };
    const reply = await this.request<{ limits: JobTypeLimits }>(
      'PATCH',
      `/job-types/${encodeURIComponent(jobType)}`,
      body,
    );
    return reply.limits;
  }

  /** Pauses the whole queue, or one job type: running jobs finish, no more start. */
  pause(jobType?: string): Promise<PauseChange> {
    return this.request<PauseChange>('POST', pausePath(jobType, 'pause'));
  }

  resume(jobType?: string): Promise<PauseChange> {
    return this.request<PauseChange>('POST', pausePath(jobType, 'resume'));
  }

  /** Cancels a job that has not finished; a running one's handler is told to stop. */
  cancel(jobId: string): Promise<JobRecord> {
    return this.request<JobRecord>('DELETE', `/jobs/${encodeURIComponent(jobId)}`);
  }

  retry(jobId: string): Promise<JobRecord> {
    return this.request<JobRecord>('POST', `/jobs/${encodeURIComponent(jobId)}/retry`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    let reply: unknown;
    try {
      reply = text ? JSON.parse(text) : undefined;
    } catch {
      reply = undefined;
    }
    if (!response.ok) {
      const error = (
        reply as { error?: { code?: string; message?: string; details?: ErrorDetail[] } }
      )?.error;
      throw new JobQueueError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `${method} ${path} answered ${response.status}`,
        error?.details ?? [],
      );
    }
    return reply as T;
  }
}

function pausePath(jobType: string | undefined, verb: 'pause' | 'resume'): string {
  return jobType === undefined
    ? `/queue/${verb}`
    : `/job-types/${encodeURIComponent(jobType)}/${verb}`;
}
