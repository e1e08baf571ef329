// A worker over HTTP for the benchmarks: it declares the no-op type on the API, then claims many
// jobs per call (POST /workers/claim) and completes each (POST /jobs/:id/complete), with
// WORKER_CONCURRENCY jobs in hand at most, as a worker in another language would.

import { nowMs } from '../child';
import { NOOP_TYPE } from '../jobs';

const api = process.env.API_URL!;
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 100);
/** Claims in flight at once, each for an equal share of the slots. */
const CLAIMERS = 2;
const agent = { 'content-type': 'application/json' };

async function post(path: string, body: unknown, method = 'POST'): Promise<unknown> {
  const response = await fetch(api + path, { method, headers: agent, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
  return response.json();
}

async function claimer(id: number): Promise<never> {
  const share = Math.max(1, Math.floor(concurrency / CLAIMERS));
  for (;;) {
    const { jobs } = (await post('/workers/claim', {
      worker_id: `bench-http-${process.pid}-${id}`,
      job_types: [NOOP_TYPE],
      max_jobs: Math.min(100, share),
      wait_ms: 1000,
    })) as { jobs: { job_id: string; lease_token: string }[] };
    await Promise.all(
      jobs.map((job) =>
        post(`/jobs/${job.job_id}/complete`, { lease_token: job.lease_token, result: null }),
      ),
    );
  }
}

async function main(): Promise<void> {
  await post(`/job-types/${NOOP_TYPE}`, { payload_schema: { type: 'object' } }, 'PUT');
  process.send?.({ type: 'started', at: nowMs() });
  await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => claimer(i)));
}

process.once('SIGTERM', () => process.exit(0));
main().catch((error: unknown) => {
  console.error('bench http worker failed:', error);
  process.exit(1);
});
