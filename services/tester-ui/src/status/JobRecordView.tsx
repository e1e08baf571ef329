// The record of one job: badge, timeline, attempts, retry time, last error, what its handler
// reported (progress and log lines), raw JSON.
import type { JobRecord } from '../api/types';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime, formatDuration } from '../format';
import { JobTimeline } from './JobTimeline';

function NextAttempt({ at }: { at: string }) {
  const inMs = Date.parse(at) - Date.now();
  return (
    <p>
      Next attempt at {formatDateTime(at)}
      {inMs > 0 && ` (in ${formatDuration(inMs)})`}
    </p>
  );
}

export function JobRecordView({ job, live }: { job: JobRecord; live: boolean }) {
  return (
    <article className="job-record" aria-label={`Job ${job.job_id}`}>
      <p className="job-summary">
        <StatusBadge status={job.status} />
        <span>
          {job.job_type}, priority {String(job.priority)}
        </span>
        <span>
          Attempts {job.attempts}/{job.max_attempts}
        </span>
        {live && <span className="muted">updating live…</span>}
      </p>
      <JobTimeline job={job} />
      {job.status === 'scheduled' && job.next_attempt_at && (
        <NextAttempt at={job.next_attempt_at} />
      )}
      {job.last_error && (
        <p className="last-error">
          <strong>Last error:</strong> {job.last_error}
        </p>
      )}
      {job.errors?.length > 1 && (
        <section aria-label="Failed attempts">
          <h3>Failed attempts</h3>
          <ol className="job-errors">
            {job.errors.map((entry) => (
              <li key={`${entry.attempt}-${entry.at}`}>
                Attempt {entry.attempt}: {entry.error}
              </li>
            ))}
          </ol>
        </section>
      )}
      {job.progress !== null && job.progress !== undefined && (
        <p className="job-progress">
          <strong>Progress:</strong> {formatProgress(job.progress)}
        </p>
      )}
      {job.logs?.length > 0 && (
        <section aria-label="Lines the job logged">
          <h3>Job log</h3>
          <ol className="job-logs">
            {job.logs.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ol>
        </section>
      )}
      <details open>
        <summary>Raw JSON</summary>
        <pre className="raw-json" tabIndex={0} aria-label="Raw JSON of the job">
          {JSON.stringify(job, null, 2)}
        </pre>
      </details>
    </article>
  );
}

/** A number reads as a percentage when it is one (0..100); anything else as its JSON. */
function formatProgress(progress: unknown): string {
  if (typeof progress === 'number' && progress >= 0 && progress <= 100) return `${progress} %`;
  return JSON.stringify(progress);
}
