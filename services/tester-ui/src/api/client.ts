// Every call to the API goes through apiFetch: it prefixes /api (the UI server forwards it),
// adds the Bearer token when there is one, and turns failures into ApiError / ApiUnreachableError.
import { currentToken, tokenRequired } from '../auth/tokenStore';
import { ApiUnreachableError, errorFromResponse } from './errors';
import type {
  JobList,
  JobRecord,
  JobStatus,
  JobType,
  GroupListing,
  Schedule,
  QueueStats,
  SubmitJobRequest,
  SubmitJobResponse,
} from './types';

export const API_BASE = '/api';
const GROUPS_SHOWN = 20;

export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      ...init,
      headers: { Accept: 'application/json', ...authHeaders(), ...init.headers },
    });
  } catch (cause) {
    // fetch only rejects when nothing answered: the page's own server is gone too.
    throw new ApiUnreachableError(`No answer from the server: ${(cause as Error).message}`);
  }
  if (response.status === 401) tokenRequired();
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}

function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  return apiFetch<T>(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export interface ListJobsQuery {
  status?: JobStatus | '';
  job_type?: string;
  limit?: number;
  cursor?: string | null;
}

export const api = {
  jobTypes: () => apiFetch<{ job_types: JobType[] }>('/job-types').then((body) => body.job_types),
  submitJob: (request: SubmitJobRequest) =>
    sendJson<SubmitJobResponse>('POST', '/submit-job', request),
  jobStatus: (jobId: string) => apiFetch<JobRecord>(`/jobs/status/${encodeURIComponent(jobId)}`),
  listJobs: (query: ListJobsQuery) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    return apiFetch<JobList>(`/jobs?${params.toString()}`);
  },
  retryJob: (jobId: string) =>
    sendJson<unknown>('POST', `/jobs/${encodeURIComponent(jobId)}/retry`),
  cancelJob: (jobId: string) => sendJson<unknown>('DELETE', `/jobs/${encodeURIComponent(jobId)}`),
  stats: () => apiFetch<QueueStats>('/stats'),
  /** Pauses or resumes one job type. */
  setTypePaused: ({ jobType, paused }: { jobType: string; paused: boolean }) =>
    sendJson<unknown>(
      'POST',
      `/job-types/${encodeURIComponent(jobType)}/${paused ? 'pause' : 'resume'}`,
    ),
  schedules: () => apiFetch<{ schedules: Schedule[] }>('/schedules').then((body) => body.schedules),
  /** The most recently active groups (one page). */
  groups: () =>
    apiFetch<{ groups: GroupListing[] }>(`/groups?limit=${GROUPS_SHOWN}`).then(
      (body) => body.groups,
    ),
  /** Pauses or resumes the whole queue. */
  setQueuePaused: (paused: boolean) =>
    sendJson<unknown>('POST', `/queue/${paused ? 'pause' : 'resume'}`),
};
