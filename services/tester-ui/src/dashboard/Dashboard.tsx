// "Dashboard": counts per status, throughput over time and the recent jobs table.
import { lazy, Suspense } from 'react';
import { useStats } from '../api/queries';
import { RecentJobs } from './RecentJobs';
import { StatusCounts } from './StatusCounts';
import { useThroughputSamples } from './useThroughputSamples';

// The charting library is most of the page's weight; the forms should not wait for it.
const ThroughputChart = lazy(() =>
  import('./ThroughputChart').then((m) => ({ default: m.ThroughputChart })),
);

export function Dashboard({ onSelectJob }: { onSelectJob: (jobId: string) => void }) {
  const stats = useStats();
  const samples = useThroughputSamples(stats.data, stats.dataUpdatedAt);
  return (
    <section className="panel dashboard" aria-labelledby="dashboard-heading">
      <h2 id="dashboard-heading">
        Dashboard {stats.data && <span className="muted">queue “{stats.data.queue}”</span>}
      </h2>
      {stats.data && <StatusCounts stats={stats.data} />}
      <Suspense fallback={<p className="muted">Loading chart…</p>}>
        <ThroughputChart samples={samples} />
      </Suspense>
      <RecentJobs onSelectJob={onSelectJob} />
    </section>
  );
}
