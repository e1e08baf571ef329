// A job status as a coloured label; the colour only repeats what the word says.
import type { JobStatus } from '../api/types';

export function StatusBadge({ status }: { status: JobStatus }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}
