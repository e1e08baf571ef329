// "Job types and schedules": each type with its live workers and limits, paused or flowing (with
// the switch), and the cron schedules with their next runs.
import { useJobTypes, useSchedules, useStats, useTypePause } from '../api/queries';
import type { JobType } from '../api/types';

function describeLimits(limits: JobType['limits']): string {
  const parts = [];
  if (limits?.max_concurrency !== undefined)
    parts.push(`at most ${limits.max_concurrency} at once`);
  if (limits?.rate_limit)
    parts.push(`at most ${limits.rate_limit.max} per ${limits.rate_limit.per_ms} ms`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export function Operations() {
  const jobTypes = useJobTypes();
  const stats = useStats();
  const schedules = useSchedules();
  const pause = useTypePause();
  const paused = new Set(stats.data?.paused.job_types ?? []);
  return (
    <section className="panel operations" aria-labelledby="operations-heading">
      <h2 id="operations-heading">Job types and schedules</h2>
      {/* Scrolls sideways on its own on a narrow screen, not the page. */}
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Job types table">
        <table>
          <caption className="visually-hidden">Job types</caption>
          <thead>
            <tr>
              <th scope="col">Job type</th>
              <th scope="col">Workers</th>
              <th scope="col">Limits</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {(jobTypes.data ?? []).map((type) => {
              const isPaused = paused.has(type.job_type);
              return (
                <tr key={type.job_type}>
                  <td>{type.job_type}</td>
                  <td>{type.workers ?? 0}</td>
                  <td>{describeLimits(type.limits)}</td>
                  <td>
                    {isPaused ? 'paused' : 'flowing'}{' '}
                    <button
                      type="button"
                      className="secondary"
                      disabled={pause.isPending}
                      onClick={() => pause.mutate({ jobType: type.job_type, paused: !isPaused })}
                    >
                      {isPaused ? `Resume ${type.job_type}` : `Pause ${type.job_type}`}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>Schedules</h3>
      {schedules.data?.length ? (
        <ul className="schedules">
          {schedules.data.map((schedule) => (
            <li key={schedule.name}>
              <strong>{schedule.name}</strong> {schedule.cron} ({schedule.timezone}):{' '}
              {schedule.job_type}, next {schedule.next_run_at ?? '—'}
              {schedule.last_run?.error ? (
                <span className="last-error">
                  {' '}
                  (last tick {schedule.last_run.at} submitted nothing: {schedule.last_run.error})
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No schedules (POST /schedules or queuectl schedule add).</p>
      )}
    </section>
  );
}
