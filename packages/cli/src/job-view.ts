// How jobs look to a person: the status table (ID, STATUS, ATTEMPTS, PRIORITY, TYPE, UPDATED_AT)
// and one job's whole record as aligned fields.

import type { JobRecord } from '@jobqueue/shared';
import { formatTable, paintStatus, type Colors } from './output';

const TIMESTAMPS = [
  'created_at',
  'picked_at',
  'completed_at',
  'failed_at',
  'cancelled_at',
] as const;

/** The latest moment the job changed (the record keeps one timestamp per step). */
export function updatedAt(job: JobRecord): string {
  // Same ISO format throughout, so the greatest string is the latest time.
  const times = TIMESTAMPS.map((field) => job[field]).filter((time): time is string => !!time);
  return times.sort().at(-1) ?? '';
}

export function jobTable(jobs: JobRecord[], color: Colors): string[] {
  const rows = jobs.map((job) => [
    job.job_id,
    job.status,
    `${job.attempts}/${job.max_attempts}`,
    String(job.priority),
    job.job_type,
    updatedAt(job),
  ]);
  return formatTable(
    ['ID', 'STATUS', 'ATTEMPTS', 'PRIORITY', 'TYPE', 'UPDATED_AT'],
    rows,
    (text, column, row) => {
      if (row === -1) return color.bold(text);
      return column === 1 ? paintStatus(color, text) : text;
    },
  );
}

/** Every field of the record, one per line; payload and result as indented JSON. */
export function jobDetails(job: JobRecord, color: Colors): string[] {
  const entries = Object.entries(job) as [keyof JobRecord, unknown][];
  const width = Math.max(...entries.map(([key]) => key.length));
  const lines: string[] = [];
  for (const [key, value] of entries) {
    const label = color.bold(`${key}:`.padEnd(width + 1));
    if (key === 'status') lines.push(`${label} ${paintStatus(color, String(value))}`);
    else if (value !== null && typeof value === 'object') {
      const compact = JSON.stringify(value);
      const json = compact.length <= 100 ? [compact] : JSON.stringify(value, null, 2).split('\n');
      lines.push(
        `${label} ${json[0]}`,
        ...json.slice(1).map((line) => `${' '.repeat(width + 2)}${line}`),
      );
    } else lines.push(`${label} ${value === null ? color.dim('-') : String(value)}`);
  }
  return lines;
}
