// The ledger: every execution of a chaos job, written by the worker that ran it to an append-only
// file of its own, outside Redis. It is the witness the queue's own records are checked against:
// what ran, how often, where. A `start` line is written before the work, a `done` line after it;
// a line reaches the kernel at once (one write per line), so a SIGKILL never loses one.

import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type LedgerEvent = 'start' | 'done';

export interface LedgerEntry {
  event: LedgerEvent;
  jobId: string;
  attempt: number;
  workerId: string;
  timeMs: number;
}

const SUFFIX = '.ledger';

export class LedgerWriter {
  private readonly fd: number;

  constructor(
    dir: string,
    private readonly workerId: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(join(dir, `${sanitize(workerId)}${SUFFIX}`), 'a');
  }

  record(event: LedgerEvent, jobId: string, attempt: number): void {
    writeSync(this.fd, `${event}\t${jobId}\t${attempt}\t${this.workerId}\t${Date.now()}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every entry of every worker's file in `dir`. */
export function readLedger(dir: string): LedgerEntry[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith(SUFFIX));
  } catch {
    return [];
  }
  const entries: LedgerEntry[] = [];
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const [event, jobId, attempt, workerId, time] = line.split('\t');
      if ((event !== 'start' && event !== 'done') || !jobId || !workerId) continue;
      entries.push({ event, jobId, attempt: Number(attempt), workerId, timeMs: Number(time) });
    }
  }
  return entries;
}

/** Per job: how many executions started and how many ran to the end. */
export interface ExecutionCounts {
  started: number;
  done: number;
  workers: Set<string>;
  /** Attempt numbers that started more than once: one lease handed out twice. */
  repeatedAttempts: number;
}

export function countExecutions(entries: LedgerEntry[]): Map<string, ExecutionCounts> {
  const counts = new Map<string, ExecutionCounts>();
  const startedAttempts = new Set<string>();
  for (const entry of entries) {
    let c = counts.get(entry.jobId);
    if (!c)
      counts.set(
        entry.jobId,
        (c = { started: 0, done: 0, workers: new Set(), repeatedAttempts: 0 }),
      );
    if (entry.event === 'start') {
      c.started++;
      const attempt = `${entry.jobId}\t${entry.attempt}`;
      if (startedAttempts.has(attempt)) c.repeatedAttempts++;
      startedAttempts.add(attempt);
    } else c.done++;
    c.workers.add(entry.workerId);
  }
  return counts;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}
