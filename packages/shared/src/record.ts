// The job record as the API returns it, decoded from the job's Redis hash.

import { parseStoredPriority } from './priority';
import { microsToIso } from './time';
import type { JobRecord, JobStatus } from './wire';

export { JOB_STATUSES, type JobRecord, type JobStatus } from './wire';

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The record of job `id` from its hash; null when the hash is empty (no such job). */
export function decodeJobRecord(id: string, hash: Record<string, string>): JobRecord | null {
  if (!hash.job_type) return null;
  return {
    job_id: id,
    job_type: hash.job_type ?? '',
    priority: parseStoredPriority(hash.priority),
    payload: parseJson(hash.payload),
    status: (hash.status ?? 'queued') as JobStatus,
    attempts: Number(hash.attempts ?? 0),
    max_attempts: Number(hash.max_attempts ?? 0),
    created_at: microsToIso(hash.created_at),
    picked_at: microsToIso(hash.picked_at),
    completed_at: microsToIso(hash.completed_at),
    failed_at: microsToIso(hash.failed_at),
    cancelled_at: microsToIso(hash.cancelled_at),
    next_attempt_at: microsToIso(hash.next_attempt_at),
    last_error: hash.last_error ?? null,
    result: parseJson(hash.result),
    idempotency_key: hash.idempotency_key ?? null,
    group: hash.group ?? null,
    progress: parseJson(hash.progress),
    logs: hash.logs ? (JSON.parse(hash.logs) as string[]) : [],
    errors: hash.errors
      ? (JSON.parse(hash.errors) as { attempt: number; error: string; at: string }[]).map(
          (entry) => ({ ...entry, at: microsToIso(entry.at) ?? entry.at }),
        )
      : [],
    timeout_ms: hash.timeout_ms ? Number(hash.timeout_ms) : null,
    backoff: hash.backoff ? (JSON.parse(hash.backoff) as JobRecord['backoff']) : null,
  };
}
