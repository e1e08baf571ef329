// How many jobs are in each status right now, plus live workers.
import { JOB_STATUSES, type QueueStats } from '../api/types';

export function StatusCounts({ stats }: { stats: QueueStats }) {
  return (
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
  );
}
