// The audit after a run: waits until the queue has nothing left to do, then checks every
// acknowledged job against its record in Redis and the ledger, Jepsen-style. A job is lost when
// it was acknowledged (2xx) and did not end: its record is not completed or failed, or it says
// completed while no worker ever ran it to the end. Duplicates are executions run to the end
// beyond the first one of a job.

import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import type { QueueKeys } from '@jobqueue/shared';
import { countExecutions, readLedger, type ExecutionCounts } from './ledger';

export interface Audit {
  acknowledged: number;
  completed: number;
  failed: number;
  /** Ended cancelled, as the scenario asked. */
  cancelled: number;
  lost: string[];
  duplicates: number;
  /**
   * Attempts that started twice. Every run after the first must come from a new claim with a
   * higher attempt number (the lease had expired); the same attempt twice means one lease was
   * handed to two workers at once.
   */
  repeatedAttempts: number;
  /** Jobs run to the end although their submission got no 2xx (the reply was lost). */
  unacknowledgedRuns: number;
  executions: Map<string, ExecutionCounts>;
  records: Map<string, JobState>;
}

export interface JobState {
  status: string | null;
  attempts: number;
  lastError: string | null;
}

/** Resolves with ms waited once queued, scheduled and active are all empty; -1 on timeout. */
export async function waitForDrain(
  redis: Redis,
  keys: QueueKeys,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const left = await redis
      .multi()
      .zcard(keys.queued)
      .zcard(keys.scheduled)
      .zcard(keys.active)
      .exec();
    if (left && left.every(([error, n]) => !error && n === 0)) return Date.now() - started;
    await sleep(100);
  }
  return -1;
}

export async function readStates(
  redis: Redis,
  keys: QueueKeys,
  ids: string[],
): Promise<Map<string, JobState>> {
  const states = new Map<string, JobState>();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const pipeline = redis.pipeline();
    for (const id of chunk) pipeline.hmget(keys.job(id), 'status', 'attempts', 'last_error');
    const replies = (await pipeline.exec()) ?? [];
    chunk.forEach((id, n) => {
      const [, fields] = replies[n] ?? [];
      const [status, attempts, lastError] = (fields as (string | null)[] | undefined) ?? [];
      states.set(id, {
        status: status ?? null,
        attempts: Number(attempts ?? 0),
        lastError: lastError ?? null,
      });
    });
  }
  return states;
}

/**
 * Follows acknowledged jobs during a long run and remembers how each one ended as soon as its
 * record says so: a finished job's record expires after its retention time, which in a long run
 * can come before the audit. A job never seen ended whose record is gone counts as lost.
 */
export class EndWatcher {
  readonly ended = new Map<string, JobState>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: QueueKeys,
  ) {}

  add(id: string): void {
    this.pending.add(id);
  }

  /** Reads the records of the jobs not seen ended yet. */
  async sweep(): Promise<void> {
    const states = await readStates(this.redis, this.keys, [...this.pending]);
    for (const [id, state] of states) {
      if (state.status !== 'completed' && state.status !== 'failed') continue;
      this.ended.set(id, state);
      this.pending.delete(id);
    }
  }
}

export async function audit(
  redis: Redis,
  keys: QueueKeys,
  acknowledgedIds: string[],
  ledgerDir: string,
  /** Jobs the scenario submitted on the side (probes): neither audited nor unexpected. */
  sideIds: string[] = [],
  /** How jobs whose records may have expired since were seen to end (EndWatcher). */
  seenEnded: Map<string, JobState> = new Map(),
  /** Jobs the scenario cancelled (the API said so): ending cancelled is their end. */
  cancelledIds: ReadonlySet<string> = new Set(),
): Promise<Audit> {
  const acked = [...new Set(acknowledgedIds)];
  const records = await readStates(redis, keys, acked);
  for (const [id, state] of records) {
    const seen = seenEnded.get(id);
    if (state.status === null && seen) records.set(id, seen);
  }
  const executions = countExecutions(readLedger(ledgerDir));
  let completed = 0;
  let failed = 0;
  let cancelled = 0;
  const lost: string[] = [];
  for (const id of acked) {
    const status = records.get(id)?.status;
    const ranToEnd = (executions.get(id)?.done ?? 0) > 0;
    if (status === 'completed' && ranToEnd) completed++;
    else if (status === 'failed') failed++;
    else if (status === 'cancelled' && cancelledIds.has(id)) cancelled++;
    else lost.push(id);
  }
  let duplicates = 0;
  let repeatedAttempts = 0;
  let unacknowledgedRuns = 0;
  const ackedSet = new Set([...acked, ...sideIds]);
  for (const [id, counts] of executions) {
    duplicates += Math.max(0, counts.done - 1);
    repeatedAttempts += counts.repeatedAttempts;
    if (!ackedSet.has(id) && counts.done > 0) unacknowledgedRuns++;
  }
  return {
    acknowledged: acked.length,
    completed,
    failed,
    cancelled,
    lost,
    duplicates,
    repeatedAttempts,
    unacknowledgedRuns,
    executions,
    records,
  };
}
