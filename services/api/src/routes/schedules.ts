// Cron schedules: create (or replace) one, list them with their next runs, delete one.

import type Router from '@koa/router';
import type { Schedules } from '@jobqueue/shared';
import { jsonBody, noBody } from '../body';

export function scheduleRoutes(router: Router, schedules: Schedules): void {
  router.post('/schedules', jsonBody('64kb'), async (ctx) => {
    ctx.status = 201;
    ctx.body = await schedules.create(ctx.request.body);
  });

  router.get('/schedules', async (ctx) => {
    ctx.body = { schedules: await schedules.list() };
  });

  router.delete('/schedules/:name', noBody(), async (ctx) => {
    await schedules.remove(ctx.params.name!);
    ctx.status = 204;
  });
}
