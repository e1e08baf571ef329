// React Query hooks: what the page polls and how often. Polling keeps every panel current
// without a socket per panel; the event stream (logs/useEventStream.ts) is only for the log.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ListJobsQuery } from './client';
import { ApiError } from './errors';
import { FINAL_STATUSES, type SubmitJobRequest } from './types';

const JOB_POLL_MS = 1000;
const DASHBOARD_POLL_MS = 2000;
/** While a query is failing (API down), try again at this pace until it answers. */
const RECOVER_POLL_MS = 3000;
/** Workers declare types as they start: a page left open learns of them, and of their workers. */
const JOB_TYPES_POLL_MS = 10_000;

export function useJobTypes() {
  return useQuery({
    queryKey: ['job-types'],
    queryFn: api.jobTypes,
    refetchInterval: (query) =>
      query.state.status === 'error' ? RECOVER_POLL_MS : JOB_TYPES_POLL_MS,
  });
}

/** One job's record, refreshed until it reaches a final status. */
export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: ['job', jobId],
    queryFn: () => api.jobStatus(jobId as string),
    enabled: Boolean(jobId),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      if (status && FINAL_STATUSES.includes(status)) return false;
      // An unknown or malformed id will not start to exist by asking again.
      const error = query.state.error;
      if (error instanceof ApiError && error.status < 500) return false;
      return JOB_POLL_MS;
    },
  });
}

export function useStats() {
  return useQuery({ queryKey: ['stats'], queryFn: api.stats, refetchInterval: DASHBOARD_POLL_MS });
}

export function useJobList(query: ListJobsQuery) {
  return useQuery({
    queryKey: ['jobs', query],
    queryFn: () => api.listJobs(query),
    refetchInterval: DASHBOARD_POLL_MS,
    placeholderData: keepPreviousData,
  });
}

/** After anything that changes a job, refresh every view of jobs at once. */
function useInvalidateJobs() {
  const queryClient = useQueryClient();
  // Not awaited: the mutation's own result should show without waiting for the refetch.
  return () => {
    for (const key of ['job', 'jobs', 'stats'])
      void queryClient.invalidateQueries({ queryKey: [key] });
  };
}

export function useSubmitJob() {
  const invalidate = useInvalidateJobs();
  return useMutation({
    mutationFn: (request: SubmitJobRequest) => api.submitJob(request),
    onSuccess: invalidate,
  });
}

export function useRetryJob() {
  const invalidate = useInvalidateJobs();
  return useMutation({ mutationFn: api.retryJob, onSettled: invalidate });
}

export function useTypePause() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: api.setTypePaused,
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['stats'] }),
  });
}

export function useSchedules() {
  return useQuery({
    queryKey: ['schedules'],
    queryFn: api.schedules,
    refetchInterval: DASHBOARD_POLL_MS,
  });
}

export function useGroups() {
  return useQuery({
    queryKey: ['groups'],
    queryFn: api.groups,
    refetchInterval: DASHBOARD_POLL_MS,
  });
}

export function useQueuePause() {
  const invalidate = useInvalidateJobs();
  return useMutation({ mutationFn: api.setQueuePaused, onSettled: invalidate });
}

export function useCancelJob() {
  const invalidate = useInvalidateJobs();
  return useMutation({ mutationFn: api.cancelJob, onSettled: invalidate });
}
