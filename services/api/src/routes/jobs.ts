// The job routes: submit one or many, read one, list, retry and cancel.

import type Router from '@koa/router';
import { NotFoundError, parseJobId, ValidationError, type JobQueue } from '@jobqueue/shared';
import { jsonBody, noBody } from '../body';
import { concurrencyGate } from '../concurrency-gate';
import type { Metrics } from '../metrics';
import type { SubmissionLimit } from '../rate-limit';
import { singleQuery } from '../query';

/** `limit` guards both submit routes (the per-client rate limit, when it is on). */
export function jobRoutes(
  router: Router,
  queue: JobQueue,
  metrics: Metrics,
  limit: SubmissionLimit | undefined,
): void {
  const submissions = limit ? [limit.spentBudgetFirst] : [];
  router.post('/submit-job', ...submissions, jsonBody('64kb'), async (ctx) => {
    await limit?.charge(ctx, 1);
    const result = await queue.submit(ctx.request.body);
    if (result.created) metrics.jobsSubmitted.inc();
    // A repeated idempotency key answers 200 with the first job instead of creating another.
    ctx.status = result.created ? 202 : 200;
    ctx.set('Location', `/jobs/status/${result.job_id}`);
    ctx.body = { job_id: result.job_id, status: result.status };
  });

  router.post('/jobs/bulk', ...submissions, jsonBody('2mb'), async (ctx) => {
    const body = ctx.request.body as { jobs?: unknown } | undefined;
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
    const extra = keys.filter((key) => key !== 'jobs');
    if (!Array.isArray(body?.jobs) || extra.length > 0) {
      throw new ValidationError('body must be {"jobs": [ ...submit bodies ]}', [
        ...(Array.isArray(body?.jobs)
          ? []
          : [{ path: 'jobs', message: 'must be an array of jobs' }]),
        ...extra.map((key) => ({ path: key, message: 'is not a known field' })),
      ]);
    }
    await limit?.charge(ctx, body.jobs.length);
    const results = await queue.submitMany(body.jobs);
    metrics.jobsSubmitted.inc(results.filter((result) => result.created).length);
    ctx.status = 202;
    ctx.body = { job_ids: results.map((result) => result.job_id) };
  });

  // Without an id the path would match DELETE /jobs/:id and answer 405 "use DELETE".
  router.get('/jobs/status', () => {
    throw new NotFoundError('no job id given: GET /jobs/status/<job id>');
  });
  router.get('/jobs/status/:id', async (ctx) => {
    const id = parseJobId(ctx.params.id);
    const record = await queue.get(id);
    if (!record) throw new NotFoundError(`job ${id} not found`);
    ctx.body = record;
  });

  // Listings are the one read that may cost many Redis reads: a few at a time, the rest wait.
  router.get('/jobs', concurrencyGate('job listings', 2, 200), async (ctx) => {
    ctx.body = await queue.list(singleQuery(ctx));
  });

  router.post('/jobs/:id/retry', noBody(), async (ctx) => {
    ctx.body = await queue.retry(ctx.params.id!);
  });

  router.delete('/jobs/:id', noBody(), async (ctx) => {
    ctx.body = await queue.cancel(ctx.params.id!);
  });
}
