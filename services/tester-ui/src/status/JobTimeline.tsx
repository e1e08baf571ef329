// created -> picked -> completed / failed / cancelled, with the time each step took.
// While a retry is pending the last step is the next attempt instead.
import type { JobRecord } from '../api/types';
import { formatDateTime, formatDuration, millisBetween } from '../format';

interface Step {
  label: string;
  at: string | null | undefined;
  /** What the time since the previous step was spent on. */
  took?: string;
  since?: string | null;
}

function steps(job: JobRecord): Step[] {
  const created: Step = { label: 'Created', at: job.created_at };
  const picked: Step = {
    label: 'Picked',
    at: job.picked_at,
    took: 'waited',
    since: job.created_at,
  };
  switch (job.status) {
    case 'completed':
      return [
        created,
        picked,
        { label: 'Completed', at: job.completed_at, took: 'ran', since: job.picked_at },
      ];
    case 'failed':
      return [
        created,
        picked,
        { label: 'Failed', at: job.failed_at, took: 'ran', since: job.picked_at },
      ];
    case 'cancelled':
      return [
        created,
        ...(job.picked_at ? [picked] : []),
        { label: 'Cancelled', at: job.cancelled_at },
      ];
    case 'scheduled':
      return [
        created,
        ...(job.picked_at ? [picked] : []),
        { label: 'Next attempt', at: job.next_attempt_at },
      ];
    default:
      return [created, picked];
  }
}

export function JobTimeline({ job }: { job: JobRecord }) {
  return (
    <ol className="timeline" aria-label="Timeline">
      {steps(job).map((step) => {
        const took = millisBetween(step.since, step.at);
        return (
          <li key={step.label} className={step.at ? 'done' : 'pending'}>
            <span className="timeline-label">{step.label}</span>
            <span className="timeline-time">{step.at ? formatDateTime(step.at) : 'not yet'}</span>
            {step.took && took !== null && (
              <span className="timeline-took">
                {step.took} {formatDuration(took)}
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}
