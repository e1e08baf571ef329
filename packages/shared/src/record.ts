// The job record as the API returns it, decoded from the job's Redis hash.

import { parseStoredPriority, type Priority } from './priority';
import { microsToIso } from './time';

export const JOB_STATUSES = [
  'queued',
  'scheduled',
  'processing',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

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
}

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
  };
}
