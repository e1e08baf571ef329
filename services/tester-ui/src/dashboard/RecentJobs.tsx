// The most recent jobs, newest first, filterable by status and paged with the API's cursor.
// Retry is offered where the API allows it (failed, cancelled), Cancel likewise (not finished).
import { useState } from 'react';
import { useCancelJob, useJobList, useRetryJob } from '../api/queries';
import { JOB_STATUSES, type JobRecord, type JobStatus } from '../api/types';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime } from '../format';

const PAGE_SIZE = 10;
const RETRYABLE: JobStatus[] = ['failed', 'cancelled'];
const CANCELLABLE: JobStatus[] = ['queued', 'scheduled', 'processing'];

interface Props {
  onSelectJob: (jobId: string) => void;
}

export function RecentJobs({ onSelectJob }: Props) {
  const [status, setStatus] = useState<JobStatus | ''>('');
  // Cursors of the pages before this one; the last entry is the current page's cursor.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const jobs = useJobList({ status, limit: PAGE_SIZE, cursor });
  const retry = useRetryJob();
  const cancel = useCancelJob();
  const actionError = retry.error ?? cancel.error;

  const changeStatus = (next: JobStatus | '') => {
    setStatus(next);
    setCursors([null]);
  };
  const nextCursor = jobs.data?.next_cursor ?? null;

  return (
    <div className="recent-jobs">
      <div className="toolbar">
        <h3 id="recent-heading">Recent jobs</h3>
        <div className="field">
          <label htmlFor="jobs-status-filter">Status</label>
          <select
            id="jobs-status-filter"
            value={status}
            onChange={(event) => changeStatus(event.target.value as JobStatus | '')}
          >
            <option value="">all</option>
            {JOB_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
      </div>
      {actionError && (
        <p role="alert" className="notice error">
          {actionError.message}
        </p>
      )}
      {jobs.isError && !jobs.data && (
        <p className="muted">Jobs could not be loaded: {jobs.error.message}</p>
      )}
      <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="recent-heading">
        <table>
          <thead>
            <tr>
              <th scope="col">Job ID</th>
              <th scope="col">Type</th>
              <th scope="col">Priority</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data?.jobs.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No jobs{status && ` with status ${status}`}.
                </td>
              </tr>
            )}
            {jobs.data?.jobs.map((job) => (
              <JobRow
                key={job.job_id}
                job={job}
                onSelect={() => onSelectJob(job.job_id)}
                onRetry={() => retry.mutate(job.job_id)}
                onCancel={() => cancel.mutate(job.job_id)}
                busy={retry.isPending || cancel.isPending}
              />
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Jobs pages">
        <button
          type="button"
          disabled={cursors.length < 2}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!nextCursor}
          onClick={() => setCursors([...cursors, nextCursor])}
        >
          Next page
        </button>
      </nav>
    </div>
  );
}

interface RowProps {
  job: JobRecord;
  onSelect: () => void;
  onRetry: () => void;
  onCancel: () => void;
  busy: boolean;
}

function JobRow({ job, onSelect, onRetry, onCancel, busy }: RowProps) {
  return (
    <tr data-job-id={job.job_id}>
      <td>
        <button
          type="button"
          className="link"
          onClick={onSelect}
          aria-label={`Show status of job ${job.job_id}`}
        >
          <code>{job.job_id}</code>
        </button>
      </td>
      <td>{job.job_type}</td>
      <td>{String(job.priority)}</td>
      <td>
        <StatusBadge status={job.status} />
      </td>
      <td>
        {job.attempts}/{job.max_attempts}
      </td>
      <td>{formatDateTime(job.created_at)}</td>
      <td>
        <div className="actions">
          {RETRYABLE.includes(job.status) && (
            <button
              type="button"
              onClick={onRetry}
              disabled={busy}
              aria-label={`Retry job ${job.job_id}`}
            >
              Retry
            </button>
          )}
          {CANCELLABLE.includes(job.status) && (
            <button
              type="button"
              onClick={onCancel}
              disabled={busy}
              aria-label={`Cancel job ${job.job_id}`}
            >
              Cancel
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
