// A Prometheus histogram cheap enough to observe twice for every job. prom-client's Histogram
// checks and hashes the label set, allocates, and finds the bucket by its name on every
// observation, which a busy worker paid per job (measured: bench/README.md). Here each label
// set's series is made once, and an observation is a search over the bounds and three
// additions. prom-client's registry serves it as one of its own: it reads the same `get()`.

import type { Metric, Registry } from 'prom-client';

export interface JobHistogramOptions<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  /** Upper bounds, ascending; +Inf is added. */
  buckets: readonly number[];
  registers: Registry[];
}

/** One line of the exposition, as prom-client's own metrics give it. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface HistogramSeries {
  observe(value: number): void;
}

class Series implements HistogramSeries {
  /** Observations per bucket, not cumulative; the last is +Inf's own. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }
}

export class JobHistogram<Label extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly Label[];
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(options: JobHistogramOptions<Label>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = [...options.buckets];
    // The checks prom-client's Histogram makes of its configuration.
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(this.name))
      throw new Error(`${this.name}: not a valid metric name`);
    if (this.labelNames.includes('le' as Label)) throw new Error(`${this.name}: le is reserved`);
    const ascending = this.bounds.every(
      (bound, i) => Number.isFinite(bound) && (i === 0 || bound > this.bounds[i - 1]!),
    );
    if (this.bounds.length === 0 || !ascending)
      throw new Error(`${this.name}: buckets must be finite and ascending`);
    for (const registry of options.registers)
      registry.registerMetric(this as unknown as Metric<string>);
  }

  /** The series of one label set, made on first use: keep it and observe on it. */
  labels(labels: Record<Label, string>): HistogramSeries {
    const values = this.labelNames.map((name) => {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`${this.name}: label ${name} is missing`);
      return value;
    });
    const extra = Object.keys(labels).find((name) => !this.labelNames.includes(name as Label));
    if (extra !== undefined) throw new Error(`${this.name}: ${extra} is not one of its labels`);
    const key = values.join('\n');
    let series = this.series.get(key);
    if (series === undefined) {
      const own = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!]));
      series = new Series(this.bounds, own);
      this.series.set(key, series);
    }
    return series;
  }

  /** Zeroes every series; series already handed out stay in use. */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** What prom-client's registry reads, in the shape its own histograms give. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: Sample[];
    aggregator: 'sum';
  }> {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      // As prom-client: a series is shown once it has an observation (a reset hides it again).
      if (series.count === 0) continue;
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({
          labels: { le: bound, ...series.labels },
          value: cumulative,
          metricName: bucketName,
        });
      });
      values.push(
        { labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: bucketName },
        { labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` },
        { labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}
