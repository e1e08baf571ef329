// Workers in any language, over HTTP: declare a job type, claim jobs (waiting up to 30 s for one),
// renew a lease, complete or fail a job. Each runs the scripts a Node worker runs
// (RemoteWorkers), so a lost lease answers 409 as a late Node completion is refused.

import type Router from '@koa/router';
import {
  parseJobId,
  unavailableWhenRedisIsAway,
  type JobQueue,
  type RemoteWorkers,
} from '@jobqueue/shared';
import { jsonBody } from '../body';

export function workerRoutes(router: Router, queue: JobQueue, workers: RemoteWorkers): void {
  router.put('/job-types/:name', jsonBody('128kb'), async (ctx) => {
    ctx.body = await queue.declareJobType(ctx.params.name!, ctx.request.body);
  });

  router.post('/workers/claim', jsonBody('16kb'), async (ctx) => {
    // A worker that hangs up while its claim waits stops the wait; jobs it never received stay
    // unconfirmed and come back without their attempt counted.
    const hungUp = new AbortController();
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) hungUp.abort();
    });
    const body = ctx.request.body as { worker_id?: unknown };
    const jobs = await unavailableWhenRedisIsAway('claim jobs', () =>
      workers.claim(body, hungUp.signal),
    );
    if (jobs.length > 0) {
      ctx.res.once('finish', () => {
        void workers.confirm(String(body.worker_id), jobs).catch(() => undefined);
      });
    }
    ctx.body = { jobs: jobs.map((job) => workers.handedOut(job)) };
  });

  router.post('/jobs/:id/heartbeat', jsonBody('16kb'), async (ctx) => {
    const id = parseJobId(ctx.params.id);
    ctx.body = await unavailableWhenRedisIsAway('renew a lease', () =>
      workers.heartbeat(id, ctx.request.body),
    );
  });

  router.post('/jobs/:id/complete', jsonBody('1mb'), async (ctx) => {
    const id = parseJobId(ctx.params.id);
    await unavailableWhenRedisIsAway('complete a job', () =>
      workers.complete(id, ctx.request.body),
    );
    ctx.body = { job_id: id, status: 'completed' };
  });

  router.post('/jobs/:id/fail', jsonBody('64kb'), async (ctx) => {
    const id = parseJobId(ctx.params.id);
    const { status } = await unavailableWhenRedisIsAway('fail a job', () =>
      workers.fail(id, ctx.request.body),
    );
    ctx.body = { job_id: id, status };
  });
}
