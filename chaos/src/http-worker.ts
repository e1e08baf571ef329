// A worker that talks to the api over HTTP only, for the chaos runs of workers over HTTP: it
// claims `chaos` jobs (POST /workers/claim, waiting for work), renews their leases while they run,
// writes the ledger as the Node chaos worker does, and completes them. It holds no Redis
// connection: killed, it leaves its jobs to the api's recovery.

import { setTimeout as sleep } from 'node:timers/promises';
import { LedgerWriter } from './ledger';

interface HandedOut {
  job_id: string;
  lease_token: string;
  payload: { duration_ms: number };
  attempt: number;
}

const api = required('CHAOS_API_URL');
const workerId = required('WORKER_ID');
const ledger = new LedgerWriter(required('CHAOS_LEDGER_DIR'), workerId);
const leaseMs = Number(process.env.JOB_LEASE_MS ?? 30_000);
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 10);
let running = 0;
let stopping = false;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(api + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(40_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function run(job: HandedOut): Promise<void> {
  const renew = setInterval(() => {
    void post(`/jobs/${job.job_id}/heartbeat`, { lease_token: job.lease_token }).catch(
      () => undefined,
    );
  }, leaseMs / 3);
  try {
    ledger.record('start', job.job_id, job.attempt);
    await sleep(job.payload.duration_ms);
    ledger.record('done', job.job_id, job.attempt);
    const done = await post(`/jobs/${job.job_id}/complete`, {
      lease_token: job.lease_token,
      result: { attempt: job.attempt },
    });
    if (done.status === 409) console.log(`job ${job.job_id} finished but its lease was lost`);
  } finally {
    clearInterval(renew);
    running--;
  }
}

async function main(): Promise<void> {
  console.log(`http worker ${workerId} claiming from ${api}`);
  while (!stopping) {
    if (running >= concurrency) {
      await sleep(5);
      continue;
    }
    try {
      const { status, body } = await post<{ jobs: HandedOut[] }>('/workers/claim', {
        worker_id: workerId,
        job_types: ['chaos'],
        max_jobs: concurrency - running,
        wait_ms: 2000,
      });
      if (status !== 200) throw new Error(`claim answered ${status}`);
      for (const job of body.jobs) {
        running++;
        void run(job).catch((error: unknown) => console.error(`job ${job.job_id}:`, error));
      }
    } catch (error) {
      console.error('claim failed; trying again:', (error as Error).message);
      await sleep(200);
    }
  }
}

process.on('SIGTERM', () => {
  stopping = true;
  const waitForJobs = setInterval(() => {
    if (running === 0) {
      ledger.close();
      process.exit(0);
    }
  }, 20);
  waitForJobs.unref();
});
void main();
