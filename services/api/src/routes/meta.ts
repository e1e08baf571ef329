// What the queue can do and how it is doing: job types, stats, health and readiness.

import type Router from '@koa/router';
import type { JobQueue } from '@jobqueue/shared';
import { jsonBody, noBody } from '../body';
import { openApiDocument } from '../openapi';
import { singleQuery } from '../query';

export function metaRoutes(router: Router, queue: JobQueue): void {
  // The registry as workers declared it, with the types this process accepts built in.
  router.get('/job-types', async (ctx) => {
    ctx.body = { job_types: await queue.listJobTypes() };
  });

  // Built on each request: it describes the job types registered now.
  router.get('/openapi.json', async (ctx) => {
    ctx.body = openApiDocument(await queue.listJobTypes());
  });

  // Pause and resume: the whole queue, or one job type. Running jobs finish; queued ones wait.
  const oneType = ' (to pause or resume one job type: POST /job-types/<name>/pause or /resume)';
  router.post('/queue/pause', noBody(oneType), async (ctx) => {
    ctx.body = await queue.pause();
  });
  router.post('/queue/resume', noBody(oneType), async (ctx) => {
    ctx.body = await queue.resume();
  });
  // Global limits at run time: {max_concurrency?, rate_limit?} (null removes), or {reset: true}.
  router.patch('/job-types/:name', jsonBody('16kb'), async (ctx) => {
    ctx.body = {
      job_type: ctx.params.name,
      limits: await queue.setLimits(ctx.params.name!, ctx.request.body),
    };
  });

  router.post('/job-types/:name/pause', noBody(), async (ctx) => {
    ctx.body = await queue.pause(ctx.params.name);
  });
  router.post('/job-types/:name/resume', noBody(), async (ctx) => {
    ctx.body = await queue.resume(ctx.params.name);
  });

  // Groups take turns (claim.lua): their settings, and what each has queued, running and done.
  router.put('/groups/:name', jsonBody('16kb'), async (ctx) => {
    ctx.body = {
      group: ctx.params.name,
      ...(await queue.setGroup(ctx.params.name, ctx.request.body ?? {})),
    };
  });
  router.get('/groups', async (ctx) => {
    ctx.body = await queue.groups(singleQuery(ctx));
  });

  router.get('/stats', async (ctx) => {
    ctx.body = await queue.stats();
  });

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // Ready means Redis answers; a load balancer stops sending traffic while it does not.
  router.get('/ready', async (ctx) => {
    await queue.ping();
    ctx.body = { status: 'ready', redis: 'ok' };
  });
}
