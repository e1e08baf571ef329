// Submissions the way clients make them: one POST /submit-job each over keep-alive HTTP, so many
// in flight at once, optionally paced at a fixed rate (open loop: a slow reply does not slow the
// schedule, it only fills the in-flight budget). Every reply is kept: status, time, job id.

import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Submission {
  /** HTTP status; 0 when no reply came (connection refused, reset or timed out). */
  status: number;
  /** When it was sent, ms since the run started, and how long the reply took. */
  sentMs: number;
  latencyMs: number;
  jobId?: string;
  /** The error body's code, or the network error's message. */
  error?: string;
}

export interface SubmitOptions {
  count: number;
  /** The JSON body of submission i. */
  body: (i: number) => unknown;
  /** Most requests in flight at once. */
  concurrency: number;
  /** Submissions per second; unset: as fast as replies come. */
  ratePerSecond?: number;
  /** A reply slower than this counts as none (status 0). */
  timeoutMs?: number;
  /** Told about each reply as it comes. */
  onReply?: (submission: Submission) => void;
}

export function chaosJobBody(durationMs: number, extra: Record<string, unknown> = {}): unknown {
  return { job_type: 'chaos', payload: { duration_ms: durationMs }, ...extra };
}

/**
 * Job i's group: the faults are met with groups taking turns (and with a max_concurrency on one
 * of them, where a scenario sets it), one job in eight of no group.
 */
export function tenantOf(i: number): Record<string, unknown> {
  return i % 8 === 7 ? {} : { group: `tenant-${i % 7}` };
}

export async function submitJobs(apiUrl: string, options: SubmitOptions): Promise<Submission[]> {
  const results: Submission[] = new Array(options.count);
  // node:http with keep-alive costs the client a fraction of what fetch does per request, which
  // matters when the client shares two cores with everything it measures.
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(apiUrl);
  const started = performance.now();
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < options.count; i = next++) {
      if (options.ratePerSecond) {
        const due = (i * 1000) / options.ratePerSecond;
        const wait = due - (performance.now() - started);
        if (wait > 0) await sleep(wait);
      }
      const sentMs = performance.now() - started;
      const reply = await post(target, agent, options.body(i), options.timeoutMs ?? 10_000);
      const submission = { ...reply, sentMs, latencyMs: performance.now() - started - sentMs };
      results[i] = submission;
      options.onReply?.(submission);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, sender));
  } finally {
    agent.destroy();
  }
  return results;
}

type Reply = Pick<Submission, 'status' | 'jobId' | 'error'>;

function post(target: URL, agent: Agent, body: unknown, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/submit-job',
        headers: { 'content-type': 'application/json' },
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => resolve({ status: 0, error: error.message }));
        res.on('end', () => {
          let reply: { job_id?: string; error?: { code?: string } } = {};
          try {
            reply = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // not JSON: the status says enough
          }
          resolve({ status: res.statusCode ?? 0, jobId: reply.job_id, error: reply.error?.code });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, error: error.code ?? error.message }),
    );
    req.end(JSON.stringify(body));
  });
}

export function acknowledgedIds(submissions: Submission[]): string[] {
  return submissions
    .filter((s) => s.status >= 200 && s.status < 300 && s.jobId)
    .map((s) => s.jobId as string);
}

/** The largest value, 0 for none (Math.max(...values) overflows the stack on big runs). */
export function maxOf(values: number[]): number {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  return max;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? 0;
}
