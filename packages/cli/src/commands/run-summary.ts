// What `queuectl run` did: the jobs its worker picked (from the events stream) and how each one
// stands now, plus what is left scheduled for later.

import type { JobQueue, JobStatus } from '@jobqueue/shared';

export interface RunSummary {
  message: string;
  ran: number;
  completed: number;
  failed: number;
  /** Jobs it ran whose attempt failed and that wait for their retry. */
  retrying: number;
  /** Everything scheduled in the queue (retries and delayed jobs), and when the first is due. */
  scheduled: number;
  next_due_at: string | null;
}

const PAGE = 1000;

export async function summarizeRun(
  queue: JobQueue,
  afterEventId: string,
  workerId: string,
): Promise<RunSummary> {
  const picked = new Set<string>();
  for (let after = afterEventId; ;) {
    const events = await queue.events(after, PAGE);
    for (const event of events)
      if (event.type === 'picked' && event.worker_id === workerId) picked.add(event.job_id);
    if (events.length < PAGE) break;
    after = events.at(-1)!.id;
  }
  const statuses: (JobStatus | undefined)[] = [];
  for (const id of picked) statuses.push((await queue.get(id))?.status);
  const count = (status: JobStatus) => statuses.filter((s) => s === status).length;
  const [, firstDue] = await queue.redis.zrange(queue.keys.scheduled, 0, 0, 'WITHSCORES');
  const summary = {
    ran: picked.size,
    completed: count('completed'),
    failed: count('failed'),
    retrying: count('scheduled'),
    scheduled: await queue.redis.zcard(queue.keys.scheduled),
    next_due_at: firstDue ? new Date(Number(firstDue)).toISOString() : null,
  };
  return { message: describe(summary), ...summary };
}

function describe(s: Omit<RunSummary, 'message'>): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const ran =
    s.ran === 0
      ? 'Nothing ready to run'
      : `Ran ${plural(s.ran, 'job')}: ${s.completed} completed, ${s.failed} failed, ${s.retrying} waiting to retry`;
  if (s.scheduled === 0) return `${ran}; nothing left to run`;
  return `${ran}; ${plural(s.scheduled, 'job')} scheduled for later (next at ${s.next_due_at}): run again then, or use queuectl worker`;
}
