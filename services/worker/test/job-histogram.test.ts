// The worker's per-job histogram against prom-client's own: the same observations must give the
// same exposition, sample for sample.

import { Histogram, Registry } from 'prom-client';
import { JobHistogram } from '../src/job-histogram';

const config = {
  name: 'jobs_run_seconds',
  help: 'How long jobs ran',
  labelNames: ['job_type', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.5, 1, 300],
};

/** Each sample as `name{labels sorted} value`, sorted: label order is not part of the format. */
function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = (match[2] ?? '').split(',').sort().join(',');
      return `${match[1]}{${labels}} ${Number(match[3])}`;
    })
    .sort();
}

test('gives the samples prom-client gives for the same observations', async () => {
  const theirs = new Registry();
  const ours = new Registry();
  for (const registry of [theirs, ours]) registry.setDefaultLabels({ queue: 'q', worker_id: 'w' });
  const histogram = new Histogram({
    ...config,
    labelNames: [...config.labelNames],
    registers: [theirs],
  });
  const job = new JobHistogram({ ...config, registers: [ours] });
  const observations: [string, string, number][] = [
    ['send_email', 'completed', 0],
    ['send_email', 'completed', 0.005], // on a bound: counted in it
    ['send_email', 'completed', 0.0051],
    ['send_email', 'completed', 0.7],
    ['send_email', 'completed', 301], // past the last bound: +Inf only
    ['send_email', 'failed', 2],
    ['resize "image"', 'completed', 0.01],
  ];
  for (const [jobType, outcome, seconds] of observations) {
    histogram.observe({ job_type: jobType, outcome }, seconds);
    job.labels({ job_type: jobType, outcome }).observe(seconds);
  }

  const expected = samples(await theirs.metrics());
  expect(expected).toContain(
    'jobs_run_seconds_bucket{job_type="send_email",le="0.005",outcome="completed",queue="q",worker_id="w"} 2',
  );
  expect(samples(await ours.metrics())).toEqual(expected);
  expect(await ours.metrics()).toContain('# TYPE jobs_run_seconds histogram');
});

test('a series handed out before a reset counts from zero after it, shown once observed', async () => {
  const registry = new Registry();
  const job = new JobHistogram({ ...config, registers: [registry] });
  const series = job.labels({ job_type: 'send_email', outcome: 'completed' });
  job.labels({ job_type: 'never_observed', outcome: 'completed' });
  series.observe(0.2);
  registry.resetMetrics();
  expect(samples(await registry.metrics())).toEqual([]); // as prom-client's after a reset
  series.observe(2);
  const text = samples(await registry.metrics());
  expect(text.join('\n')).not.toContain('never_observed');
  expect(text).toContain('jobs_run_seconds_count{job_type="send_email",outcome="completed"} 1');
  expect(text).toContain('jobs_run_seconds_sum{job_type="send_email",outcome="completed"} 2');
});

test('refuses what prom-client refuses: a bad name, le as a label, bad buckets, a label not its own', () => {
  expect(() => new JobHistogram({ ...config, name: 'run-seconds', registers: [] })).toThrow(
    'not a valid metric name',
  );
  expect(() => new JobHistogram({ ...config, labelNames: ['le'], registers: [] })).toThrow(
    'le is reserved',
  );
  for (const buckets of [[], [1, 1], [0.5, NaN]])
    expect(() => new JobHistogram({ ...config, buckets, registers: [] })).toThrow('buckets');
  const job = new JobHistogram({ ...config, registers: [] });
  expect(() =>
    job.labels({ job_type: 'send_email', outcome: 'completed', queue: 'q' } as never),
  ).toThrow('queue is not one of its labels');
});

test('refuses a value that is not a number, and a missing label', () => {
  const job = new JobHistogram({ ...config, registers: [] });
  expect(() => job.labels({ job_type: 'send_email', outcome: 'completed' }).observe(NaN)).toThrow(
    'not a valid number',
  );
  expect(() => job.labels({ job_type: 'send_email' } as never)).toThrow('label outcome is missing');
});
