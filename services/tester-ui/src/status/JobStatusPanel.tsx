// "Check Job Status": one job's record, kept current until it is final. The id comes from
// the box, from a submitted job, or from a row of the jobs table.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/errors';
import { useJob } from '../api/queries';
import { FINAL_STATUSES } from '../api/types';
import { JobRecordView } from './JobRecordView';

interface Props {
  jobId: string | null;
  onCheck: (jobId: string) => void;
}

export function JobStatusPanel({ jobId, onCheck }: Props) {
  const [draft, setDraft] = useState(jobId ?? '');
  // A job picked elsewhere on the page replaces whatever was typed.
  useEffect(() => setDraft(jobId ?? ''), [jobId]);
  const job = useJob(jobId);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const id = draft.trim();
    // Checking the job already shown asks the API again rather than doing nothing.
    if (id && id === jobId) void job.refetch();
    else if (id) onCheck(id);
  };

  return (
    <section className="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">Check Job Status</h2>
      <form className="inline-form" onSubmit={submit}>
        <div className="field grow">
          <label htmlFor="status-job-id">Job ID</label>
          <input
            id="status-job-id"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <button type="submit">Check Status</button>
      </form>
      <div aria-live="polite">
        {!jobId && <p className="muted">Submit a job or enter its ID.</p>}
        {jobId && job.isPending && <p>Loading…</p>}
        {job.isError && !job.data && (
          <p className="notice error">{describeError(job.error, jobId)}</p>
        )}
      </div>
      {job.data && (
        <JobRecordView job={job.data} live={!FINAL_STATUSES.includes(job.data.status)} />
      )}
    </section>
  );
}

function describeError(error: Error, jobId: string | null): string {
  if (error instanceof ApiError && error.status === 404) return `No job with ID ${jobId}.`;
  return error.message;
}
