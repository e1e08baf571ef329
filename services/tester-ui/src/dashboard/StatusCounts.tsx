// How many jobs are in each status right now, plus live workers, and what is paused (with the
// switch that pauses or resumes the whole queue).
import { useQueuePause } from '../api/queries';
import { JOB_STATUSES, type QueueStats } from '../api/types';

export function StatusCounts({ stats }: { stats: QueueStats }) {
  const pause = useQueuePause();
  const { paused } = stats;
  return (
    <>
      <p className="paused-state" role="status">
        {paused.queue
          ? 'The queue is paused: running jobs finish, no more start.'
          : paused.job_types.length > 0
            ? `Paused job types: ${paused.job_types.join(', ')}.`
            : 'Jobs are flowing.'}{' '}
        <button
          type="button"
          className="secondary"
          disabled={pause.isPending}
          onClick={() => pause.mutate(!paused.queue)}
        >
          {paused.queue ? 'Resume queue' : 'Pause queue'}
        </button>
      </p>
      <dl className="counts">
        {JOB_STATUSES.map((status) => (
          <div key={status} className={`count count-${status}`}>
            <dt>{status}</dt>
            <dd>{stats.counts[status] ?? 0}</dd>
          </div>
        ))}
        <div className="count">
          <dt>workers</dt>
          <dd>{stats.workers}</dd>
        </div>
      </dl>
    </>
  );
}
